"""LAIONFaceDataset: exact epochs over ranks x workers, resampling, shuffling,
dropped samples, and training under MMEngine's Runner from the base config.
Also covers farl_mm.datasets.laion_face_losses (missing shards against
``max_skip_ratio``) and farl_mm.engine.hooks.stream_epoch_hook (each
epoch reshuffled)."""
import io
import json
import os
import os.path as osp
import re
import signal
import sys
import tarfile
from unittest import mock

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import DataLoader

from farl_mm.utils import close_process_group
from farl_mm.datasets import LAIONFaceDataset
from farl_mm.datasets import laion_face as laion_face_module
from farl_mm.synthetic.writers import write_synthetic_shards

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import tiny_lapa  # noqa: E402  (subprocess runner, mmengine state guard)

SHARDS, PER_SHARD = 8, 3  # 8 shards > 2 ranks x 2 workers


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('laion_face'))
    write_synthetic_shards(root, SHARDS, PER_SHARD, size=64)
    return root


ALL_KEYS = {f'{i:09d}' for i in range(SHARDS * PER_SHARD)}


def keys_of(dataset, rank=0, world_size=1, num_workers=0):
    """Sample keys one (simulated) rank reads, in order."""
    with mock.patch.object(laion_face_module, 'get_dist_info',
                           return_value=(rank, world_size)):
        loader = DataLoader(dataset, batch_size=None, num_workers=num_workers,
                            collate_fn=lambda s: s)
        return [s['sample_idx'] for s in loader]


def test_sample_fields(root):
    sample = next(iter(LAIONFaceDataset('00000.tar', root, num_samples=1)))
    assert sample['img'].dtype == np.uint8
    assert sample['img'].shape == (64, 64, 3) == (*sample['ori_shape'], 3)
    assert sample['text'].startswith('a ') and sample['url'].endswith('.tar')
    faces = sample['faces']
    assert max(f['score'] for f in faces) >= 0.95
    assert faces[0]['landmarks'].shape == (5, 2)
    assert faces[0]['box'].shape == (4, )


def test_every_sample_once_per_epoch_over_ranks_and_workers(root):
    dataset = LAIONFaceDataset('{00000..00007}.tar', root, shuffle_buffer=4)
    assert len(dataset) == SHARDS * PER_SHARD
    orders = []
    for epoch in range(2):
        seen = []
        for rank in range(2):
            dataset.set_epoch(epoch)
            with mock.patch.object(laion_face_module, 'get_dist_info',
                                   return_value=(rank, 2)):
                assert len(dataset) == len(ALL_KEYS) // 2
            keys = keys_of(dataset, rank, 2, num_workers=2)
            assert len(keys) == len(ALL_KEYS) // 2
            seen += keys
        assert sorted(seen) == sorted(ALL_KEYS)  # each exactly once
        orders.append(seen)
    assert orders[0] != orders[1]  # reshuffled, same set


def test_shuffle_changes_the_order_not_the_set(root):
    plain = keys_of(LAIONFaceDataset(
        None, root, shuffle_shards=False, shuffle_buffer=0))
    assert plain == sorted(ALL_KEYS)  # shards and samples in file order
    shuffled = keys_of(LAIONFaceDataset(None, root, shuffle_buffer=10))
    assert shuffled != plain and sorted(shuffled) == plain
    again = keys_of(LAIONFaceDataset(None, root, shuffle_buffer=10))
    assert again == shuffled  # seeded


def test_resampled_mode_yields_the_declared_length(root):
    dataset = LAIONFaceDataset('0000{0,1}.tar', root, resampled=True,
                               num_samples=50)
    for world_size, workers in ((1, 0), (2, 2)):  # 2 shards, 4 readers
        keys = keys_of(dataset, 0, world_size, num_workers=workers)
        assert len(keys) == 50 // world_size
        assert set(keys) <= {f'{i:09d}' for i in range(2 * PER_SHARD)}
    with pytest.raises(ValueError, match='2 shards cannot feed 4 readers'):
        keys_of(LAIONFaceDataset('0000{0,1}.tar', root), 1, 4)


def test_dropped_samples_do_not_shorten_the_epoch(root):
    def drop_odd(results):
        return None if int(results['sample_idx']) % 2 else results

    dataset = LAIONFaceDataset(None, root, pipeline=[drop_odd])
    keys = keys_of(dataset)
    assert len(keys) == len(dataset) and all(int(k) % 2 == 0 for k in keys)


