"""mmengine's ``CheckpointHook`` whose saves a kill cannot break:
``default_hooks.checkpoint.type='farl_mm.CheckpointHook'`` (farl_mm's base
configs use it; its arguments are mmengine's).

mmengine writes a checkpoint and ``last_checkpoint`` in place, and deletes
the oldest checkpoint (``max_keep_ckpts``) and the previous best
(``save_best``) *before* writing the new one: a kill in between leaves a
truncated latest checkpoint, an empty ``last_checkpoint`` or no best one,
and ``--resume`` fails. Here each file is written under a hidden temporary
name in the same folder, synced and renamed
(:func:`farl_mm.utils.atomic_file.atomic_path`); old checkpoints go only
once their successors are in place; the temporary files of saves killed
mid-write are removed when training starts.
"""
import contextlib
import os.path as osp
from unittest import mock

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook as MMEngineCheckpointHook
from mmengine.runner import Runner

from ...registry import HOOKS
from ...utils.atomic_file import (atomic_file, atomic_path,
                                  remove_stale_tmp_files)


def _is_local(path):
    return '://' not in str(path)


@contextlib.contextmanager
def _atomic_saves(runner):
    """While open, ``runner.save_checkpoint`` writes a local file under a
    temporary name and renames it. Only for mmengine's ``Runner`` on the
    main process (the one that writes); ``FlexibleRunner`` strategies save
    folders on every rank and are left as they are."""
    if not isinstance(runner, Runner) or not is_main_process():
        yield
        return
    save = runner.save_checkpoint

    def save_atomically(out_dir, filename, file_client_args=None, *args,
                        backend_args=None, **kwargs):
        path = osp.join(out_dir, filename)
        if (file_client_args is not None or backend_args is not None
                or not _is_local(path)):
            return save(out_dir, filename, file_client_args, *args,
                        backend_args=backend_args, **kwargs)
        with atomic_path(path) as tmp:
            save(osp.dirname(tmp), osp.basename(tmp), *args, **kwargs)

    with mock.patch.object(runner, 'save_checkpoint', save_atomically):
        yield


def _remove_checkpoint(backend, path):
    if backend.isfile(path):
        backend.remove(path)
    elif backend.isdir(path):  # deepspeed saves folders
        backend.rmtree(path)


@HOOKS.register_module()
class CheckpointHook(MMEngineCheckpointHook):
    """:class:`mmengine.hooks.CheckpointHook`, crash-safe (module doc)."""

    def before_train(self, runner):
        """mmengine's set-up, then the temporary files of earlier runs'
        killed saves go from the work dir and the checkpoint folder (two
        runs writing to one work dir at once are not supported anyway)."""
        super().before_train(runner)
        if not is_main_process():
            return
        for folder in sorted({runner.work_dir, self.out_dir}):
            if _is_local(folder):
                removed = remove_stale_tmp_files(folder)
                if removed:
                    runner.logger.info(
                        'Removed the temporary files of unfinished saves '
                        f'from {folder}: {", ".join(removed)}')

    def _save_checkpoint_with_step(self, runner, step, meta):
        """New checkpoint, then ``last_checkpoint`` (both atomic), and only
        then the checkpoint ``max_keep_ckpts`` drops."""
        drop = None
        if self.max_keep_ckpts > 0 and not (
                self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                drop = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        with _atomic_saves(runner):
            runner.save_checkpoint(
                self.out_dir, filename, self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler, meta=meta,
                by_epoch=self.by_epoch, backend_args=self.backend_args,
                **self.args)
        if not is_main_process():  # only the main process writes files
            return
        with atomic_file(osp.join(runner.work_dir, 'last_checkpoint'),
                         'w') as f:
            f.write(self.last_ckpt)
        if drop is not None:
            _remove_checkpoint(self.file_backend, self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(drop)))

    def _save_best_checkpoint(self, runner, metrics):
        """mmengine's ``save_best``, atomic; the previous best checkpoint is
        deleted only once the new one is written (mmengine deletes it
        first)."""
        if not self.save_best:
            return
        before = self._best_paths()
        self._set_best_paths(dict.fromkeys(before))  # nothing to delete
        try:
            with _atomic_saves(runner):
                super()._save_best_checkpoint(runner, metrics)
        finally:
            after = {key: path or before[key]
                     for key, path in self._best_paths().items()}
            self._set_best_paths(after)
        if not is_main_process():
            return
        for key, old in before.items():
            if old and old != after[key]:
                _remove_checkpoint(self.file_backend, old)
                runner.logger.info(f'The previous best checkpoint {old} is '
                                   'removed.')

    def _best_paths(self):
        """``{key indicator: best checkpoint}`` (key None with one)."""
        if hasattr(self, 'best_ckpt_path_dict'):
            return dict(self.best_ckpt_path_dict)
        return {None: self.best_ckpt_path}

    def _set_best_paths(self, paths):
        if None in paths:
            self.best_ckpt_path = paths[None]
        else:
            self.best_ckpt_path_dict.update(paths)
