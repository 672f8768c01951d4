"""Streaming LAION-Face-style webdataset shards for MMEngine's Runner.

FaRL pretrains on 20M image-text pairs (paper §3.1) stored as tar shards
(see :mod:`.laion_face_writer`); random access would need an index over
every tar, so the data is streamed: shards are split over ranks and
dataloader workers, samples pass a shuffle buffer, then the pipeline.
"""
import json
import os.path as osp
import random

import mmcv
import numpy as np
from mmengine.dataset import Compose
from mmengine.dist import get_dist_info
from torch.utils.data import IterableDataset, get_worker_info
from webdataset.filters import shuffle
from webdataset.shardlists import expand_urls
from webdataset.tariterators import tarfile_samples

from ..registry import DATASETS
from .laion_face_writer import IMAGE_EXTS, SIZES_FILE, parse_faces


def _is_remote(url):
    return '://' in url or url.startswith('pipe:')


def _read_sizes(data_root):
    """``sizes.json`` of ``data_root``: shard file name -> sample count."""
    path = osp.join(data_root, SIZES_FILE)
    if not osp.exists(path):
        raise FileNotFoundError(
            f'{path} not found: write the shards with tools/'
            'dataset_converters/laion_face_shards.py (or list the shards '
            'and give num_samples)')
    with open(path) as f:
        return json.load(f)


