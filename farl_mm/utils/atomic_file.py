"""Files that a kill never leaves half-written.

Content goes to a hidden temporary file next to the target (same file
system, so the rename is atomic on POSIX), is synced and renamed over the
target. Killed at any point, the target holds the old or the new content,
never a part; what a kill leaves is a temporary file named
``.NAME.*`` + :data:`TMP_SUFFIX`, which :func:`remove_stale_tmp_files`
deletes.
"""
import contextlib
import os
import os.path as osp
import tempfile

TMP_SUFFIX = '.farl_mm.tmp'  # ends the names of the temporary files


@contextlib.contextmanager
def atomic_path(path):
    """A temporary path that replaces ``path`` once the block completes.

    The block writes the temporary file (by any means: ``torch.save``,
    mmengine's ``Runner.save_checkpoint``, ...); then it is synced, made
    readable as ``open()`` would, renamed over ``path`` and the folder
    synced. An exception removes the temporary file and leaves ``path``.
    """
    path = osp.abspath(str(path))
    folder, name = osp.split(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{name}.', suffix=TMP_SUFFIX,
                               dir=folder)
    os.close(fd)
    try:
        yield tmp
        _sync(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp made it owner-only
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # not every file system syncs dirs
        _sync(folder)


@contextlib.contextmanager
def atomic_file(path, mode='wb'):
    """A file object whose content replaces ``path`` only once complete
    (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp, open(tmp, mode) as f:
        yield f


def remove_stale_tmp_files(folder):
    """Delete what writes killed mid-way left in ``folder``: hidden files
    ending in :data:`TMP_SUFFIX`, no other. Returns their names."""
    removed = []
    for name in sorted(os.listdir(folder)) if osp.isdir(folder) else ():
        path = osp.join(folder, name)
        if (name.startswith('.') and name.endswith(TMP_SUFFIX)
                and osp.isfile(path)):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
                removed.append(name)
    return removed


def _sync(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
