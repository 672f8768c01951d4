"""write_lapa and the make_synthetic_faces CLI: LaPa's layout round-trips."""
import importlib.util
import os
import os.path as osp

import cv2
import numpy as np

from farl_mm.datasets.landmark_files import read_landmarks_txt
from farl_mm.datasets.synthetic import SyntheticFaceGenerator, write_lapa


def _load_cli(repo_root):
    path = osp.join(repo_root, 'tools', 'misc', 'make_synthetic_faces.py')
    spec = importlib.util.spec_from_file_location('make_synthetic_faces', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_write_lapa_round_trip(tmp_path):
    names = write_lapa(str(tmp_path), 'val', 3, seed=2, size=64, start=5)
    assert names == ['synth_000005', 'synth_000006', 'synth_000007']
    gen = SyntheticFaceGenerator(size=64, seed=2)
    for index, name in zip(range(5, 8), names):
        s = gen.sample(index)
        img = cv2.imread(str(tmp_path / 'val' / 'images' / f'{name}.jpg'))
        assert img.shape == (64, 64, 3)
        assert np.abs(img.astype(int) - s.image).mean() < 6  # JPEG q95
        np.testing.assert_allclose(img.mean((0, 1)), s.image.mean((0, 1)),
                                   atol=1.5)  # same channel order (BGR)
        label = cv2.imread(str(tmp_path / 'val' / 'labels' / f'{name}.png'),
                           cv2.IMREAD_UNCHANGED)
        assert label.dtype == np.uint8 and label.shape == (64, 64)
        assert label.max() < 11
        np.testing.assert_array_equal(label, s.parsing)
        txt = tmp_path / 'val' / 'landmarks' / f'{name}.txt'
        assert txt.read_text().splitlines()[0] == '106'
        np.testing.assert_allclose(read_landmarks_txt(str(txt)),
                                   s.landmarks106, atol=1e-3)


def test_cli_gives_each_split_its_own_faces(tmp_path, repo_root, capsys):
    cli = _load_cli(repo_root)
    cli.main(['--format', 'lapa', '--out', str(tmp_path), '--splits',
              'train:3', 'val:2', '--size', '48', '--seed', '1',
              '--preview', str(tmp_path / 'sheet.png')])
    train = sorted(os.listdir(tmp_path / 'train' / 'images'))
    val = sorted(os.listdir(tmp_path / 'val' / 'images'))
    assert train == [f'synth_00000{i}.jpg' for i in range(3)]
    assert val == ['synth_000003.jpg', 'synth_000004.jpg']
    for split, num in (('train', 3), ('val', 2)):
        for sub in ('labels', 'landmarks'):
            assert len(os.listdir(tmp_path / split / sub)) == num
    sheet = cv2.imread(str(tmp_path / 'sheet.png'))
    assert sheet.shape == (2 * 48, 4 * 48, 3)
    assert 'val: 2 faces (indices 3-4)' in capsys.readouterr().out
