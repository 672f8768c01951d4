"""Checkpoints are data, and a crash never leaves a broken latest one.

Loading: ``weights_only=True`` with an allow-list; pickles of predictions
(:func:`load_pickle_file`) are read with the same list.

mmengine 0.10 calls ``torch.load`` without ``weights_only``. Since torch 2.6
that means ``weights_only=True``, which refuses mmengine's own checkpoints
(``Unsupported global: HistoryBuffer``), so ``resume``/``load_from`` break.
Upstream's fix, ``weights_only=False``, runs any pickle: a downloaded
checkpoint could execute code. Here the local-file loader keeps
``weights_only=True`` and allows exactly the globals mmengine writes, and
the other schemes (``http(s)://``, ``torchvision://``, ``openmmlab://``,
s3, ...) get the same: mmengine downloads with ``torch.hub.load_url``,
whose default is ``weights_only=False``.

Saving: mmengine writes a checkpoint, then ``last_checkpoint``, in place, and
deletes the oldest checkpoint (``max_keep_ckpts``) *before* writing the new
one; a kill in between leaves a truncated ``iter_N.pth``, an empty
``last_checkpoint``, or one naming a deleted file, and ``--resume`` fails.
Here both files are written to a temporary file in the same folder, synced
and renamed over the old one (atomic on POSIX), and the oldest checkpoint
goes only once the new one and ``last_checkpoint`` are in place. mmengine
likewise deletes the previous best checkpoint (``save_best``) before writing
the new one; here it goes only after. The temporary files of saves killed
mid-write are removed when the next run starts.
"""
import collections
import contextlib
import functools
import io
import os
import os.path as osp
import pickle
import tempfile
from unittest import mock

import numpy as np
import torch
from mmengine import runner as runner_pkg
from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.logging import HistoryBuffer
from mmengine.runner import checkpoint as checkpoint_module
from mmengine.runner import runner as runner_module
from mmengine.runner.checkpoint import CheckpointLoader


class UnsafeCheckpointError(RuntimeError):
    """The file holds objects whose unpickling could run code."""


def _numpy_globals():
    """numpy objects in mmengine's message hub and dataset meta."""
    try:  # numpy >= 2 moved ``core`` to ``_core``
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [type(np.dtype(t)) for t in (
        'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16',
        'uint32', 'uint64', 'float16', 'float32', 'float64')]
    return [_reconstruct, scalar, np.ndarray, np.dtype, *dtype_classes]


_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_getattr(obj, name):
    """The one ``getattr`` an mmengine checkpoint needs.

    ``HistoryBuffer.__getstate__`` saves its statistics methods, which pickle
    (protocol 2, torch's default) writes as ``getattr(HistoryBuffer, 'min')``.
    Allowing ``builtins.getattr`` itself would hand a pickle every attribute
    of every allowed object (``__globals__`` dicts it could then rewrite).
    """
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_STATISTICS:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'getattr({obj!r}, {name!r}) is not allowed in a checkpoint')


# torch keys the allow-list by `__module__.__qualname__` (`__name__` before
# 2.6), so this function answers the pickle's `builtins.getattr`.
_history_buffer_getattr.__module__ = 'builtins'
_history_buffer_getattr.__name__ = 'getattr'
_history_buffer_getattr.__qualname__ = 'getattr'



def _empty_bytes(*args):
    """``bytes()``: how protocol 2 pickles an empty ``bytes`` object.

    Empty numpy arrays in a checkpoint's meta (mmpose's face datasets save
    ``sigmas=[]``) need it; non-empty bytes come as ``_codecs.encode``,
    which torch allows. Anything else (``bytes(10**12)``) is refused.
    """
    if args:
        raise pickle.UnpicklingError(
            f'bytes{args!r} is not allowed in a checkpoint')
    return b''


_empty_bytes.__module__ = 'builtins'
_empty_bytes.__name__ = _empty_bytes.__qualname__ = 'bytes'

SAFE_GLOBALS = [
    HistoryBuffer, _history_buffer_getattr, _empty_bytes, *_numpy_globals()
]


_torch_load = torch.load


def _weights_only_load(f, map_location=None, *args, weights_only=None,
                       **kwargs):
    with torch.serialization.safe_globals(SAFE_GLOBALS):
        return _torch_load(f, map_location, *args, weights_only=True,
                           **kwargs)