@DATASETS.register_module()
class LAIONFaceDataset(IterableDataset):
    """Image + caption + face detections streamed from tar shards.

    An epoch is a fixed number of samples per rank, ``len(self)``, split
    evenly over the dataloader workers, so every rank runs the same number
    of iterations (DDP would hang otherwise). In the default exact mode the
    shards of an epoch are dealt round-robin to the ``world_size *
    num_workers`` readers; when they divide evenly (equal shards, a
    multiple of the readers) every sample is seen exactly once per epoch.
    Otherwise a reader that runs dry continues into its shards of the next
    epoch and an overfull one stops early, so a few samples repeat or wait.
    ``resampled=True`` draws shards with replacement instead (any shard
    count, any number of readers: LAION-scale multi-node training).

    The shard order (the same on every rank), the shard draws and the
    shuffle buffer are seeded by ``(seed, epoch, rank, worker)``, as string
    seeds: ``hash()`` of a str differs between processes, ``Random(str)``
    does not. The epoch is ``set_epoch``'s value,
    advanced by one at each new iteration of this object; with workers that
    are not persistent the copies in them never advance, which
    :class:`~farl_mm.engine.hooks.StreamEpochHook` fixes (and resumes).

    Each sample reaching the pipeline is a dict: ``img`` (uint8 HxWx3,
    **BGR** like mmcv's ``LoadImageFromFile``), ``img_shape``,
    ``ori_shape``, ``text`` (caption), ``faces`` (list of dicts: ``box``
    (4,) float32 xyxy, ``landmarks`` (5, 2) float32, ``score`` float),
    ``sample_idx`` (the sample's key, a str), ``url`` (its shard) and
    ``img_path`` (``url#key.ext``, for messages). A transform returning
    None drops the sample; the epoch still has ``len(self)`` samples.

    Args:
        shards (str | list[str], optional): Brace pattern
            (``'{00000..00099}.tar'``) or list of shard paths/URLs
            (``pipe:`` and URLs work as in webdataset), relative to
            ``data_root`` unless absolute/remote. Default: every shard
            named in ``data_root``'s ``sizes.json``.
        data_root (str): Folder of the shards and of ``sizes.json``.
        pipeline (list[dict | callable]): Transforms, applied per sample.
        num_samples (int, optional): Samples per epoch over all ranks.
            Default: the sum over the listed shards in ``sizes.json``.
        resampled (bool): Draw shards with replacement (see above).
        shuffle_shards (bool): Permute the shard order every epoch.
        shuffle_buffer (int): Sample shuffle buffer size; 0 disables.
        seed (int): Seed of all the shuffling.
    """

    def __init__(self, shards=None, data_root='', pipeline=(),
                 num_samples=None, resampled=False, shuffle_shards=True,
                 shuffle_buffer=1000, seed=0):
        super().__init__()
        sizes = None if num_samples is not None and shards is not None \
            else _read_sizes(data_root)
        if shards is None:
            shards = sorted(sizes)
        patterns = [shards] if isinstance(shards, str) else list(shards)
        self.urls = [u if _is_remote(u) else osp.join(data_root, u)
                     for p in patterns for u in expand_urls(p)]
        if not self.urls:
            raise ValueError(f'LAIONFaceDataset: no shards in {shards!r}')
        self.num_samples = (self._count_samples(sizes, data_root)
                            if num_samples is None else int(num_samples))
        self.pipeline = Compose(pipeline)
        self.resampled = resampled
        self.shuffle_shards = shuffle_shards
        self.shuffle_buffer = int(shuffle_buffer)
        self.seed = int(seed)
        self.epoch = 0

    def _count_samples(self, sizes, data_root):
        """Sum the listed shards' counts from ``sizes.json``."""
        missing = [u for u in self.urls if osp.basename(u) not in sizes]
        if missing:
            raise KeyError(
                f'{osp.join(data_root, SIZES_FILE)} has no count for '
                f'{missing[:3]} ({len(missing)} shards); give num_samples')
        return sum(int(sizes[osp.basename(u)]) for u in self.urls)

    def __len__(self):
        """Samples per epoch on this rank."""
        return self.num_samples // get_dist_info()[1]

    def set_epoch(self, epoch):
        self.epoch = int(epoch)

    def _quotas(self, num_workers):
        """Samples each dataloader worker yields per epoch on this rank."""
        per_rank, workers = len(self), max(1, num_workers)
        return [per_rank // workers + (w < per_rank % workers)
                for w in range(workers)]

    def batches_per_epoch(self, batch_size, num_workers, drop_last=False):
        """Batches a DataLoader really yields per epoch on this rank.

        Each worker batches its own quota, so this exceeds
        ``len(DataLoader)`` (``ceil(len(self) / batch_size)``) unless the
        quotas are multiples of ``batch_size``.
        """
        round_ = (lambda q: q // batch_size) if drop_last else (
            lambda q: -(-q // batch_size))
        return sum(round_(q) for q in self._quotas(num_workers))

    def _readers(self):
        """``(reader index, number of readers, this reader's quota)``."""
        rank, world_size = get_dist_info()
        info = get_worker_info()
        worker, num_workers = (0, 1) if info is None else (info.id,
                                                           info.num_workers)
        quota = self._quotas(num_workers)[worker]
        return rank * num_workers + worker, world_size * num_workers, quota

    def _shard_urls(self, epoch, reader, num_readers):
        """This reader's shards for ``epoch`` (endless if resampled)."""
        if self.resampled:
            rng = random.Random(f'{self.seed}/{epoch}/{reader}/shards')
            while True:
                yield rng.choice(self.urls)
        if len(self.urls) < num_readers:
            raise ValueError(
                f'{len(self.urls)} shards cannot feed {num_readers} readers '
                '(ranks x dataloader workers) without overlap: write more '
                'shards, use fewer workers, or set resampled=True')
        urls = list(self.urls)
        if self.shuffle_shards:
            random.Random(f'{self.seed}/{epoch}').shuffle(urls)
        yield from urls[reader::num_readers]

    def _raw_samples(self, epoch, reader, num_readers):
        """Undecoded samples of ``epoch`` onwards, never running dry."""
        while True:
            urls = ({'url': u}
                    for u in self._shard_urls(epoch, reader, num_readers))
            samples = tarfile_samples(urls)
            if self.shuffle_buffer > 0:
                rng = random.Random(f'{self.seed}/{epoch}/{reader}')
                samples = shuffle(self.shuffle_buffer,
                                  min(100, self.shuffle_buffer),
                                  rng=rng)(samples)
            empty = True
            for sample in samples:
                empty = False
                yield sample
            if empty:
                raise RuntimeError(f'reader {reader}: its shards of epoch '
                                   f'{epoch} hold no samples')
            epoch += 1

    def __iter__(self):
        epoch, self.epoch = self.epoch, self.epoch + 1
        reader, num_readers, quota = self._readers()
        if quota == 0:
            return
        count = 0
        for raw in self._raw_samples(epoch, reader, num_readers):
            result = self.pipeline(self.decode(raw))
            if result is None:
                continue
            yield result
            count += 1
            if count == quota:
                return

    @staticmethod
    def decode(raw):
        """A tar sample (``{'__key__', 'jpg': bytes, ...}``) -> results."""
        key, url = raw['__key__'], raw.get('__url__', '?')
        ext = next((e for e in IMAGE_EXTS if e in raw), None)
        where = f'{url}#{key}'
        if ext is None or 'txt' not in raw or 'json' not in raw:
            raise KeyError(f'{where}: a sample needs an image '
                           f'({"/".join(IMAGE_EXTS)}), txt and json; got '
                           f'{sorted(k for k in raw if k[0] != "_")}')
        img = mmcv.imfrombytes(raw[ext], flag='color', channel_order='bgr')
        if img is None:
            raise ValueError(f'{where}.{ext}: cannot decode the image')
        faces = [dict(box=np.asarray(f['box'], np.float32),
                      landmarks=np.asarray(f['landmarks'], np.float32),
                      score=f['score'])
                 for f in parse_faces(json.loads(raw['json']),
                                      f'{where}.json')]
        return dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2],
                    text=raw['txt'].decode('utf-8').strip(), faces=faces,
                    sample_idx=key, url=url, img_path=f'{where}.{ext}')
