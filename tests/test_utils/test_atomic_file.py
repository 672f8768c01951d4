"""``farl_mm.utils.atomic_file``: a kill never leaves a half-written file."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch

from farl_mm.utils import atomic_file as atomic
from farl_mm.utils.checkpoint_io import load_checkpoint_file


def test_atomic_file_replaces_only_when_complete(tmp_path):
    path = tmp_path / 'f.bin'
    path.write_bytes(b'old')
    with atomic.atomic_file(path) as f:
        f.write(b'new, half')
        assert path.read_bytes() == b'old'  # a kill now keeps 'old'
        f.write(b' and the rest')
    assert path.read_bytes() == b'new, half and the rest'
    mask = os.umask(0o022)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask  # as open() would
    with pytest.raises(OSError, match='disk full'):
        with atomic.atomic_file(path) as f:
            f.write(b'partial')
            raise OSError('disk full')
    assert path.read_bytes() == b'new, half and the rest'
    assert os.listdir(tmp_path) == ['f.bin']  # no temporary file left


def test_atomic_path_takes_what_any_writer_wrote(tmp_path):
    """The block writes the temporary path by name (as mmengine's Runner
    does), then it replaces the target."""
    path = tmp_path / 'iter_2.pth'
    with atomic.atomic_path(path) as tmp:
        assert os.path.basename(tmp).startswith('.iter_2.pth.')
        assert tmp.endswith(atomic.TMP_SUFFIX)
        torch.save(dict(w=torch.arange(3)), tmp)
        assert not path.exists()
    assert torch.equal(load_checkpoint_file(path)['w'], torch.arange(3))
    assert os.listdir(tmp_path) == ['iter_2.pth']


def test_remove_stale_tmp_files_takes_only_its_own(tmp_path):
    ours = ['.iter_2.pth.k2j4h6g8' + atomic.TMP_SUFFIX,
            '.last_checkpoint.x1' + atomic.TMP_SUFFIX]
    others = ['iter_2.pth', 'notes.tmp', '.iter_6.pth.abcd1234.tmp',
              'iter_4.pth' + atomic.TMP_SUFFIX]
    for name in ours + others:
        (tmp_path / name).write_bytes(b'half')
    (tmp_path / ('.dir' + atomic.TMP_SUFFIX)).mkdir()
    assert atomic.remove_stale_tmp_files(tmp_path) == sorted(ours)
    assert sorted(os.listdir(tmp_path)) == sorted(
        others + ['.dir' + atomic.TMP_SUFFIX])
    assert atomic.remove_stale_tmp_files(tmp_path / 'missing') == []


SLOW_WRITER = textwrap.dedent('''
    import importlib.util, io, sys, time
    import torch
    spec = importlib.util.spec_from_file_location('atomic', sys.argv[1])
    atomic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(atomic)
    buf = io.BytesIO()
    torch.save(dict(state_dict=dict(w=torch.ones(100000))), buf)
    data = buf.getvalue()
    with atomic.atomic_file(sys.argv[2]) as f:  # a slow disk: 1 kB / 10 ms
        for i in range(0, len(data), 1024):
            f.write(data[i:i + 1024])
            f.flush()
            if i == 4096:
                print('writing', flush=True)
            time.sleep(0.01)
''')


def test_sigkill_while_writing_keeps_the_old_file(tmp_path):
    target = tmp_path / 'iter_8.pth'
    torch.save(dict(state_dict=dict(w=torch.zeros(3))), target)
    proc = subprocess.Popen(
        [sys.executable, '-c', SLOW_WRITER, atomic.__file__, str(target)],
        stdout=subprocess.PIPE, text=True,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    try:
        assert proc.stdout.readline().strip() == 'writing'
        time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGKILL
    left = load_checkpoint_file(target)
    assert torch.equal(left['state_dict']['w'], torch.zeros(3))
    # the killed write's temporary file: hidden, never what resume loads
    assert [p.startswith('.iter_8.pth.') for p in os.listdir(tmp_path)
            if p != 'iter_8.pth'] == [True]
