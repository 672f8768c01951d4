"""Streaming LAION-Face-style webdataset shards for MMEngine's Runner.

FaRL pretrains on 20M image-text pairs (paper §3.1) stored as tar shards
(see :mod:`.laion_face_format`); random access would need an index over
every tar, so the data is streamed: shards are split over ranks and
dataloader workers, samples pass a shuffle buffer, then the pipeline.
Web data is dirty: bad samples and unreadable shards are skipped and
counted (:mod:`.laion_face_decode`), not fatal.
"""
import logging
import os.path as osp
import random
import tarfile

from mmengine.dataset import Compose
from mmengine.dist import get_dist_info
from mmengine.logging import print_log
from torch.utils.data import IterableDataset, get_worker_info
from webdataset.filters import shuffle
from webdataset.tariterators import tarfile_samples

from ..geometry import ALIGNMENT_REASONS, AlignmentError
from ..registry import DATASETS
from .laion_face_decode import (FACE_REASONS, MAX_PIXELS, SAMPLE_REASONS,
                                BadSample, decode_sample)
from .laion_face_format import SIZES_FILE
from .laion_face_losses import ShardLosses
from .laion_face_sharding import (list_shards, pass_order, segments,
                                  worker_quotas)
from .shared_counter import SharedCounter

SHARD_ERROR = 'unreadable_shard:'  # counter name prefix, + the shard's URL
# samples whose drawn face cannot be aligned, by AlignmentError.reason
ALIGN_REASONS = tuple(f'align_{r}' for r in ALIGNMENT_REASONS)
LOGGED_SKIPS = 20  # bad samples each reader names in a warning; then counts


def _drop_reason(transform):
    """Counter name for samples ``transform`` drops (returns None for)."""
    name = getattr(transform, '__name__', type(transform).__name__)
    return getattr(transform, 'drop_reason', None) or f'dropped_by_{name}'


