"""farl_mm.synthetic.writers.images. The format writers are tested where
their files are read back by the real loaders and converters: lapa in
test_write_lapa.py; aflw19, wflw, face300w in
tests/test_tools/test_alignment_converters.py; celeba, lfwa, fairface in
tests/test_datasets/test_face_attributes_datasets.py; celebamask_hq in
tests/test_tools/test_parsing_converters.py; laion_face in
tests/test_datasets/test_laion_face*.py and, all formats through the CLI,
tests/test_tools/test_make_synthetic_faces.py."""
import cv2
import numpy as np

from farl_mm.synthetic import SyntheticFaceGenerator
from farl_mm.synthetic.writers.images import (draw_and_save, draw_faces,
                                              save_jpeg)


def test_draw_faces_are_the_generators_samples_from_start():
    faces = draw_faces(3, seed=4, size=48, start=2)
    gen = SyntheticFaceGenerator(size=48, seed=4)
    for index, face in zip(range(2, 5), faces):
        np.testing.assert_array_equal(face.image, gen.sample(index).image)


def test_saved_jpeg_is_quality_95_in_new_folders(tmp_path):
    gen = SyntheticFaceGenerator(size=48, seed=0)
    path = tmp_path / 'a' / 'b' / 'face.jpg'
    sample = draw_and_save(gen, 7, str(path))
    ok, q95 = cv2.imencode('.jpg', sample.image,
                           [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok and path.read_bytes() == q95.tobytes()
    save_jpeg(str(tmp_path / 'c' / 'same.jpg'), sample.image)
    assert (tmp_path / 'c' / 'same.jpg').read_bytes() == q95.tobytes()
