"""Zero-shot attributes and Grad-CAM after the tiny FaRL pretraining.

The tiny config (64 px, 4x4 patches) is pretrained (one run shared with
tests/test_tools/test_pretrain.py, tests/conftest.py) on synthetic
LAION-Face-style shards whose captions name the drawn attributes; its two
towers must then tell men from women by prompts alone, and Grad-CAM for
"eyeglasses" must light up the (known) eyeglasses pixels more than the
background (paper §4.7).
"""
import cv2
import numpy as np
import pytest
import torch

from farl_mm.apis.encoder import FaRLEncoder
from farl_mm.apis.zero_shot import (ZeroShotAttributes, attribute_prompts,
                                    face_pixels, gradcam)
from farl_mm.synthetic import EXTRA_MASKS, SyntheticFaceGenerator
from farl_mm.geometry import FaceWarp, align_matrix
from tools.visualization import gradcam as gradcam_tool

SIZE = 64


@pytest.fixture(scope='module')
def checkpoint(tiny_pretrain):
    """The end (300 iterations) of the session's ``tiny_pretrain`` run
    (tests/conftest.py): the config's whole schedule."""
    return str(tiny_pretrain[1] / 'iter_300.pth')


@pytest.fixture(scope='module')
def encoder(checkpoint):
    return FaRLEncoder.from_checkpoint(checkpoint)


def test_prompt_pair():
    assert attribute_prompts('eyeglasses') == (
        'a photo of a face with eyeglasses.',
        'a photo of a face without eyeglasses.')


def test_zero_shot_tells_gender_from_prompts(encoder):
    gen = SyntheticFaceGenerator(128, seed=7)  # faces never trained on
    faces = [gen.sample(i) for i in range(64)]
    pixels = torch.cat([face_pixels(f.image, SIZE, f.landmarks('5'))[0]
                        for f in faces])
    zero_shot = ZeroShotAttributes(encoder, dict(
        Male=('a photo of a man.', 'a photo of a woman.'),
        Blond_Hair=('a photo of a person with blond hair.',
                    'a photo of a person with black hair.')))
    probs = zero_shot(pixels)
    assert probs.shape == (64, 2) and ((probs >= 0) & (probs <= 1)).all()
    male = np.array([f.attributes['Male'] for f in faces], bool)
    accuracy = ((probs[:, 0].numpy() > 0.5) == male).mean()
    print(f'zero-shot Male accuracy {accuracy:.3f} '
          f'(majority {max(male.mean(), 1 - male.mean()):.3f})')
    assert accuracy > 0.75  # seen: 0.94; majority class: 0.52
    blond = np.array([f.attributes['Blond_Hair'] for f in faces], bool)
    assert probs[blond, 1].mean() > probs[~blond, 1].mean() + 0.3


def _regions(face):
    """Eyeglasses and background masks on the aligned canvas."""
    warp = FaceWarp(align_matrix(face.landmarks('5'), SIZE), SIZE, 0.0)
    glasses = warp.warp_image(face.masks['eyeglasses'].astype(np.uint8),
                              'nearest') > 0
    covered = np.zeros(face.parsing.shape, bool)
    for name in EXTRA_MASKS:
        covered |= face.masks[name]
    background = ((face.parsing == 0) & ~covered).astype(np.uint8)
    # outside the photo counts as background too
    background = warp.warp_image(background, 'nearest', border_value=1) > 0
    return glasses, background


def test_gradcam_finds_the_eyeglasses(encoder):
    gen = SyntheticFaceGenerator(128, seed=11)
    on_glasses, on_background = [], []
    for i in range(24):
        face = gen.sample(i, attributes={'Eyeglasses': 1})
        pixels, _ = face_pixels(face.image, SIZE, face.landmarks('5'))
        heat = gradcam(encoder, pixels, 'eyeglasses')
        assert heat.shape == (SIZE, SIZE)
        assert heat.min() >= 0 and heat.max() <= 1
        glasses, background = _regions(face)
        on_glasses.append(heat[glasses].mean())
        on_background.append(heat[background].mean())
    print('Grad-CAM "eyeglasses": mean heat on the glasses '
          f'{np.mean(on_glasses):.3f}, on the background '
          f'{np.mean(on_background):.3f}')
    # seen: 0.379 vs 0.208 (other faces: 0.372 vs 0.160); a 4x4 patch
    # grid makes single maps coarse, the mean over faces is clear
    assert np.mean(on_glasses) > 1.4 * np.mean(on_background)


def test_gradcam_tool_writes_the_overlay(checkpoint, tmp_path):
    face = SyntheticFaceGenerator(128, seed=3).sample(
        0, attributes={'Eyeglasses': 1})
    image = tmp_path / 'face.png'
    cv2.imwrite(str(image), face.image)
    out = tmp_path / 'cam' / 'eyeglasses.png'
    points = ' '.join(f'{v:.2f}' for v in face.landmarks('5').ravel())
    heat, rgb = gradcam_tool.main([str(image), checkpoint, '--text',
                                   'eyeglasses', '--out', str(out),
                                   '--landmarks', points])
    written = cv2.imread(str(out))
    assert written.shape == (SIZE, 2 * SIZE, 3)
    # left half: the aligned face the tower saw, unchanged
    np.testing.assert_array_equal(written[:, :SIZE, ::-1], rgb)
    with pytest.raises(ValueError, match='10 numbers'):
        gradcam_tool.main([str(image), checkpoint, '--text', 'x', '--out',
                           str(out), '--landmarks', '1 2 3'])


def test_named_results_name_their_attributes():
    """Hand-made towers: image 0 points at 'with glasses', image 1 at
    'without'; scale 1, so P = softmax([1, 0]) = 0.7311 and its reverse."""
    class Towers:
        logit_scale = torch.zeros(())

        def encode_text(self, prompts):
            assert prompts == ['a photo of a face with eyeglasses.',
                               'a photo of a face without eyeglasses.',
                               'smiling', 'not smiling']
            return torch.eye(4)

        def encode_image(self, pixels):
            return torch.eye(4)[:2]

    zero_shot = ZeroShotAttributes(Towers(), dict(
        Eyeglasses='eyeglasses', Smiling=('smiling', 'not smiling')))
    named = zero_shot.named(torch.zeros(2, 3, 8, 8))
    assert [list(d) for d in named] == [['Eyeglasses', 'Smiling']] * 2
    p = 1 / (1 + np.exp(-1.0))
    assert named[0]['Eyeglasses'] == pytest.approx(p)
    assert named[1]['Eyeglasses'] == pytest.approx(1 - p)
    assert named[0]['Smiling'] == pytest.approx(0.5)
