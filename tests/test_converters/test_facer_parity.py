"""The authors' released face models, converted, give the authors' numbers.

Each of the six releases is rebuilt in miniature from the authors' own
code (pyfacer; tests/helpers/facer_releases.py), saved as it ships,
converted with farl_mm.converters.facer and loaded through farl_mm.apis
with the config the conversion wrote. Then:

- on the same warped input, farl_mm's logits / heatmaps / attribute logits
  equal theirs within 1e-4;
- on a photo (scikit-image's astronaut) with given 5 points, through the
  whole pipelines (alignment matrix, warp, network, inverse warp), parsing
  labels agree on >= 99.5% of the face crop's pixels and landmarks within
  0.5 px. What remains is the image warp: OpenCV's bilinear resampling
  (coordinates in 1/32 px, uint8 output) against torch's ``grid_sample``
  on floats.

Also covers farl_mm.models.estimators.face_warp_estimator (the released
alignment models' heatmaps pulled back to the photo).
"""
import os.path as osp
import sys
from unittest import mock

import numpy as np
import pytest
import torch

import farl_mm  # noqa: F401
from farl_mm.apis import init_task_model
from farl_mm.apis.face_alignment import align_faces_by_points
from farl_mm.apis.face_attributes import classify_faces
from farl_mm.apis.face_parsing import parse_face
from farl_mm.utils.checkpoint_io import load_checkpoint_file
from farl_mm.converters.facer import RELEASES, release_checkpoint
from farl_mm.models.heads import uper_inference

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(__file__)), 'helpers'))
import facer_releases  # noqa: E402

pytest.importorskip('facer', reason='pyfacer (requirements/tests.txt)')
skimage_data = pytest.importorskip('skimage.data')

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODELS = sorted(RELEASES)
#: The astronaut's left eye, right eye, nose tip, mouth corners (px).
POINTS5 = np.array([[202.5, 101.0], [248.5, 103.5], [222.5, 125.0],
                    [204.0, 144.0], [241.0, 145.0]])


@pytest.fixture(scope='module')
def photo():
    return skimage_data.astronaut()  # RGB (512, 512, 3) uint8


class _Releases(dict):
    """facer name -> (their predictor, the farl_mm model, farl_mm file),
    each built on first use (a test worker builds only what it runs)."""

    def __init__(self, root):
        super().__init__()
        self.root = root

    def __missing__(self, model):
        from mmengine.config import Config
        name, write = facer_releases.WRITERS[model]
        src = self.root / name
        dst = self.root / f'{model.replace("/", "_")}.pth'
        write(src, seed=MODELS.index(model))
        cfg = facer_releases.tiny_config(
            Config.fromfile(osp.join(REPO, RELEASES[model].config)))
        checkpoint, _ = release_checkpoint(str(src), model, cfg)
        torch.save(checkpoint, dst)
        ours = init_task_model(RELEASES[model].task, str(dst))
        self[model] = facer_releases.theirs(model, src), ours.eval(), dst
        return self[model]


@pytest.fixture(scope='module')
def releases(tmp_path_factory):
    return _Releases(tmp_path_factory.mktemp('facer'))


def _normalised(model, rgb01):
    """The warped RGB [0, 1] input as the farl_mm model's preprocessor
    normalises 0-255 pixels (its own mean and std)."""
    pre = model.data_preprocessor
    return (rgb01 * 255 - pre.mean) / pre.std


@pytest.mark.parametrize('model', MODELS)
def test_same_warped_input_same_outputs(releases, model):
    theirs, ours, _ = releases[model]
    size = 224 if model == 'celeba/224' else 448
    x = torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(
        0))
    x_ours = _normalised(ours, x)
    with torch.no_grad():
        task = RELEASES[model].task
        if task == 'parsing':
            expected = theirs.net(x)[0]
            got = ours.inference(x_ours, [dict(
                ori_shape=(size, size), img_shape=(size, size),
                pad_shape=(size, size))] * 2)
        elif task == 'alignment':
            expected = theirs.net(x)  # sigmoid heatmaps
            got = ours.activate(ours.head.forward(ours.extract_feat(x_ours)))
        else:
            expected = theirs.net(theirs.normalize(x))
            got = ours(x_ours, mode='tensor')
    assert got.shape == expected.shape
    assert expected.std() > 1e-3  # not a constant
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=0)


def _their_inputs(photo):
    images = torch.from_numpy(photo).permute(2, 0, 1)[None]
    data = dict(points=torch.from_numpy(POINTS5).float()[None],
                image_ids=torch.tensor([0]))
    return images, data


@pytest.mark.parametrize('model', ['lapa/448', 'celebm/448'])
def test_photo_parsing_agrees(releases, model, photo):
    from facer.transform import make_inverted_tanh_warp_grid
    theirs, ours, _ = releases[model]
    images, data = _their_inputs(photo)
    with torch.inference_mode():
        out = theirs(images, data)
    expected = out['seg']['logits'].argmax(1)[0].numpy()
    got = parse_face(ours, photo[..., ::-1].copy(), POINTS5)
    # the face crop: photo pixels the canvas covers
    setting = theirs.setting
    matrix = setting['get_matrix_fn'](data['points'])
    grid = make_inverted_tanh_warp_grid(
        matrix, 0.0, (448, 448), photo.shape[:2])[0]
    face = grid.abs().amax(-1).numpy() <= 1
    agree = (got == expected)[face].mean()
    assert face.sum() > 5000 and len(np.unique(expected[face])) > 2
    assert agree >= 0.995, f'{model}: {agree:.4%} of the face agree'


