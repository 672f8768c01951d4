"""Which checkpoint ``--resume`` continues from, and with which seed.

MMEngine's auto-resume reads ``{work_dir}/last_checkpoint`` and nothing
else: an empty file or a truncated checkpoint ends the run with an error
that names no file to resume from instead. And a config without a seed
draws a new one when resumed; MMEngine sets the checkpoint's seed back only
after the Runner has built its samplers and data-loader workers with the new
one, so the resumed run reads other samples than the one it continues.

:func:`resolve_resume` settles both on the config, before the Runner is
built: it picks a checkpoint that loads (the newest, by modification time,
when ``last_checkpoint`` names none that does) and makes the checkpoint's
seed the config's ``randomness.seed``.
"""
import glob
import logging
import os
import os.path as osp
import zipfile

from mmengine.logging import print_log

from ..utils.checkpoint_io import (UnsafeCheckpointError,
                                   load_checkpoint_file)


class UnreadableCheckpointError(RuntimeError):
    """``--resume`` was given a checkpoint that cannot be resumed from."""


NOT_TRAINING = 'not a training checkpoint (no meta["iter"])'


def read_meta(path):
    """The ``meta`` of a training checkpoint, loaded lazily (``mmap``).

    Raises:
        UnsafeCheckpointError: The file would run code when loaded.
        Exception: Anything else that makes the file unusable (truncated,
            empty, not a checkpoint, no ``meta['iter']``).
    """
    damage = _visible_damage(path)
    if damage:
        raise ValueError(damage)
    # zip-format files (torch.save's default) load lazily: the tensors stay
    # on disk
    ckpt = load_checkpoint_file(path, mmap=zipfile.is_zipfile(path) or None)
    meta = ckpt.get('meta') if isinstance(ckpt, dict) else None
    if not isinstance(meta, dict) or 'iter' not in meta:
        raise ValueError(NOT_TRAINING)
    return meta


def _visible_damage(path):
    """Why ``path`` is plainly not a whole checkpoint (torch's own errors
    for these are ``EOFError`` and ``OSError: Invalid argument``)."""
    if osp.getsize(path) == 0:
        return 'the file is empty'
    with open(path, 'rb') as f:
        zip_start = f.read(4) == b'PK\x03\x04'
    if zip_start and not zipfile.is_zipfile(path):
        return 'truncated (a zip archive without its end record)'
    return None


def _try_read(path):
    """``(meta, None)``, or ``(None, why)`` if ``path`` cannot be resumed."""
    if not osp.isfile(path):
        return None, 'no such file'
    try:
        return read_meta(path), None
    except UnsafeCheckpointError:
        raise  # a hostile file is not skipped quietly
    except Exception as err:  # noqa: BLE001 - every reason is reported
        return None, f'{type(err).__name__}: {str(err)[:200]}'.rstrip(': ')


def _last_checkpoint(work_dir):
    """What ``{work_dir}/last_checkpoint`` names: ``(path, why_not)``."""
    record = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(record):
        return None, None
    with open(record) as f:
        path = f.read().strip()
    if not path:
        return None, f'{record} is empty'
    return osp.abspath(path), None


def _newest_first(folders, skip=()):
    paths = {osp.abspath(p) for folder in folders
             for p in glob.glob(osp.join(folder, '*.pth'))} - set(skip)
    return sorted(paths, key=os.path.getmtime, reverse=True)


def find_resumable(work_dir):
    """The checkpoint auto-resume should take from ``work_dir``.

    ``last_checkpoint``'s file if it loads, else the newest ``*.pth`` that
    loads, in ``work_dir`` or next to the file ``last_checkpoint`` names.

    Returns:
        tuple: ``(path, meta, unreadable)``; ``path`` and ``meta`` are None
        if no checkpoint loads; ``unreadable`` lists ``(what, why)`` for each
        file tried and refused, newest first.
    """
    named, problem = _last_checkpoint(work_dir)
    unreadable = [] if problem is None else [
        (osp.join(work_dir, 'last_checkpoint'), problem)]
    folders = [work_dir] + ([osp.dirname(named)] if named else [])
    candidates = ([named] if named else []) + _newest_first(
        folders, skip={named})
    for path in candidates:
        meta, why = _try_read(path)
        if meta is not None:
            return path, meta, unreadable
        unreadable.append((path, why))
    return None, None, unreadable


def _explicit(path, work_dir):
    meta, why = _try_read(path)
    if meta is not None:
        return meta
    folders = sorted({osp.dirname(osp.abspath(path)), osp.abspath(work_dir)})
    intact = next((p for p in _newest_first(folders, {osp.abspath(path)})
                   if _try_read(p)[0] is not None), None)
    where = ' or '.join(folders)
    hint = (f'The newest intact checkpoint in {where} is {intact}: resume '
            f'with --resume {intact}' if intact else
            f'No checkpoint in {where} can be read either.')
    raise UnreadableCheckpointError(
        f'Cannot resume from {path}: {why}. {hint}')


def resolve_resume(cfg):
    """Settle ``cfg.load_from`` and ``cfg.randomness.seed`` for a resume.

    Does nothing unless ``cfg.resume``. With ``load_from`` unset (auto), it
    becomes the checkpoint :func:`find_resumable` picks, logging each file
    it skipped and why; none found starts the run afresh, as MMEngine does,
    unless one there is damaged. A given ``load_from``
    that cannot be read is an error naming it and the newest intact one.

    Raises:
        UnreadableCheckpointError: The given checkpoint, or every checkpoint
            of the work dir, cannot be read.
    """
    if not cfg.get('resume'):
        return cfg
    path = cfg.get('load_from')
    if path is not None and '://' in str(path):
        return cfg  # remote: MMEngine downloads it; the seed stays as set
    if path is not None:
        meta = _explicit(str(path), cfg.work_dir)
    else:
        path, meta, unreadable = find_resumable(cfg.work_dir)
        for what, why in unreadable:
            print_log(f'--resume: skipped {what}: {why}', logger='current',
                      level=logging.WARNING)
        if path is None:
            if any(NOT_TRAINING not in why for _, why in unreadable):
                raise UnreadableCheckpointError(
                    f'Cannot resume: no checkpoint in {cfg.work_dir} can be '
                    'read (see the files skipped above). Remove them to '
                    'start afresh, or pass --resume PATH.')
            return cfg  # nothing saved yet (or only weights): afresh
        if unreadable:
            print_log(f'--resume: resuming from {path}, the newest intact '
                      'checkpoint.', logger='current',
                      level=logging.WARNING)
        cfg.load_from = path
    _take_seed(cfg, meta.get('seed'), path)
    return cfg


def _take_seed(cfg, seed, path):
    """The resumed run continues with the seed of the run it continues."""
    randomness = dict(cfg.get('randomness') or {})
    if seed is None or randomness.get('seed') == seed:
        return
    if randomness.get('seed') is not None:
        print_log(f'--resume: the config sets seed {randomness["seed"]}, '
                  f'{path} was trained with {seed}: using {seed}.',
                  logger='current', level=logging.WARNING)
    randomness['seed'] = seed
    cfg.randomness = randomness