def load_checkpoint_file(filename, map_location='cpu', mmap=None):
    """``torch.load`` a local file as data only.

    Args:
        filename (str): Path of the checkpoint.
        map_location: As in :func:`torch.load`.
        mmap (bool, optional): As in :func:`torch.load`: tensors stay on
            disk until read (zip-format files only).

    Raises:
        FileNotFoundError: The file does not exist.
        UnsafeCheckpointError: Unpickling it would need a global outside
            the allow-list (nothing of it is executed).
    """
    filename = osp.expanduser(str(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        return _weights_only_load(filename, map_location, mmap=mmap)
    except pickle.UnpicklingError as err:
        raise _refused(filename, _unsafe_globals(filename) or err) from err


def load_checkpoint_bytes(data, name, map_location='cpu'):
    """:func:`load_checkpoint_file` for a checkpoint held in memory (e.g. a
    file inside an archive); ``name`` words the errors."""
    try:
        return _weights_only_load(io.BytesIO(data), map_location)
    except pickle.UnpicklingError as err:
        raise _refused(name, err) from err


def _refused(filename, needs):
    return UnsafeCheckpointError(
        f'Refused to load checkpoint {filename}: it needs {needs}, which '
        'are not plain tensors/containers nor on farl_mm\'s allow-list, and '
        'unpickling them could execute code. Nothing in it was run. If you '
        'trust the file, allow those classes with '
        'torch.serialization.add_safe_globals([...]) before loading.')


def _unsafe_globals(filename):
    """The file's globals outside the allow-list, comma-separated."""
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return ', '.join(
                torch.serialization.get_unsafe_globals_in_checkpoint(
                    filename))
    except Exception:  # noqa: BLE001 - only used to word the error
        return ''


def _latin1_encode(text, encoding='utf-8'):
    """``_codecs.encode``: how protocol 2 pickles non-empty ``bytes``
    (``encode(text, 'latin1')``); no other codec."""
    if encoding not in ('latin1', 'latin-1'):
        raise pickle.UnpicklingError(
            f'_codecs.encode(..., {encoding!r}) is not allowed')
    return text.encode('latin1')


def _storage_from_bytes(data):
    """``torch.storage._load_from_bytes``: a plain pickle holds each tensor
    storage as a nested ``torch.save`` file, which torch would load with
    ``weights_only=False``; here it is loaded as data."""
    return _weights_only_load(io.BytesIO(data))


@functools.cache
def _pickle_globals():
    """``'module.name' -> object`` a data pickle may name: the checkpoint
    allow-list, tensors (as plain pickles write them) and their helpers."""
    allowed = {f'{g.__module__}.{g.__qualname__}': g for g in SAFE_GLOBALS}
    for name, value in list(allowed.items()):  # numpy 2 renamed core
        if name.startswith('numpy.core.'):
            allowed['numpy._core.' + name[len('numpy.core.'):]] = value
    allowed.update({
        'torch._utils._rebuild_tensor_v2': torch._utils._rebuild_tensor_v2,
        'torch.storage._load_from_bytes': _storage_from_bytes,
        'collections.OrderedDict': collections.OrderedDict,
        '_codecs.encode': _latin1_encode,
    })
    return allowed


class _DataUnpickler(pickle.Unpickler):
    """Resolves only the names of :func:`_pickle_globals`: nothing is
    imported or called that is not on that list."""

    def find_class(self, module, name):
        module = {'__builtin__': 'builtins'}.get(module, module)  # proto 2
        found = _pickle_globals().get(f'{module}.{name}')
        if found is None:
            raise pickle.UnpicklingError(f'{module}.{name}')
        return found


def load_pickle_file(filename):
    """A pickle file (``tools/test.py --dump``'s predictions) read as data:
    containers, strings, numbers, tensors and numpy arrays only.

    Raises:
        UnsafeCheckpointError: The file names any other global (nothing
            of it is run).
    """
    with open(filename, 'rb') as f:
        try:
            return _DataUnpickler(f).load()
        except pickle.UnpicklingError as err:
            raise UnsafeCheckpointError(
                f'Refused to read {filename}: it needs {err}, which is not '
                'plain data (containers, numbers, strings, tensors, numpy '
                'arrays) and unpickling it could execute code. Nothing in '
                'it was run.') from err


def _load_from_local(filename, map_location):
    return load_checkpoint_file(filename, map_location)


def _data_only(loader):
    """A ``CheckpointLoader`` scheme (URL, ``torchvision://``, s3, ...)
    whose ``torch.load`` calls are made ``weights_only=True``.

    mmengine downloads through ``torch.hub.load_url``, which defaults to
    ``weights_only=False``: a checkpoint at a URL could run code.
    """

    @functools.wraps(loader)
    def load(filename, *args, **kwargs):
        try:
            with mock.patch.object(torch, 'load', _weights_only_load):
                return loader(filename, *args, **kwargs)
        except pickle.UnpicklingError as err:
            raise _refused(filename, err) from err

    load.farl_mm_data_only = True
    return load


def _remote_schemes():
    return {prefix: loader
            for prefix, loader in CheckpointLoader._schemes.items()
            if prefix != '' and not getattr(loader, 'farl_mm_data_only',
                                             False)}


TMP_SUFFIX = '.farl_mm.tmp'  # ends the names of atomic_file's temporary files


@contextlib.contextmanager
def atomic_file(path, mode='wb'):
    """A file object whose content replaces ``path`` only once complete.

    It writes to a hidden temporary file next to ``path`` (same file system,
    so the rename is atomic), syncs it, renames it over ``path`` and syncs the
    folder. Killed at any point, ``path`` holds the old or the new content,
    never a part; an exception removes the temporary file.
    """
    path = osp.abspath(str(path))
    folder, name = osp.split(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{name}.', suffix=TMP_SUFFIX,
                               dir=folder)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp made it owner-only
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # not every file system syncs dirs
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _is_local(filename):
    return '://' not in str(filename)


_mmengine_save_checkpoint = checkpoint_module.save_checkpoint


def save_checkpoint(checkpoint, filename, file_client_args=None,
                    backend_args=None):
    """mmengine's ``save_checkpoint``; local files are written atomically."""
    if (not _is_local(filename) or file_client_args is not None
            or backend_args is not None):
        return _mmengine_save_checkpoint(
            checkpoint, filename, file_client_args=file_client_args,
            backend_args=backend_args)
    with atomic_file(filename) as f:
        torch.save(checkpoint, f)


_mmengine_save_checkpoint_with_step = (
    CheckpointHook._save_checkpoint_with_step)


def _save_checkpoint_with_step(self, runner, step, meta):
    """``CheckpointHook``'s save: new checkpoint, then ``last_checkpoint``
    (both atomic), and only then the checkpoint ``max_keep_ckpts`` drops."""
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
    runner.save_checkpoint(
        self.out_dir, filename, self.file_client_args,
        save_optimizer=self.save_optimizer,
        save_param_scheduler=self.save_param_scheduler, meta=meta,
        by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)
    if not is_main_process():  # only the main process writes files
        return
    with atomic_file(osp.join(runner.work_dir, 'last_checkpoint'), 'w') as f:
        f.write(self.last_ckpt)
    if drop is not None:
        _remove_checkpoint(self.file_backend, self.file_backend.join_path(
            self.out_dir, self.filename_tmpl.format(drop)))


def _remove_checkpoint(backend, path):
    if backend.isfile(path):
        backend.remove(path)
    elif backend.isdir(path):  # deepspeed saves folders
        backend.rmtree(path)


_mmengine_save_best_checkpoint = CheckpointHook._save_best_checkpoint


def _best_paths(hook):
    """``{key indicator: best checkpoint}`` (key None with one indicator)."""
    if hasattr(hook, 'best_ckpt_path_dict'):
        return dict(hook.best_ckpt_path_dict)
    return {None: hook.best_ckpt_path}


def _set_best_paths(hook, paths):
    if None in paths:
        hook.best_ckpt_path = paths[None]
    else:
        hook.best_ckpt_path_dict.update(paths)


def _save_best_checkpoint(self, runner, metrics):
    """``CheckpointHook``'s ``save_best``: the previous best checkpoint is
    deleted only once the new one is written (mmengine deletes it first)."""
    if not self.save_best:
        return
    before = _best_paths(self)
    _set_best_paths(self, dict.fromkeys(before))  # nothing for it to delete
    try:
        _mmengine_save_best_checkpoint(self, runner, metrics)
    finally:
        after = {key: path or before[key]
                 for key, path in _best_paths(self).items()}
        _set_best_paths(self, after)
    if not is_main_process():
        return
    for key, old in before.items():
        if old and old != after[key]:
            _remove_checkpoint(self.file_backend, old)
            runner.logger.info(f'The previous best checkpoint {old} is '
                               'removed.')


def remove_stale_tmp_files(folder):
    """Delete what saves killed mid-write left in ``folder``: hidden files
    named by :func:`atomic_file` (ending in :data:`TMP_SUFFIX`), no other.
    Returns their names."""
    removed = []
    for name in sorted(os.listdir(folder)) if osp.isdir(folder) else ():
        path = osp.join(folder, name)
        if (name.startswith('.') and name.endswith(TMP_SUFFIX)
                and osp.isfile(path)):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
                removed.append(name)
    return removed


_mmengine_before_train = CheckpointHook.before_train


def _before_train(self, runner):
    """``CheckpointHook.before_train``, then the temporary files of earlier
    runs' killed saves go from the work dir and the checkpoint folder (two
    runs writing to one work dir at once are not supported anyway)."""
    _mmengine_before_train(self, runner)
    if not is_main_process():
        return
    for folder in sorted({runner.work_dir, self.out_dir}):
        if _is_local(folder):
            removed = remove_stale_tmp_files(folder)
            if removed:
                runner.logger.info(
                    f'Removed the temporary files of unfinished saves from '
                    f'{folder}: {", ".join(removed)}')


def needed() -> bool:
    loader = CheckpointLoader._schemes.get('')
    return (loader is not _load_from_local or bool(_remote_schemes())
            or runner_module.save_checkpoint is not save_checkpoint
            or CheckpointHook._save_checkpoint_with_step
            is not _save_checkpoint_with_step
            or CheckpointHook._save_best_checkpoint
            is not _save_best_checkpoint
            or CheckpointHook.before_train is not _before_train)


def apply() -> None:
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_from_local, force=True)
    for prefix, loader in _remote_schemes().items():
        CheckpointLoader.register_scheme(
            prefixes=prefix, loader=_data_only(loader), force=True)
    # Runner imports the function by name; CheckpointHook (publishing)
    # imports it from the package at call time.
    for module in (checkpoint_module, runner_module, runner_pkg):
        module.save_checkpoint = save_checkpoint
    CheckpointHook._save_checkpoint_with_step = _save_checkpoint_with_step
    CheckpointHook._save_best_checkpoint = _save_best_checkpoint
    CheckpointHook.before_train = _before_train
