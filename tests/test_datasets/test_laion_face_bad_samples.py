"""LAIONFaceDataset skips bad web data and counts it by reason: one sample
of every kind plus a truncated tar in a pretraining run, unusual but valid
images decoded, a garbage-only shard set refused instead of spinning.
Also covers farl_mm.datasets.laion_face_decode (each reason) and
farl_mm.engine.hooks.bad_sample_report_hook (the counts logged)."""
import copy
import io
import json
import os.path as osp
import re
import struct
import sys
import tarfile
import zlib
from unittest import mock

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner
from PIL import Image
from webdataset import TarWriter

from farl_mm.datasets import LAIONFaceDataset
from farl_mm.datasets.laion_face_decode import (SAMPLE_REASONS, BadSample,
                                                decode_sample)
from farl_mm.datasets.laion_face_format import SIZES_FILE
from farl_mm.synthetic import SyntheticFaceGenerator
from farl_mm.synthetic.writers import write_synthetic_shards

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import tiny_lapa  # noqa: E402  (mmengine state guard)

REPO = tiny_lapa.REPO
TINY = osp.join(REPO, 'configs', 'farl',
                'farl_vit-tiny_synthetic-shards_pretrain.py')
SIZE, PER_SHARD = 64, 48
RGB = np.random.default_rng(0).integers(0, 256, (40, 48, 3), np.uint8)


def pil_bytes(img, fmt, **kwargs):
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def png_header_only(width, height):
    """A PNG whose header claims ``width x height`` px (a decompression bomb
    needs no more to be refused)."""
    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data +
                struct.pack('>I', zlib.crc32(kind + data)))
    header = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) +
            chunk(b'IDAT', zlib.compress(bytes(1 + 3 * width))) +
            chunk(b'IEND', b''))


UNUSUAL = {  # valid images that must decode to uint8 BGR: (bytes, expected)
    'gray_jpg': (pil_bytes(Image.fromarray(RGB[..., 0]), 'JPEG', quality=100),
                 np.repeat(RGB[..., :1], 3, 2)),
    'cmyk_jpg': (pil_bytes(Image.fromarray(RGB).convert('CMYK'), 'JPEG',
                           quality=100), RGB[..., ::-1]),
    'rgba_png': (pil_bytes(Image.fromarray(np.dstack([RGB, RGB[..., :1]])),
                           'PNG'), RGB[..., ::-1]),
    'rgb16_png': (cv2.imencode('.png', RGB[..., ::-1].astype(np.uint16) *
                               257)[1].tobytes(), RGB[..., ::-1]),
}
JPG = pil_bytes(Image.fromarray(RGB), 'JPEG', quality=90)
FACE = dict(box=[8, 8, 40, 40], score=0.99,
            landmarks=[[17, 20], [31, 20], [24, 27], [18, 33], [30, 33]])
