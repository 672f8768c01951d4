"""Synthetic faces in LaPa's on-disk layout (``{split}/{images,labels,
landmarks}``), read unchanged by :class:`~farl_mm.datasets.LaPaDataset`."""
import os
import os.path as osp

import cv2

from farl_mm.datasets.landmark_files import write_landmarks_txt

from ..generator import SyntheticFaceGenerator


def sample_name(index):
    """File stem of sample ``index`` (``synth_000042``)."""
    return f'synth_{index:06d}'


def write_lapa(root, split, num, seed=0, size=256, start=0):
    """Write ``num`` faces in LaPa's layout.

    Files: ``{root}/{split}/images/{name}.jpg`` (BGR, JPEG quality 95),
    ``{root}/{split}/labels/{name}.png`` (single-channel uint8 class ids,
    see ``LAPA_CLASSES``) and ``{root}/{split}/landmarks/{name}.txt`` (a
    line ``106``, then 106 lines ``x y`` in pixels).

    Args:
        root (str): Dataset root.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        num (int): Number of samples.
        seed (int): Generator seed.
        size (int): Image side in pixels.
        start (int): First sample index. Names carry the index, so give
            each split its own index range (the CLI does) or the splits of
            one seed would hold the same faces.

    Returns:
        list[str]: The names written, in order.
    """
    gen = SyntheticFaceGenerator(size=size, seed=seed)
    dirs = {k: osp.join(root, split, k)
            for k in ('images', 'labels', 'landmarks')}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    names = []
    for index in range(start, start + num):
        s = gen.sample(index)
        name = sample_name(index)
        cv2.imwrite(osp.join(dirs['images'], name + '.jpg'), s.image,
                    [cv2.IMWRITE_JPEG_QUALITY, 95])
        cv2.imwrite(osp.join(dirs['labels'], name + '.png'), s.parsing)
        write_landmarks_txt(osp.join(dirs['landmarks'], name + '.txt'),
                            s.landmarks106)
        names.append(name)
    return names

