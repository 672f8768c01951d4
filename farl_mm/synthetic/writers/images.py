"""Drawing and saving synthetic faces, shared by the format writers."""
import os
import os.path as osp

import cv2

from ..generator import SyntheticFaceGenerator


def draw_faces(num, seed, size, start=0):
    """Samples ``start .. start + num - 1`` of one seeded generator."""
    gen = SyntheticFaceGenerator(size=size, seed=seed)
    return [gen.sample(i) for i in range(start, start + num)]


def save_jpeg(path, image):
    """``image`` as a quality-95 JPEG at ``path``, folders created."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, image, [cv2.IMWRITE_JPEG_QUALITY, 95])


def draw_and_save(gen, index, path):
    """Sample ``index`` of ``gen``, saved as a JPEG at ``path``."""
    sample = gen.sample(index)
    save_jpeg(path, sample.image)
    return sample
