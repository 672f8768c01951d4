"""Test support: log which samples every training iteration got.

Registered in mmengine's root ``HOOKS``; a config adds it through
``--cfg-options default_hooks.record_batches.type=RecordBatchesHook``
(``custom_hooks`` is a list of dicts, which ``--cfg-options`` cannot spell).
Each trained iteration appends one JSON line ``{"iter": i, "ids": [...]}``
to ``{work_dir}/batches.jsonl``, synced, so another process can follow the
run (and kill it at a chosen iteration). ``sleep`` slows each iteration
down for that, without touching the numbers.
"""
import json
import os
import os.path as osp
import time

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


def sample_id(data_sample):
    meta = data_sample.metainfo
    for key in ('sample_idx', 'img_path'):
        if key in meta:
            return str(meta[key])
    raise KeyError(f'no sample id in {sorted(meta)}')


def read_batches(work_dir):
    """``{iter: ids}`` from ``work_dir``'s log; a later line for the same
    iteration (a resumed run's) replaces an earlier one."""
    path = osp.join(str(work_dir), 'batches.jsonl')
    if not osp.isfile(path):
        return {}
    with open(path) as f:
        lines = f.read().splitlines()
    return {r['iter']: r['ids'] for r in map(json.loads, lines)}


@HOOKS.register_module()
class RecordBatchesHook(Hook):

    priority = 'LOWEST'

    def __init__(self, sleep=0.0):
        self.sleep = float(sleep)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        ids = [sample_id(s) for s in data_batch['data_samples']]
        line = json.dumps(dict(iter=runner.iter, ids=ids)) + '\n'
        # one write() of an O_APPEND file: a kill never leaves half a line
        fd = os.open(osp.join(runner.work_dir, 'batches.jsonl'),
                     os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        if self.sleep:
            time.sleep(self.sleep)
