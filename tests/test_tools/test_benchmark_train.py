"""The training benchmarks run in their smoke modes and measure what they
claim: one set of weights before timing, less memory per block with
activation checkpointing, the scaling table's arithmetic, FLOPs and MFU."""
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch

from farl_mm.utils.benchmark import make_batch
from tools.analysis_tools import benchmark_train as bt
from tools.analysis_tools import gpu_pretrain_benchmark

TOOLS = ('tools', 'analysis_tools')


def _run_main(module, monkeypatch, capsys, *argv):
    monkeypatch.setattr(sys, 'argv', [module.__file__, *argv])
    module.main()
    return capsys.readouterr().out


def test_train_benchmark_checks_weights_then_prints_ratios(
        monkeypatch, capsys):
    out = _run_main(bt, monkeypatch, capsys, '--quick', '--steps', '1',
                    '--bf16-steps', '1')
    check = re.search(r'fp32 loss farl_itc (\S+) open_clip (\S+) \|diff\| '
                      r'(\S+); max relative gradient diff (\S+)', out)
    assert check, out
    assert float(check[1]) > 0.1  # a real loss, not zeros
    assert float(check[3]) < 1e-4 and float(check[4]) < 1e-4
    rows = re.findall(r'^\| (fp32|bf16) \| tiny \(4/2\) \| 64x4 \| 1 \| '
                      r'(.*) \|$', out, re.M)
    assert [r[0] for r in rows] == ['fp32', 'bf16']
    for _, cells in rows:
        values = [float(c.rstrip('x')) for c in cells.split(' | ')]
        assert len(values) == 7 and all(v > 0 for v in values)
        ms_itc, _, ms_full, ms_tok, _, full_vs_itc, _ = values
        assert ms_full > ms_tok and full_vs_itc > 1  # MIM adds a pass
    verdicts = re.findall(r'^(PASS|MISS) (fp32|bf16) (farl_\w+) / ', out,
                          re.M)
    assert len(verdicts) == 4


def test_train_benchmark_refuses_models_that_differ():
    models = bt.build_models('quick', 0, 64, 'random-projection', 0)
    images, tokens, samples = make_batch('quick', 2, 64, 0)
    fns = bt.loss_fns(models, images, tokens, samples)
    with torch.no_grad():
        models['farl_itc'].text_backbone.proj[0, 0] += 0.5
    with pytest.raises(SystemExit, match='not the same model'):
        bt.check_same_model(models, fns)


def test_scaling_table(monkeypatch, capsys):
    out = _run_main(bt, monkeypatch, capsys, '--quick', '--scaling',
                    '--tokenizer', 'random-projection')
    rows = re.findall(r'^\| (\d+) \| (\d+) \| ([\d.]+) \| ([\d.]+) \| '
                      r'(\S+)% \| (\S+)% \| ([\d.]+) \| ([\d.]+) \|$',
                      out, re.M)
    assert [(r[0], r[1]) for r in rows] == [('1', '32'), ('2', '64'),
                                            ('4', '128')]
    assert all(float(r[2]) > 0 and float(r[3]) > 0 for r in rows)
    # 2 features x (gather + reduce-scatter) x (W - 1) x 32 x 64 x 4 bytes
    assert [r[6] for r in rows] == ['0.00', '0.03', '0.09']
    # the full loss grows as the square of the global batch, local linearly
    full = [float(r[4]) for r in rows]
    local = [float(r[5]) for r in rows]
    assert full[2] == pytest.approx(16 * full[0], rel=0.1)
    assert local[2] == pytest.approx(4 * local[0], rel=0.1)


def test_gpu_benchmark_cpu_smoke(monkeypatch, capsys):
    out = _run_main(gpu_pretrain_benchmark, monkeypatch, capsys, '--device',
                    'cpu', '--tiny', '--steps', '1', '--warmup', '1',
                    '--tokenizer', 'random-projection')
    ips = re.search(r'([\d.]+) images/s', out)
    flops = re.search(r'step FLOPs \S+ T \(([\d.]+) GFLOP per image, '
                      r'tokenizer (\d+)%\)', out)
    mfu = re.search(r'MFU ([\d.]+)%', out)
    assert ips and flops and mfu, out
    assert float(ips[1]) > 0 and float(mfu[1]) > 0
    # tiny towers, 64 px: two image passes, forward and backward, and the
    # text tower; far above the forward of one clean pass alone
    arch = dict(C=64, F=256, L=4, N=17)
    one_forward = 2 * arch['L'] * arch['N'] * (
        4 * arch['C']**2 + 2 * arch['C'] * arch['F']) / 1e9
    assert float(flops[1]) > 4 * one_forward
    assert int(flops[2]) < 5  # a random projection is nearly free


def test_memory_benchmark_checkpointing_saves_per_block(repo_root):
    run = subprocess.run(
        [sys.executable, osp.join(*TOOLS, 'benchmark_memory.py'),
         '--quick', '--tokenizer', 'random-projection'], cwd=repo_root,
        capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    slopes = dict(re.findall(
        r'with_cp=(True|False): step memory = \S+ \+ (\S+) GiB x blocks',
        run.stdout))
    assert set(slopes) == {'True', 'False'}, run.stdout
    assert float(slopes['False']) > 0.01
    assert float(slopes['True']) < 0.5 * float(slopes['False'])
    assert re.search(r'^(PASS|MISS) extrapolated 8 blocks, batch 64',
                     run.stdout, re.M)


def test_text_tower_trimmed_in_training_changes_no_result():
    """The training saving benchmark_train measures: the text tower stops
    at the batch's last end token, with the full-length outputs and
    gradients."""
    import farl_mm  # noqa: F401
    from farl_mm.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(dict(type='farl_mm.CLIPTextTransformer',
                              arch='tiny'))
    ids = torch.zeros(3, 77, dtype=torch.long)
    for row, end in enumerate((4, 11, 20)):
        ids[row, 0] = 49406
        ids[row, 1:end] = torch.randint(1, 49000, (end - 1, ))
        ids[row, end] = 49407
    lengths = []
    model.layers[0].register_forward_pre_hook(
        lambda m, args: lengths.append(args[0].shape[1]))
    results = []
    for train in (True, False):  # the tower has no dropout
        model.train(train).zero_grad()
        out = model(ids)
        out.square().sum().backward()
        results.append((out.detach(), {n: p.grad.clone() for n, p in
                                       model.named_parameters()}))
    assert lengths == [21, 77]
    (trimmed, grads), (full, full_grads) = results
    assert full.abs().max() > 0.1
    torch.testing.assert_close(trimmed, full, atol=1e-6, rtol=0)
    for name, grad in full_grads.items():  # fp32 rounding of sums ~ 1e-6
        torch.testing.assert_close(
            grads[name], grad, atol=1e-5 * grad.abs().max().item(), rtol=0)
