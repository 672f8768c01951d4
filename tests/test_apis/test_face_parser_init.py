"""init_face_parser: class names from the checkpoint, else the config's
dataset, never mmseg's guess by class count. (farl_mm.apis.face_parsing;
its predictions on photos: test_face_tasks.py, test_photo_inputs.py.)"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from farl_mm.apis import init_face_parser
from farl_mm.datasets import CelebAMaskHQDataset, LaPaDataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = osp.join(REPO, 'configs', 'farl', 'lapa_upernet_tiny_synthetic.py')


def _celebamask_tiny():
    """The tiny parser with CelebAMask-HQ's 19 classes (as many as
    Cityscapes, which mmseg's init_model would pick by the count)."""
    cfg = Config.fromfile(TINY)
    cfg.model.decode_head.num_classes = 19
    cfg.test_dataloader.dataset.type = 'farl_mm.CelebAMaskHQDataset'
    return cfg


@pytest.mark.parametrize('extra', [{}, dict(meta={})])
def test_names_come_from_the_config_dataset_without_dataset_meta(
        tmp_path, extra):
    cfg = _celebamask_tiny()
    torch.manual_seed(0)
    weights = init_face_parser(cfg).state_dict()
    path = str(tmp_path / 'no_meta.pth')
    torch.save(dict(state_dict=weights, **extra), path)
    model = init_face_parser(_celebamask_tiny(), path)
    assert model.dataset_meta['classes'] == \
        CelebAMaskHQDataset.METAINFO['classes']
    assert len(model.dataset_meta['classes']) == 19
    for key, value in weights.items():  # and the weights were loaded
        torch.testing.assert_close(model.state_dict()[key], value)


def test_names_saved_in_the_checkpoint_win(tmp_path):
    cfg = Config.fromfile(TINY)
    model = init_face_parser(cfg)
    assert model.dataset_meta['classes'] == LaPaDataset.METAINFO['classes']
    names = [f'part{i}' for i in range(11)]
    path = str(tmp_path / 'meta.pth')
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(classes=names))), path)
    assert init_face_parser(cfg, path).dataset_meta['classes'] == names
