"""Every shipped parsing config builds and takes a loss step on CPU, with the
backbone frozen or trained as its name says; the 448 variants get the
224-px position embedding resized when loading."""
import glob
import os.path as osp
from unittest import mock

import pytest
import torch
from mmengine import Config
from mmengine.runner import BaseLoop
from mmengine.structures import PixelData

import farl_mm  # noqa: F401
from farl_mm.engine.hooks import PreflightHook
from farl_mm.models import FaRLViT
from farl_mm.utils.preflight import MissingInputError

CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'farl')
PARSING = sorted(
    glob.glob(osp.join(CONFIGS, 'lapa_upernet*.py')) +
    glob.glob(osp.join(CONFIGS, 'celebamask-hq_upernet*.py')) +
    glob.glob(osp.join(CONFIGS, 'table1', 'lapa_upernet_*.py')))


#: Variants whose model is lapa_upernet's exactly: checked without a build.
SAME_MODEL = ('lapa_upernet_1pct.py', 'lapa_upernet_10pct.py')


def test_all_parsing_configs_are_found():
    names = {osp.basename(p) for p in PARSING}
    assert {'lapa_upernet.py', 'lapa_upernet_ft.py', 'lapa_upernet_ft_448.py',
            'celebamask-hq_upernet.py', 'celebamask-hq_upernet_ft.py',
            'celebamask-hq_upernet_ft_448.py', 'lapa_upernet_1pct.py',
            'lapa_upernet_10pct.py'} <= names


def test_few_shot_variants():
    for name, fraction in (('lapa_upernet_1pct.py', 0.01),
                           ('lapa_upernet_10pct.py', 0.1)):
        data = Config.fromfile(osp.join(CONFIGS, name)).train_dataloader
        assert data.dataset.type == 'farl_mm.few_shot_subset'
        assert (data.dataset.fraction, data.dataset.seed) == (fraction, 0)
        assert data.dataset.dataset.type == 'farl_mm.LaPaDataset'
        assert data.batch_size == 5  # the recipe's, kept by the wrapper


@pytest.mark.parametrize(
    'path', [p for p in PARSING if osp.basename(p) not in SAME_MODEL],
    ids=osp.basename)
def test_config_builds_and_trains_one_step(path):
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample
    cfg = Config.fromfile(path)
    assert cfg.model.type == 'farl_mm.FaceParser'
    assert cfg.test_evaluator.type == 'farl_mm.FaceParsingF1'
    size = 32
    cfg.model.backbone.init_cfg = None   # no weights in tests
    cfg.model.backbone.img_size = size
    cfg.model.data_preprocessor.size = (size, size)
    model = MODELS.build(cfg.model).train()
    num_classes = cfg.model.decode_head.num_classes
    assert num_classes == (19 if 'celebamask' in path else 11)
    samples = []
    for _ in range(2):  # BN in UperNet's pooling needs two samples
        sample = SegDataSample(metainfo=dict(img_shape=(size, size),
                                             pad_shape=(size, size)))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, num_classes, (1, size, size)))
        samples.append(sample)
    data = model.data_preprocessor(dict(
        inputs=[torch.randint(0, 256, (3, size, size), dtype=torch.uint8)
                for _ in samples],
        data_samples=samples), training=True)
    loss, _ = model.parse_losses(model(**data, mode='loss'))
    loss.backward()
    assert torch.isfinite(loss)
    assert model.decode_head.conv_seg.weight.grad is not None
    backbone_grads = [p.grad for p in model.backbone.parameters()
                      if p.grad is not None]
    name = osp.basename(path)
    trains_backbone = '_ft' in name or name in ('lapa_upernet_scratch.py',
                                                'lapa_upernet_tiny_synthetic.py')
    assert bool(backbone_grads) == trains_backbone


@pytest.mark.parametrize('path', PARSING, ids=osp.basename)
def test_training_without_the_weights_stops_naming_path_and_fix(
        path, tmp_path, monkeypatch):
    """A config whose backbone loads pretrained weights checks them before
    the first step (``PreflightHook``); one that trains from scratch does
    not ask for any."""
    cfg = Config.fromfile(path)
    hooks = [PreflightHook(**{k: v for k, v in h.items() if k != 'type'})
             for h in cfg.get('custom_hooks', [])
             if h['type'] == 'farl_mm.PreflightHook']
    init_cfg = cfg.model.backbone.get('init_cfg')
    if not init_cfg:
        assert hooks == []
        return
    monkeypatch.chdir(tmp_path)  # no checkpoints/ here
    training = mock.Mock(_train_loop=mock.Mock(spec=BaseLoop))
    with pytest.raises(MissingInputError) as err:
        for hook in hooks:
            hook.before_run(training)
    message = str(err.value)
    assert str(tmp_path / init_cfg.checkpoint) in message
    fix = ('configs/farl/table1/README.md' if 'table1' in path else
           'python tools/model_converters/farl2mm.py '
           'FaRL-Base-Patch16-LAIONFace20M-ep64.pth '
           'checkpoints/farl_b16_ep64.pth')
    assert fix in message


def test_448_loads_the_224_position_embedding_bicubically():
    small = FaRLViT(arch='tiny', img_size=32, patch_size=16)
    large = FaRLViT(arch='tiny', img_size=64, patch_size=16)
    large.load_state_dict(small.state_dict())
    assert large.pos_embed.shape == (1, 1 + 16, 64)
    # the class token's embedding is carried over unchanged
    torch.testing.assert_close(large.pos_embed[:, 0], small.pos_embed[:, 0])
    # the 2x2 patch grid, bicubically resampled to 4x4 (align_corners off)
    grid = small.pos_embed[:, 1:].reshape(1, 2, 2, 64).permute(0, 3, 1, 2)
    expected = torch.nn.functional.interpolate(
        grid, size=(4, 4), mode='bicubic', align_corners=False)
    torch.testing.assert_close(
        large.pos_embed[:, 1:], expected.flatten(2).transpose(1, 2))
    cfg = Config.fromfile(osp.join(CONFIGS, 'lapa_upernet_ft_448.py'))
    assert cfg.model.backbone.img_size == 448
    assert cfg.test_dataloader.dataset.pipeline[3].size == 448
