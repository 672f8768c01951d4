"""farl_mm.utils.benchmark: interleaved timing, paired ratios, the clock
and the loss the benchmarks step (the builders run in
tests/test_tools/test_benchmark_train.py)."""
import time

import pytest
import torch

from farl_mm.utils.benchmark import (clock, paired_ratio, time_interleaved,
                                     total_loss)


def test_calls_alternate_order_and_warmup_is_not_timed():
    calls = []
    fns = {name: (lambda name=name: calls.append(name) or len(calls))
           for name in ('a', 'b', 'c')}
    times, outs = time_interleaved(fns, iters=2, warmup=1)
    # warm-up forward, then reversed, then forward again
    assert calls == ['a', 'b', 'c', 'c', 'b', 'a', 'a', 'b', 'c']
    assert {k: len(v) for k, v in times.items()} == dict(a=2, b=2, c=2)
    assert all(t >= 0 for v in times.values() for t in v)
    assert outs == dict(a=7, b=8, c=9)  # each function's last output


def test_paired_ratio_is_the_median_of_adjacent_ratios():
    times = dict(x=[2.0, 4.0, 9.0], y=[1.0, 1.0, 3.0])
    assert paired_ratio(times, 'x', 'y') == 3.0  # of 2, 4, 3
    assert paired_ratio(times, 'y', 'x') == pytest.approx(1 / 3)


def test_one_cpu_thread_is_timed_in_process_time():
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert clock('cpu') is time.process_time
        assert clock('cuda') is time.perf_counter
        torch.set_num_threads(2)
        assert clock('cpu') is time.perf_counter
    finally:
        torch.set_num_threads(threads)


def test_total_loss_sums_the_loss_terms_only():
    losses = dict(loss_itc=torch.tensor(1.5), loss_mim=torch.tensor(2.0),
                  acc_mim=torch.tensor(0.25))
    assert total_loss(losses).item() == 3.5