def test_errors_name_the_file(root, tmp_path):
    with pytest.raises(FileNotFoundError, match='sizes.json'):
        LAIONFaceDataset('00000.tar', str(tmp_path))
    with pytest.raises(KeyError, match='no count for'):
        LAIONFaceDataset(['00000.tar', 'extra.tar'], root)
    bad = tmp_path / 'bad.tar'
    with tarfile.open(bad, 'w') as tar:
        for name in ('00000.tar', ):
            with tarfile.open(osp.join(root, name)) as src:
                for member in src.getmembers()[:3]:  # one sample
                    data = src.extractfile(member).read()
                    if member.name.endswith('.json'):
                        data = json.dumps(
                            {'faces': [{'box': [0, 0, 1], 'score': 1,
                                        'landmarks': [[0, 0]] * 5}]}).encode()
                    member.size = len(data)
                    tar.addfile(member, io.BytesIO(data))
    with pytest.raises(ValueError, match=r'bad.tar#000000000.json: faces\[0'
                       r'\].box'):
        keys_of(LAIONFaceDataset(str(bad), num_samples=1))


@pytest.mark.parametrize('resampled, max_skip_ratio, error, message', [
    (False, 0.5, RuntimeError, 'no sample could be read from its shards of '
     'epoch 0 (2 reads in a row)'),
    (True, 0.5, ValueError, '30 of the 30 samples of its last 10 draws '
     'could not be read (missing or unreadable shards)'),
    (True, 1.0, RuntimeError, 'no sample could be read from its shards of '
     'epoch 0 (100 reads in a row)')])
def test_shards_that_give_nothing_stop_the_stream(tmp_path, resampled,
                                                  max_skip_ratio, error,
                                                  message):
    """All of an epoch's reads empty, or, resampled, too much lost in a
    block of 10 draws (or 100 empty draws in a row where any loss is
    allowed): an error naming the shards instead of an endless or silent
    stream."""
    for name in ('a.tar', 'b.tar'):
        (tmp_path / name).write_bytes(b'not a tar file')
    (tmp_path / 'sizes.json').write_text('{"a.tar": 3, "b.tar": 3}')
    dataset = LAIONFaceDataset('{a,b}.tar', str(tmp_path),
                               resampled=resampled, num_samples=6,
                               max_skip_ratio=max_skip_ratio)

    def endless(*_):  # without the check the stream never ends
        raise TimeoutError('still reading empty shards after 60 s')

    signal.signal(signal.SIGALRM, endless)
    signal.alarm(60)
    try:
        with pytest.raises(error, match=re.escape(message)) as err:
            keys_of(dataset)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
    assert str(tmp_path / 'a.tar') in str(err.value)


def small_loader_cfg(root, **overrides):
    cfg = Config.fromfile(
        osp.join(osp.dirname(__file__), '..', '..', 'configs', '_base_',
                 'datasets', 'laion_face_shards.py'))
    loader = cfg.train_dataloader
    loader.update(dict(batch_size=4, num_workers=0, persistent_workers=False,
                       pin_memory=False), **overrides)
    loader.dataset.update(data_root=root, shuffle_buffer=8)
    align, _, mask, _ = loader.dataset.pipeline
    align.size = 64  # 4 x 4 patches of 16 px
    mask.update(input_size=4, num_masking_patches=5, min_num_patches=1)
    return cfg


def test_base_config_builds_a_collating_loader(root):
    loader = Runner.build_dataloader(small_loader_cfg(root).train_dataloader)
    assert len(loader) == len(ALL_KEYS) // 4
    batch = next(iter(loader))
    assert batch['inputs'].shape == (4, 3, 64, 64)
    assert batch['inputs'].dtype == torch.uint8
    sample = batch['data_samples'][0]
    assert sample.text_tokens.shape == (77, ) and sample.text_tokens[0] == \
        49406
    # at most 5 patches, as the paper masks "at most 75" of 196
    assert sample.mask.shape == (4, 4) and 0 < sample.mask.sum() <= 5
    assert sample.face_aligned  # every synthetic image has a 0.95+ face


class KeyRecorder(BaseModel):
    """Trains one scalar and records the sample keys of every batch."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(()))
        self.batches = []

    def forward(self, inputs, data_samples=None, mode='loss'):
        self.batches.append([d.sample_idx for d in data_samples])
        return dict(loss=(self.w - inputs.float().mean()) ** 2)


def train(root, work_dir, by_epoch, num_workers, batch_size=4,
          launcher='none'):
    """Two epochs of :class:`KeyRecorder` on the base config's loader."""
    cfg = small_loader_cfg(root, num_workers=num_workers,
                           batch_size=batch_size)
    steps = len(ALL_KEYS) // batch_size
    train_cfg = (dict(by_epoch=True, max_epochs=2) if by_epoch else
                 dict(by_epoch=False, max_iters=2 * steps, val_interval=99))
    model = KeyRecorder()
    runner = Runner(
        model=model, work_dir=str(work_dir), launcher=launcher,
        experiment_name=f'laion_face_{by_epoch}_{os.getpid()}',
        train_dataloader=cfg.train_dataloader, train_cfg=train_cfg,
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        custom_hooks=cfg.custom_hooks,
        default_hooks=dict(checkpoint=None, logger=None),
        randomness=dict(seed=0), env_cfg=dict(dist_cfg=dict(backend='gloo')))
    runner.train()
    return model.batches