# one sample of each reason: (reason, image ext, image, caption, json)
BAD = [
    ('missing_image', None, None, b'a face', dict(faces=[FACE])),
    ('missing_caption', 'jpg', JPG, None, dict(faces=[FACE])),
    ('not_an_image', 'jpg', b'<html>404</html>', b'a face',
     dict(faces=[FACE])),
    ('image_too_large', 'png', png_header_only(20000, 20000), b'a face',
     dict(faces=[FACE])),
    ('image_too_small', 'png', pil_bytes(Image.new('RGB', (1, 1)), 'PNG'),
     b'a face', dict(faces=[FACE])),
    ('image_corrupt', 'jpg', JPG[:len(JPG) // 2], b'a face',
     dict(faces=[FACE])),
    ('caption_not_utf8', 'jpg', JPG, b'caf\xe9 \xff', dict(faces=[FACE])),
    ('caption_empty', 'jpg', JPG, b'  \n', dict(faces=[FACE])),
    ('missing_json', 'jpg', JPG, b'a face', None),
    ('json_malformed', 'jpg', JPG, b'a face', b'{"faces": [{"box": [1, 2'),
    ('no_face', 'jpg', JPG, b'a face', dict(faces=[dict(FACE, score=0.5)])),
]
DEGENERATE = dict(FACE, score=0.97, landmarks=[[20, 20]] * 5)


def raw_sample(key, ext, image, caption, meta):
    raw = {'__key__': key}
    if ext is not None:
        raw[ext] = image
    if caption is not None:
        raw['txt'] = caption
    if meta is not None:
        raw['json'] = meta if isinstance(meta, bytes) else \
            json.dumps(meta).encode()
    return raw


def test_unusual_images_decode_to_bgr():
    for name, (data, expected) in UNUSUAL.items():
        results, _ = decode_sample(raw_sample(name, name[-3:], data, b'a',
                                              dict(faces=[])))
        img = results['img']
        assert img.shape == (40, 48, 3) and img.dtype == np.uint8, name
        err = np.abs(img.astype(int) - expected).max()
        assert err <= (0 if name.endswith('png') else 3), (name, err)


def test_each_bad_kind_raises_its_reason():
    for reason, *sample in BAD[:-1]:  # no_face is the pipeline's call
        with pytest.raises(BadSample, match='s.tar#k') as info:
            decode_sample(dict(raw_sample('k', *sample), __url__='s.tar'))
        assert info.value.reason == reason
    assert {r for r, *_ in BAD[:-1]} == set(SAMPLE_REASONS)
    # a smaller max_pixels is read from the header, before decoding
    with pytest.raises(BadSample, match='48x40 px exceeds') as info:
        decode_sample(raw_sample('k', 'jpg', JPG, b'a', {}), max_pixels=1000)
    assert info.value.reason == 'image_too_large'
    results, degenerate = decode_sample(raw_sample(
        'k', 'jpg', JPG, b' a face ', dict(faces=[DEGENERATE, FACE])))
    assert degenerate == 1 and results['text'] == 'a face'
    assert [f['score'] for f in results['faces']] == [0.99]


def write_dirty_shards(root):
    """4 good shards, one of every bad kind + valid oddities, one truncated
    tar: ``00000..00003`` good, ``00004`` the 16 odd ones, ``00005``
    truncated in its 20th sample."""
    write_synthetic_shards(root, 4, PER_SHARD, size=SIZE)
    write_synthetic_shards(root, 1, PER_SHARD, size=SIZE, start=5 * PER_SHARD,
                           first_shard=5)
    gen = SyntheticFaceGenerator(size=SIZE, seed=1)
    good = gen.sample(0)
    good_jpg = cv2.imencode('.jpg', good.image)[1].tobytes()
    good_meta = dict(faces=[dict(box=good.box.tolist(), score=0.99,
                                 landmarks=good.landmarks('5').tolist())])
    samples = [raw_sample(f'bad_{reason}', *rest)
               for reason, *rest in BAD]
    samples += [raw_sample(f'odd_{name}', name[-3:], data, b'a face',
                           dict(faces=[FACE]))
                for name, (data, _) in UNUSUAL.items()]
    samples.append(raw_sample('degenerate', 'jpg', good_jpg, b'a face',
                              dict(faces=[dict(DEGENERATE, score=0.98),
                                          *good_meta['faces']])))
    with TarWriter(osp.join(root, '00004.tar'), encoder=False) as sink:
        for sample in samples:
            sink.write(sample)
    path = osp.join(root, '00005.tar')
    with tarfile.open(path) as tar:  # cut in the 20th sample's image
        member = [m for m in tar.getmembers() if m.name.endswith('.jpg')][19]
        cut = member.offset_data + member.size // 2
    with open(path, 'rb') as f:
        data = f.read()[:cut]
    with open(path, 'wb') as f:
        f.write(data)
    with open(osp.join(root, SIZES_FILE)) as f:
        sizes = json.load(f)
    sizes['00004.tar'] = len(samples)  # 16
    with open(osp.join(root, SIZES_FILE), 'w') as f:
        json.dump(sizes, f)
    return sum(sizes.values())


def test_pretraining_run_skips_counts_and_reports(tmp_path):
    """The tiny pretraining config, 2 workers x 4 batches of 32: one epoch.

    In file order (``shuffle_shards=False``, no shuffle buffer) the dirty
    shards end worker 1's range; its 11 skips and the truncated tar's
    missing samples are made up from the start of its range in the next
    pass, which is clean, so every count is known: 1 per reason, 1
    degenerate face, the tar once."""
    root = str(tmp_path / 'shards')
    total = write_dirty_shards(root)
    assert total == 4 * PER_SHARD + 16 + PER_SHARD == 256
    cfg = Config.fromfile(TINY)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.experiment_name = f'bad_samples_{id(cfg)}'
    cfg.train_cfg.max_iters = 8  # 256 samples / 32
    cfg.train_dataloader.update(num_workers=2)
    cfg.train_dataloader.dataset.update(data_root=root, shuffle_shards=False,
                                        shuffle_buffer=0)
    cfg.train_dataloader.dataset.pipeline[0].no_face = 'skip'
    cfg.custom_hooks.append(dict(type='farl_mm.BadSampleReportHook',
                                 interval=4))
    cfg.default_hooks.update(checkpoint=None)
    with tiny_lapa.mmengine_state_restored():
        runner = Runner.from_cfg(cfg)
        runner.train()
        counts = runner.train_dataloader.dataset.skip_counts()
        log_file = runner.logger.log_file
    assert runner.iter == 8
    assert counts.pop('yielded') == 256  # 2 workers x 128, none lost
    assert counts.pop('degenerate_face') == 1
    assert counts.pop(f'unreadable_shard:{root}/00005.tar') == 1
    expected = {reason: 1 for reason, *_ in BAD}
    assert {k: v for k, v in counts.items() if v} == expected
    with open(log_file) as f:
        log = f.read()
    assert ('Epoch 1: 11 of 267 samples skipped (4.12%): missing_image 1, '
            'missing_caption 1, missing_json 1, not_an_image 1, '
            'image_too_large 1, image_too_small 1, '
            'image_corrupt 1, caption_not_utf8 1, caption_empty 1, '
            'json_malformed 1, no_face 1; 1 faces removed '
            f'(degenerate_face); unreadable shards: {root}/00005.tar (1x)'
            ) in log
    # every 4 iterations, what was skipped since (iterations 4 and 8 split
    # the 11 as the workers happened to run ahead)
    interval = re.findall(r'Iter [48], since the last report: (\d+) of', log)
    assert interval and sum(map(int, interval)) == 11


def test_garbage_shards_stop_the_stream_with_the_counts(tmp_path):
    root = str(tmp_path)
    with TarWriter(osp.join(root, 'junk.tar'), encoder=False) as sink:
        for i in range(30):
            image = b'junk' if i % 3 == 0 else JPG[:len(JPG) // 2]
            sink.write(raw_sample(f'{i:03d}', 'jpg', image, b'x',
                                  dict(faces=[FACE])))
    dataset = LAIONFaceDataset('junk.tar', root, num_samples=30,
                               shuffle_buffer=0, skip_window=20)
    with pytest.raises(ValueError, match=r"20 of its last 20 samples were "
                       r"skipped.*'not_an_image': 7, 'image_corrupt'"):
        list(dataset)
    assert copy.deepcopy(dataset).skip_counts() == dataset.skip_counts()


def scaled(landmarks, factor=1.0, shift=(0.0, 0.0)):
    return (np.asarray(landmarks) * factor + shift).tolist()


# detections that parse but cannot be aligned on the 48x40 JPG: key ->
# (landmarks, the reason they are counted under)
UNALIGNABLE = {
    'absurd_1e20': (scaled(FACE['landmarks'], 1e20), 'align_outside_image'),
    'absurd_1e30': (scaled(FACE['landmarks'], 1e30), 'align_outside_image'),
    'off_photo': (scaled(FACE['landmarks'], shift=(40, 0)),
                  'align_outside_image'),
    'collinear': ([[10 + 6 * k, 20] for k in range(5)], 'align_degenerate'),
}


def test_unalignable_faces_are_bad_samples_naming_shard_and_key(tmp_path):
    """One epoch of 8 good and 4 unalignable samples (plus one with NaN
    landmarks, malformed JSON): the stream goes on, the 5 are counted by
    reason and each warning names its shard and key."""
    root = str(tmp_path)
    write_synthetic_shards(root, 1, 8, size=SIZE)
    bad = [raw_sample(key, 'jpg', JPG, b'a face',
                      dict(faces=[dict(FACE, landmarks=landmarks)]))
           for key, (landmarks, _) in UNALIGNABLE.items()]
    bad.append(raw_sample('nan', 'jpg', JPG, b'a face', json.dumps(dict(
        faces=[dict(FACE, landmarks=[[float('nan'), 1.0]] * 5)])).encode()))
    with TarWriter(osp.join(root, 'faces.tar'), encoder=False) as sink:
        for sample in bad:
            sink.write(sample)
    with open(osp.join(root, SIZES_FILE), 'w') as f:
        json.dump({'00000.tar': 8, 'faces.tar': len(bad)}, f)
    dataset = LAIONFaceDataset(
        ['faces.tar', '00000.tar'], root, shuffle_shards=False,
        shuffle_buffer=0, pipeline=[dict(type='farl_mm.FaceAlignCrop',
                                         size=32, no_face='skip')])
    with mock.patch('farl_mm.datasets.laion_face.print_log') as log:
        samples = list(dataset)
    # 13 per epoch: the 8 good ones, then the first 5 of the next pass
    assert [s['sample_idx'] for s in samples] == \
        [f'{i:09d}' for i in [*range(8), *range(5)]]
    assert all(s['img'].shape == (32, 32, 3) for s in samples)
    counts = {k: v for k, v in dataset.skip_counts().items() if v}
    assert counts == {'yielded': 13, 'json_malformed': 2,
                      'align_outside_image': 6, 'align_degenerate': 2}
    warnings = [call.args[0] for call in log.call_args_list]
    for key, (_, reason) in UNALIGNABLE.items():
        (line, *_) = [w for w in warnings if f'faces.tar#{key}.jpg' in w]
        assert line.startswith(f'{root}/faces.tar#{key}.jpg: the face of '
                               'score 0.990 at box [8.0, 8.0, 40.0, 40.0]')
        assert line.endswith(f'(skipped as {reason})')
    assert any('faces.tar#nan.json' in w and 'NaN' in w for w in warnings)
