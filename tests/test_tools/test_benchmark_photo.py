"""``tools/analysis_tools/benchmark_photo.py --quick`` runs end to end:
the same weights through farl_mm and the authors' facer on a photo with
one and with several faces, timed, with the same labels."""
import re
import subprocess
import sys

import pytest


def test_quick_photo_benchmark_times_both_on_the_same_weights(repo_root):
    pytest.importorskip('facer', reason='pyfacer (requirements/tests.txt)')
    run = subprocess.run(
        [sys.executable, 'tools/analysis_tools/benchmark_photo.py', '--quick',
         '--reps', '1', '--faces', '2'], cwd=repo_root, capture_output=True,
        text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    rows = re.findall(r'^\| (\d+)x512, (\d) face\(s\) \| [\d.]+ \| [\d.]+ '
                      r'\| \*\*([\d.]+)x\*\* \|$', run.stdout, re.M)
    assert [r[:2] for r in rows] == [('512', '1'), ('1024', '2')]
    same = re.search(r'labels agree on ([\d.]+)% of the photo', run.stdout)
    assert same and float(same.group(1)) >= 99.5
