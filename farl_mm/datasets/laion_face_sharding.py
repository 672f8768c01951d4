"""Which LAION-Face shards a dataset lists, and which of their samples each
reader (rank x dataloader worker) reads in an epoch.

Pure functions of the shard list and counts: ranks and workers come in as
arguments, so :class:`~farl_mm.datasets.LAIONFaceDataset` (which asks
``get_dist_info``) stays the one place that knows the process layout.
"""
import json
import os.path as osp
import random

from webdataset.shardlists import expand_urls

from .laion_face_format import SIZES_FILE


def is_remote(url):
    """A URL or ``pipe:`` command, not a local path."""
    return '://' in url or url.startswith('pipe:')


def read_sizes(data_root, required):
    """``sizes.json`` of ``data_root``: shard file name -> sample count."""
    path = osp.join(data_root, SIZES_FILE)
    if not osp.exists(path):
        if not required:
            return None
        raise FileNotFoundError(
            f'{path} not found: write the shards with tools/'
            'dataset_converters/laion_face_shards.py (or list the shards '
            'and give num_samples)')
    with open(path) as f:
        return json.load(f)


def list_shards(shards, data_root, num_samples=None):
    """``(urls, shard sizes or None)`` of a dataset's ``shards`` argument.

    ``shards`` (a brace pattern or a list; None: every shard named in
    ``sizes.json``) is relative to ``data_root`` unless absolute or remote.
    The sizes come from ``sizes.json``, required unless ``num_samples`` is
    given (then None when it does not cover every listed shard).
    """
    sizes = read_sizes(data_root,
                       required=num_samples is None or shards is None)
    if shards is None:
        shards = sorted(sizes)
    patterns = [shards] if isinstance(shards, str) else list(shards)
    urls = [u if is_remote(u) else osp.join(data_root, u)
            for p in patterns for u in expand_urls(p)]
    if not urls:
        raise ValueError(f'LAIONFaceDataset: no shards in {shards!r}')
    missing = [u for u in urls
               if sizes is None or osp.basename(u) not in sizes]
    if not missing:
        return urls, [int(sizes[osp.basename(u)]) for u in urls]
    if num_samples is None:
        raise KeyError(
            f'{osp.join(data_root, SIZES_FILE)} has no count for '
            f'{missing[:3]} ({len(missing)} shards); give num_samples')
    return urls, None


def worker_quotas(per_rank, num_workers):
    """Samples each of ``num_workers`` dataloader workers yields of a
    rank's ``per_rank`` per epoch."""
    workers = max(1, num_workers)
    return [per_rank // workers + (w < per_rank % workers)
            for w in range(workers)]


def pass_order(num_shards, seed, index, shuffle_shards=True):
    """Shard indices in the order of pass ``index`` over the shards."""
    order = list(range(num_shards))
    if shuffle_shards:
        random.Random(f'{seed}/{index}').shuffle(order)
    return order


def segments(shard_sizes, start, count, order):
    """``(shard index, skip, take)`` reads covering positions ``start ..
    start + count - 1`` of the endless sequence of passes over the shards,
    pass ``p`` in the shard order ``order(p)``."""
    total = sum(shard_sizes)
    while count > 0:
        pass_index, offset = divmod(start, total)
        for i in order(pass_index):
            size = shard_sizes[i]
            if offset >= size:
                offset -= size
                continue
            take = min(size - offset, count)
            yield i, offset, take
            start, count, offset = start + take, count - take, 0
            if not count:
                return