@DATASETS.register_module()
class LAIONFaceDataset(IterableDataset):
    """Image + caption + face detections streamed from tar shards.

    An epoch is a fixed number of samples per rank, ``len(self)``, split
    over the dataloader workers, so every rank runs the same number of
    iterations (DDP would hang otherwise). The epoch's samples are the
    next ``num_samples`` of an endless sequence of passes over the shards
    (each pass in its own seeded shard order). When every shard's size is
    known (``sizes.json``) each of the ``world_size * num_workers`` readers
    takes a contiguous range of them, starting mid-shard where needed: any
    shard sizes and any number of shards (at least one per reader) give
    every sample exactly once per epoch, but for the ``num_samples %
    world_size`` samples at the end of the epoch that no rank takes.
    Without the sizes (``num_samples`` given for a shard list that
    ``sizes.json`` does not cover) whole shards are dealt round-robin,
    exact only for equal shards in a multiple of the readers; otherwise a
    reader holding more than its quota stops early and one holding less
    reads on into its next epoch's shards: an epoch misses as many samples
    as it repeats (3-4 of 40 for 10 equal shards over 4 readers). Samples
    that are skipped (bad data, or dropped by the pipeline) leave a reader
    short: it goes on into its range of the next epoch, which it will read
    again then. ``resampled=True`` draws shards with replacement instead
    (any shard count, any number of readers: LAION-scale multi-node
    training).

    Bad samples are skipped and counted by reason (see
    :mod:`.laion_face_decode`: undecodable/truncated images, images under
    ``min_size`` or over ``max_pixels``, missing members, non-UTF-8 or empty
    captions, malformed detection JSON), as are samples a transform drops
    (by its ``drop_reason``, e.g. ``no_face`` for :class:`FaceAlignCrop`
    with ``no_face='skip'``), samples whose drawn face cannot be aligned
    (``align_`` + :class:`~farl_mm.geometry.AlignmentError`'s reason:
    landmarks far or all outside the image, coincident or collinear), and
    degenerate faces removed from kept samples. The first
    ``LOGGED_SKIPS`` bad samples of each reader are also logged as
    warnings naming shard and key. A missing, truncated or unreadable tar
    is logged, counted under its URL and the reader goes on with its next
    shard. The counts are in shared memory (:attr:`counter`, see
    :meth:`skip_counts`), so the main process sees every worker's;
    :class:`~farl_mm.engine.hooks.BadSampleReportHook` logs them. If more
    than ``max_skip_ratio`` of a reader's last ``skip_window`` samples
    (``num_samples`` when fewer) were skipped, it raises: a shard set of
    garbage must not spin forever. So it does, naming them, if missing or
    unreadable shards lose more than ``max_skip_ratio`` of a reader's
    range of an epoch (resampled: of each block of ``min(100, number of
    shards)`` draws, at least 10; see :mod:`.laion_face_losses`).

    The shard orders (the same on every rank), the shard draws and the
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
        min_size (int): Images with a side under this are skipped.
        max_pixels (int): Larger images are skipped before decoding.
        max_skip_ratio (float): Skipped fraction that stops the stream.
        skip_window (int): Samples per reader the ratio is measured over.
    """

    def __init__(self, shards=None, data_root='', pipeline=(),
                 num_samples=None, resampled=False, shuffle_shards=True,
                 shuffle_buffer=1000, seed=0, min_size=16,
                 max_pixels=MAX_PIXELS, max_skip_ratio=0.5,
                 skip_window=1000):
        super().__init__()
        self.urls, self.shard_sizes = list_shards(shards, data_root,
                                                  num_samples)
        self.num_samples = (sum(self.shard_sizes) if num_samples is None
                            else int(num_samples))
        if self.shard_sizes is not None and not sum(self.shard_sizes):
            raise ValueError(f'{osp.join(data_root, SIZES_FILE)}: the '
                             'listed shards hold no samples')
        self._url_sizes = (None if self.shard_sizes is None else
                           dict(zip(self.urls, self.shard_sizes)))
        self.pipeline = Compose(pipeline)
        self.resampled = resampled
        self.shuffle_shards = shuffle_shards
        self.shuffle_buffer = int(shuffle_buffer)
        self.seed = int(seed)
        self.min_size, self.max_pixels = int(min_size), int(max_pixels)
        self.max_skip_ratio = float(max_skip_ratio)
        self.skip_window = int(skip_window)
        self._drop_reasons = [_drop_reason(t)
                              for t in self.pipeline.transforms]
        self.counter = SharedCounter(
            ['yielded', *SAMPLE_REASONS, *ALIGN_REASONS,
             *dict.fromkeys(self._drop_reasons), *FACE_REASONS,
             *(SHARD_ERROR + u for u in dict.fromkeys(self.urls))])
        self._last_skip, self._logged_skips = None, 0
        self.epoch = 0

    def __len__(self):
        """Samples per epoch on this rank."""
        return self.num_samples // get_dist_info()[1]

    def set_epoch(self, epoch):
        self.epoch = int(epoch)

    def skip_counts(self):
        """``{counter name: count}`` over every process of this rank."""
        return dict(zip(self.counter.names, self.counter.values().tolist()))

    def _quotas(self, num_workers):
        """Samples each dataloader worker yields per epoch on this rank."""
        return worker_quotas(len(self), num_workers)

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

    def _pass_order(self, index):
        """Shard indices in the order of pass ``index`` over the shards."""
        return pass_order(len(self.urls), self.seed, index,
                          self.shuffle_shards)

    def _range(self, epoch, reader, num_readers):
        """``(first position, count)`` of this reader's samples of
        ``epoch`` in the endless sequence of passes."""
        world_size = get_dist_info()[1]
        rank, worker = divmod(reader, num_readers // world_size)
        quotas = self._quotas(num_readers // world_size)
        start = epoch * self.num_samples + rank * len(self)
        return start + sum(quotas[:worker]), quotas[worker]

    def _segments(self, start, count):
        """``(url, skip, take)`` reads covering ``count`` positions."""
        for i, skip, take in segments(self.shard_sizes, start, count,
                                      self._pass_order):
            yield self.urls[i], skip, take

    def _epoch_reads(self, epoch, reader, num_readers):
        """``(url, skip, take)`` reads of this reader for ``epoch``."""
        if self.resampled:
            rng = random.Random(f'{self.seed}/{epoch}/{reader}/shards')
            while True:
                yield rng.choice(self.urls), 0, None
        if len(self.urls) < num_readers:
            raise ValueError(
                f'{len(self.urls)} shards cannot feed {num_readers} readers '
                '(ranks x dataloader workers) without overlap: write more '
                'shards, use fewer workers, or set resampled=True')
        if self.shard_sizes is not None:
            yield from self._segments(
                *self._range(epoch, reader, num_readers))
            return
        order = self._pass_order(epoch)
        for i in order[reader::num_readers]:
            yield self.urls[i], 0, None

    def _read_shard(self, url, skip, take):
        """Raw samples ``skip:skip + take`` of a shard; a missing,
        truncated or unreadable tar is counted and logged, the rest of it
        skipped. Returns how many it gave and whether the tar failed."""
        samples = tarfile_samples([dict(url=url)])
        got = 0
        try:
            for i, sample in enumerate(samples):
                if i >= skip:
                    got += 1
                    yield sample
                if take is not None and i + 1 == skip + take:
                    return got, False
        except (OSError, EOFError, tarfile.TarError, ValueError) as err:
            self.counter.add(SHARD_ERROR + url)
            print_log(f'{url}: unreadable shard, skipping the rest of it '
                      f'({err})', logger='current', level=logging.WARNING)
            return got, True
        finally:
            samples.close()
        return got, False

    def _raw_samples(self, epoch, reader, num_readers):
        """Undecoded samples of ``epoch`` onwards, never running dry."""
        while True:
            reads = self._epoch_reads(epoch, reader, num_readers)
            if not self.resampled:
                reads = list(reads)
            samples = self._read_all(reads, reader, epoch)
            if self.shuffle_buffer > 0:
                rng = random.Random(f'{self.seed}/{epoch}/{reader}')
                samples = shuffle(self.shuffle_buffer,
                                  min(100, self.shuffle_buffer),
                                  rng=rng)(samples)
            yield from samples
            epoch += 1

    def _read_all(self, reads, reader, epoch):
        """Chain the reads; raise when the shards give nothing (all of an
        epoch's reads, or, resampled, many draws in a row) or lose too
        much of what they should give (see the class docstring)."""
        limit = (max(100, 2 * len(self.urls)) if self.resampled
                 else len(reads))
        empty = []  # the shards of the latest reads that gave nothing
        losses = ShardLosses(self._url_sizes, self.max_skip_ratio, reader,
                             None if self.resampled else reads,
                             max(10, min(100, len(self.urls))))
        for read in reads:
            got, failed = yield from self._read_shard(*read)
            if got:
                empty.clear()
            else:
                empty.append(read[0])
            if len(empty) == limit:
                raise RuntimeError(
                    f'reader {reader}: no sample could be read from its '
                    f'shards of epoch {epoch} ({len(empty)} reads in a '
                    f'row): {sorted(set(empty))[:5]}')
            losses.add(read, got, failed, epoch)

    def __iter__(self):
        epoch, self.epoch = self.epoch, self.epoch + 1
        reader, num_readers, quota = self._readers()
        if quota == 0:
            return
        window = max(1, min(self.skip_window, self.num_samples))
        count = read = skipped = 0
        for raw in self._raw_samples(epoch, reader, num_readers):
            result = self._process(raw)
            read += 1
            skipped += result is None
            if read == window:
                self._check_skips(skipped, window, reader)
                read = skipped = 0
            if result is None:
                continue
            yield result
            count += 1
            if count == quota:
                return

    def _process(self, raw):
        """Decode and transform one raw sample; None (counted) if skipped."""
        where = f'{raw.get("__url__", "?")}#{raw["__key__"]}'
        try:
            results, degenerate = decode_sample(raw, self.min_size,
                                                self.max_pixels)
        except BadSample as err:
            return self._skip(err.reason, str(err), bad=True)
        if degenerate:
            self.counter.add('degenerate_face', degenerate)
        try:
            for transform, reason in zip(self.pipeline.transforms,
                                         self._drop_reasons):
                results = transform(results)
                if results is None:
                    return self._skip(reason, f'{where}: {reason}')
        except AlignmentError as err:
            message = str(err)
            if not message.startswith(where):
                message = f'{where}: {message}'
            return self._skip(f'align_{err.reason}', message, bad=True)
        self.counter.add('yielded')
        return results

    def _skip(self, reason, message, bad=False):
        """Count a skipped sample; name the first bad ones in warnings."""
        self.counter.add(reason)
        self._last_skip = message
        if bad and self._logged_skips < LOGGED_SKIPS:
            self._logged_skips += 1
            more = ('' if self._logged_skips < LOGGED_SKIPS else '; further '
                    'bad samples of this reader are only counted')
            print_log(f'{message} (skipped as {reason}{more})',
                      logger='current', level=logging.WARNING)

    def _check_skips(self, skipped, window, reader):
        if skipped <= self.max_skip_ratio * window:
            return
        counts = {k: v for k, v in self.skip_counts().items() if v}
        raise ValueError(
            f'reader {reader}: {skipped} of its last {window} samples were '
            f'skipped, over max_skip_ratio={self.max_skip_ratio}: is the '
            f'data broken? Counts on this rank: {counts}; the last: '
            f'{self._last_skip}')

    def decode(self, raw):
        """A tar sample (``{'__key__', 'jpg': bytes, ...}``) -> results.

        Raises:
            BadSample: If the sample is unusable (a ``ValueError`` naming
                the shard, key and member).
        """
        return decode_sample(raw, self.min_size, self.max_pixels)[0]