@pytest.mark.parametrize('model', ['ibug300w/448', 'wflw/448', 'aflw19/448'])
def test_photo_landmarks_agree(releases, model, photo):
    theirs, ours, _ = releases[model]
    images, data = _their_inputs(photo)
    with torch.inference_mode():
        expected = theirs(images, data)['alignment'][0].numpy()
    with mock.patch.object(uper_inference, 'uper_features',
                           wraps=uper_inference.uper_features) as factorised:
        got, _ = align_faces_by_points(ours, photo[..., ::-1].copy(),
                                       [POINTS5])
    assert factorised.call_count == 1  # the fast head, same landmarks
    assert got.shape == (1, *expected.shape)
    assert np.ptp(expected, 0).min() > 0.1  # not all one point
    assert np.abs(got[0] - expected).max() <= 0.5


def test_photo_attributes_agree(releases, photo):
    theirs, ours, _ = releases['celeba/224']
    images, data = _their_inputs(photo)
    with torch.inference_mode():
        expected = theirs(images, data)['attrs'][0].numpy()
    got = classify_faces(ours, photo[..., ::-1].copy(), [POINTS5])[0]
    assert expected.std() > 1e-3
    assert np.abs(got - expected).max() <= 2e-3


@pytest.mark.parametrize('model', MODELS)
def test_converted_checkpoint_loads_strictly(releases, model):
    from mmengine.config import Config
    from mmengine.registry import MODELS as REGISTRY
    from mmengine.registry import DefaultScope
    _, _, dst = releases[model]
    checkpoint = load_checkpoint_file(dst)  # weights only
    meta = checkpoint['meta']
    assert meta['farl_mm_task'] == RELEASES[model].task
    assert meta['facer_model'] == model
    cfg = Config.fromstring(meta['cfg'], '.py')
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        built = REGISTRY.build(cfg.model)
    built.load_state_dict(checkpoint['state_dict'], strict=True)


def test_landmark_decoding_is_on_the_photo():
    """Centre of mass where the photo is: a map cut by the border."""
    from farl_mm.models.losses.heatmap_ce import soft_argmax
    maps = torch.zeros(2, 4, 6)
    maps[0, 1, 2:5] = 1.0
    maps[1, 3, 5] = 1e-7  # its mass over the estimator's eps, 1e-6
    points = soft_argmax(maps, eps=1e-6)
    torch.testing.assert_close(points, torch.tensor([[3.0, 1.0], [0.5, 0.3]]))


@pytest.mark.parametrize('model', ['lapa/448', 'ibug300w/448'])
def test_converted_model_exports_to_onnx(releases, model, tmp_path):
    """As tools/deployment/pytorch2onnx.py exports it, at the release's
    own input size."""
    pytest.importorskip('onnxruntime')
    from farl_mm.deployment.onnx import export_onnx, onnx_parity
    _, ours, _ = releases[model]
    out = str(tmp_path / 'model.onnx')
    wrapped, size = export_onnx(ours, out)
    diff, _ = onnx_parity(wrapped, out, size, batch=1)
    assert size == 448 and diff < 1e-3


def _test_tool_metrics(dst, data_root, folder):
    """tools/test.py with the config a converted checkpoint carries (as a
    file), on ``data_root``; the metrics it saved."""
    from tiny_lapa import saved_metrics, tool_inline
    config = folder / 'released.py'
    config.write_text(load_checkpoint_file(dst)['meta']['cfg'])
    tool_inline('test.py', config, dst, '--work-dir', folder / 'work',
                '--cfg-options',
                f'test_dataloader.dataset.data_root={data_root}',
                'test_dataloader.num_workers=0',
                'test_dataloader.persistent_workers=False')
    return saved_metrics(folder / 'work')


def test_test_tool_takes_a_converted_parser(releases, tmp_path):
    """tools/test.py CONFIG DST on LaPa-layout faces: its test pipeline
    (5 points, facer's warp, logits at 512, inverse warp) scores them."""
    from tiny_lapa import make_lapa
    data = make_lapa(tmp_path / 'lapa', size=64)
    _, _, dst = releases['lapa/448']
    metrics = _test_tool_metrics(dst, data, tmp_path)
    assert 0 <= metrics['f1_mean'] <= 100


def test_test_tool_takes_a_converted_aligner(releases, tmp_path):
    """tools/test.py CONFIG DST on AFLW-19-layout faces: each box, grown by
    1 / 0.8, is the canvas; landmarks are decoded on the photo."""
    from runpy import run_path
    from unittest import mock

    from farl_mm.synthetic.writers import write_aflw_mat
    root = tmp_path / 'aflw19'
    write_aflw_mat(root, 6, size=96)
    script = osp.join(REPO, 'tools', 'dataset_converters', 'aflw19.py')
    argv = [script, root / 'AFLWinfo_release.mat', root / 'flickr',
            root / 'annotations', '--num-train', 2]
    with mock.patch.object(sys, 'argv', list(map(str, argv))):
        run_path(script, run_name='__main__')
    _, _, dst = releases['aflw19/448']
    metrics = _test_tool_metrics(dst, root, tmp_path)
    nme = [v for k, v in metrics.items() if 'nme' in k.lower()]
    assert nme and all(np.isfinite(v) and v > 0 for v in nme), metrics
