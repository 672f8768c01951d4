"""Synthetic LAION-Face shards: faces of the generator with captions from
their attributes and RetinaFace-style detections (the format:
:mod:`farl_mm.datasets.laion_face_format`)."""
import cv2
import numpy as np

from farl_mm.datasets.laion_face_writer import ShardSink

from ..generator import SyntheticFaceGenerator


def _distractor(rng, size):
    """A low-score detection elsewhere in the image (a background face)."""
    side = rng.uniform(0.1, 0.25) * size
    x1, y1 = rng.uniform(0, size - side, 2)
    template = np.array([[0.3, 0.4], [0.7, 0.4], [0.5, 0.6], [0.35, 0.8],
                         [0.65, 0.8]])
    return dict(box=[x1, y1, x1 + side, y1 + side],
                landmarks=(template * side + [x1, y1]).tolist(),
                score=float(rng.uniform(0.05, 0.85)))


def write_synthetic_shards(out_dir, num_shards, samples_per_shard, size=128,
                           seed=0, start=0, distractor_prob=0.25,
                           first_shard=None):
    """Shards of synthetic faces with captions from their attributes.

    Each sample holds its face (score in [0.95, 1)) and, with probability
    ``distractor_prob``, a low-score (< 0.85) distractor in random order, so
    that a face-selection threshold of 0.9 is exercised.

    Args:
        out_dir (str): Output folder.
        num_shards (int): Number of shards.
        samples_per_shard (int): Samples per shard.
        size (int): Image side in pixels.
        seed (int): Generator seed.
        start (int): Index of the first sample; keys are ``{index:09d}``.
        distractor_prob (float): Chance of a distractor face per sample.
        first_shard (int, optional): Number of the first shard file;
            default ``start // samples_per_shard``.

    Returns:
        list[str]: Paths of the shards written.
    """
    gen = SyntheticFaceGenerator(size=size, seed=seed)
    if first_shard is None:
        first_shard = start // samples_per_shard
    sink = ShardSink(out_dir, samples_per_shard, first_shard)
    for index in range(start, start + num_shards * samples_per_shard):
        s = gen.sample(index)
        rng = np.random.default_rng([seed, index, 1])
        faces = [dict(box=s.box.tolist(), landmarks=s.landmarks('5').tolist(),
                      score=float(rng.uniform(0.95, 1.0)))]
        if rng.random() < distractor_prob:
            faces.insert(int(rng.integers(2)), _distractor(rng, size))
        ok, jpg = cv2.imencode('.jpg', s.image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        assert ok, 'OpenCV failed to encode a JPEG'
        key = f'{index:09d}'
        sink.write(key, 'jpg', jpg.tobytes(), s.caption,
                   dict(key=key, width=size, height=size, faces=faces,
                        attributes={k: int(v)
                                    for k, v in s.attributes.items()}))
    return sink.close()


def write_synthetic_samples(out_dir, num, samples_per_shard=10000, size=128,
                            seed=0, first_shard=0):
    """``num`` synthetic samples in equal shards, numbered from
    ``first_shard`` (keys go on from ``first_shard * samples_per_shard``,
    so later calls add to a folder). Fewer samples than
    ``samples_per_shard`` make one shard of ``num``.

    Raises:
        ValueError: If ``num`` is not a positive multiple of the shard size.
    """
    if num < 1 or num % min(samples_per_shard, num):
        raise ValueError(f'{num} synthetic samples: need a positive multiple '
                         f'of samples_per_shard ({samples_per_shard})')
    per_shard = min(samples_per_shard, num)
    return write_synthetic_shards(
        out_dir, num // per_shard, per_shard, size=size, seed=seed,
        start=first_shard * per_shard, first_shard=first_shard)
