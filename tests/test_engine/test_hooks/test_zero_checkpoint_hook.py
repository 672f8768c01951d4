"""ZeroCheckpointHook: two gloo ranks with a ZeRO-sharded AdamW save a
checkpoint holding every parameter's optimizer state (without the hook
MMEngine's master-only save deadlocks on the consolidation collective)."""
import os.path as osp
import sys

from farl_mm.utils.checkpoint_io import load_checkpoint_file

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..', 'helpers'))
import tiny_lapa  # noqa: E402  (tool runners shared by the tool tests)

TINY = osp.join(tiny_lapa.REPO, 'configs', 'farl',
                'farl_vit-tiny_synthetic-shards_pretrain.py')


def test_two_ranks_save_the_whole_sharded_optimizer_state(tmp_path):
    from farl_mm.synthetic.writers import write_synthetic_shards
    write_synthetic_shards(str(tmp_path / 'shards'), 2, 16, size=64)
    config = tmp_path / 'tiny_zero.py'
    config.write_text(
        f'_base_ = [{TINY!r}]\n'
        'optim_wrapper = dict(optimizer=dict(\n'
        "    _delete_=True, type='ZeroRedundancyOptimizer',\n"
        "    optimizer_type='AdamW', lr=1e-3, weight_decay=0.05))\n"
        "custom_hooks = [dict(type='farl_mm.StreamEpochHook'),\n"
        "                dict(type='farl_mm.ZeroCheckpointHook')]\n")
    opts = {'train_dataloader.dataset.data_root': tmp_path / 'shards',
            'train_dataloader.batch_size': 4, 'train_cfg.max_iters': 2,
            'default_hooks.checkpoint.interval': 1}
    tiny_lapa.run_ok(
        ['bash', osp.join(tiny_lapa.TOOLS, 'dist_train.sh'), config, 2,
         '--work-dir', tmp_path / 'work', '--cfg-options',
         *(f'{k}={v}' for k, v in opts.items())], cwd=tmp_path,
        env=dict(PYTHON=sys.executable, PORT=tiny_lapa.free_port()))
    for it in (1, 2):
        ckpt = load_checkpoint_file(tmp_path / 'work' / f'iter_{it}.pth')
        trainable = [k for k, v in ckpt['state_dict'].items()
                     if not k.startswith('target_generator')]
        state = ckpt['optimizer']['state']
        # AdamW moments of every parameter, from both ranks' shards
        assert len(state) == len(trainable) == sum(
            len(g['params']) for g in ckpt['optimizer']['param_groups'])
        assert all(s['step'] == it for s in state.values())
