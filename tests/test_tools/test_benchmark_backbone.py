"""``tools/analysis_tools/benchmark_backbone.py --quick`` runs end to end: it
checks FaRLViT against open_clip on the same weights, then times both."""
import re
import subprocess
import sys


def test_quick_benchmark_compares_the_same_weights(repo_root):
    run = subprocess.run(
        [sys.executable, 'tools/analysis_tools/benchmark_backbone.py',
         '--quick'], cwd=repo_root, capture_output=True, text=True,
        timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    diffs = re.findall(r'fp32 max \|output - farl_mm\|: open_clip (\S+)', out)
    assert len(diffs) == 2 and all(float(d) < 1e-4 for d in diffs)
    for precision in ('fp32', 'bf16'):
        for model in ('farl_mm', 'open_clip'):
            assert re.search(rf'\| {precision} \| \S+ \| {model} \|', out)
    assert re.search(r'matmul peak fp32: [\d.]+ GFLOP/s', out)
    assert len(re.findall(r'^(PASS|MISS) ', out, re.M)) == 6