@pytest.mark.parametrize('by_epoch', [True, False])
def test_runner_trains_epoch_and_iter_based(root, tmp_path, by_epoch):
    steps = len(ALL_KEYS) // 4
    with tiny_lapa.mmengine_state_restored():
        batches = train(root, tmp_path, by_epoch, num_workers=2)
    assert len(batches) == 2 * steps
    epochs = [sum(batches[i * steps:(i + 1) * steps], []) for i in range(2)]
    for keys in epochs:
        assert sorted(keys) == sorted(ALL_KEYS)
    assert epochs[0] != epochs[1]  # StreamEpochHook reshuffled


def test_two_ranks_split_every_epoch_exactly(root, tmp_path):
    """torchrun, 2 gloo ranks x 2 workers x batches of 3 (this file is the
    program): 12 samples per rank and epoch, 4 batches."""
    tiny_lapa.run_ok(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
         2, '--master_port', tiny_lapa.free_port(), __file__, root,
         tmp_path], tiny_lapa.REPO, env=dict(PYTHONPATH=tiny_lapa.REPO))
    ranks = [json.loads((tmp_path / f'rank{r}.json').read_text())
             for r in range(2)]
    steps = len(ALL_KEYS) // 2 // 3
    assert [len(b) for b in ranks] == [2 * steps] * 2  # DDP needs equal
    for epoch in range(2):
        keys = sum(ranks[0][epoch * steps:(epoch + 1) * steps] +
                   ranks[1][epoch * steps:(epoch + 1) * steps], [])
        assert sorted(keys) == sorted(ALL_KEYS)


def test_batches_per_epoch_counts_what_workers_really_yield(root):
    dataset = LAIONFaceDataset(None, root)
    with mock.patch.object(laion_face_module, 'get_dist_info',
                           return_value=(1, 2)):
        loader = DataLoader(dataset, batch_size=4, num_workers=2,
                            collate_fn=lambda s: s)
        real = sum(1 for _ in loader)  # 2 workers x 6 samples: 4+2, 4+2
        assert (real, len(loader)) == (4, 3)
        assert dataset.batches_per_epoch(4, 2) == real
        assert dataset.batches_per_epoch(4, 0) == 3
        assert dataset.batches_per_epoch(4, 2, drop_last=True) == 2


if __name__ == '__main__':  # one rank of test_two_ranks_split_every_epoch
    batches = train(sys.argv[1], sys.argv[2], True, 2, batch_size=3,
                    launcher='pytorch')
    with open(osp.join(sys.argv[2], f'rank{os.environ["RANK"]}.json'),
              'w') as f:
        json.dump(batches, f)
    close_process_group()



def sixteen_shards(tmp_path, missing):
    """16 shards of 4 samples (sizes.json lists them all), ``missing`` of
    them deleted."""
    root = str(tmp_path)
    write_synthetic_shards(root, 16, 4, size=32)
    for i in missing:
        os.remove(osp.join(root, f'{i:05d}.tar'))
    return root


def test_missing_shards_count_against_max_skip_ratio(tmp_path):
    """14 of 16 shards deleted: not 8 samples repeated 8 times as an epoch
    of 64, but the error of too much bad data, naming the shards."""
    root = sixteen_shards(tmp_path, range(2, 16))
    dataset = LAIONFaceDataset(None, root, shuffle_buffer=0)
    with pytest.raises(ValueError, match=r'reader 0: 36 of the 64 samples '
                       r'of its range of epoch 0 could not be read \(missing '
                       r'or unreadable shards\), over max_skip_ratio=0\.5: '
                       r'is the data broken\? The shards: ') as err:
        keys_of(dataset)
    named = re.findall(r'/(\d{5})\.tar', str(err.value).split('shards: ')[1])
    assert len(named) == 9 and all(2 <= int(n) <= 15 for n in named)
    # resampled: checked over each block of 16 draws
    with pytest.raises(ValueError, match=r'of the \d+ samples of its last 16 '
                       r'draws could not be read'):
        keys_of(LAIONFaceDataset(None, root, resampled=True))
    # without sizes.json the shards are counted
    os.remove(osp.join(root, 'sizes.json'))
    with pytest.raises(ValueError, match=r'reader 0: 9 of the 16 shards of '
                       r'its range of epoch 0 could not be read'):
        keys_of(LAIONFaceDataset('{00000..00015}.tar', root, num_samples=64,
                                 shuffle_buffer=0))


def test_one_missing_shard_of_sixteen_is_tolerated(tmp_path):
    root = sixteen_shards(tmp_path, [3])
    keys = keys_of(LAIONFaceDataset(None, root, shuffle_shards=False,
                                    shuffle_buffer=0))
    # the 4 samples of 00003.tar are made up from the next pass
    assert len(keys) == 64 and keys[-4:] == [f'{i:09d}' for i in range(4)]
    assert len(set(keys)) == 60
