"""What a reader's missing or unreadable shards cost, against
``max_skip_ratio``.

A :class:`~farl_mm.datasets.LAIONFaceDataset` reader makes up for the
samples it could not read from its next range, so without this tally a
shard set with 14 of 16 shards deleted streams an "epoch" of the two left,
each read 8 times, with warnings only. The loss counts in samples where
``sizes.json`` gives each shard's size, otherwise in shards. Of an epoch's
range (its reads known up front) it raises as soon as the loss exceeds
``max_ratio`` of the whole range, so never early; of endless resampled
draws, at the end of each block of draws.
"""
import logging

from mmengine.logging import print_log


class ShardLosses:
    """Expected and lost amounts of a run of reads ``(url, skip, take)``.

    Args:
        sizes (dict | None): Shard URL -> samples (``sizes.json``); None
            counts shards (a read that fails loses its one shard).
        max_ratio (float): The lost share of the expected that raises.
        reader (int): Named in the error.
        reads (list, optional): The epoch's reads, all known up front.
        block (int): Without ``reads``: reads per check.
    """

    def __init__(self, sizes, max_ratio, reader, reads=None, block=100):
        self.sizes, self.max_ratio, self.reader = sizes, max_ratio, reader
        self.total = (None if reads is None else
                      sum(map(self.expected_of, reads)))
        self.block = block
        self.expected = self.lost = self.reads = 0
        self.shards = {}  # URL -> amount lost

    def expected_of(self, read):
        """What one read should give (1 when counting shards)."""
        url, skip, take = read
        if self.sizes is None:
            return 1
        return take if take is not None else self.sizes[url] - skip

    def add(self, read, got, failed, epoch):
        """Account one finished read that gave ``got`` samples (``failed``:
        its tar broke off) and raise if too much is lost."""
        expected = self.expected_of(read)
        lost = int(failed) if self.sizes is None else max(0, expected - got)
        if lost and not failed:
            print_log(f'{read[0]}: ended {lost} samples short of its size in '
                      'sizes.json', logger='current', level=logging.WARNING)
        self.reads += 1
        self.expected += expected
        if lost:
            self.lost += lost
            self.shards[read[0]] = self.shards.get(read[0], 0) + lost
        if self.total is not None:
            self._check(self.total, f'its range of epoch {epoch}')
        elif self.reads == self.block:
            self._check(self.expected, f'its last {self.block} draws')
            self.expected = self.lost = self.reads = 0
            self.shards.clear()

    def _check(self, total, what):
        if self.lost <= self.max_ratio * total:
            return
        names = sorted(self.shards)
        shown = ', '.join(names[:10]) + (
            f' and {len(names) - 10} more' if len(names) > 10 else '')
        unit = 'shards' if self.sizes is None else 'samples'
        raise ValueError(
            f'reader {self.reader}: {self.lost} of the {total} {unit} of '
            f'{what} could not be read (missing or unreadable shards), over '
            f'max_skip_ratio={self.max_ratio}: is the data broken? The '
            f'shards: {shown}')
