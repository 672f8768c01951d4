"""``benchmark_inference.py``: FLOPs counted as 2 x multiply-adds, and a
quick run reports images/s against the matmul peak of the same run."""
import torch

from tools.analysis_tools import benchmark_inference as bi


class OneConv(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1, bias=False)

    def forward(self, x, data_samples=None, mode='tensor'):
        return self.conv(x)


def test_flops_are_twice_the_multiply_adds():
    # 8 output channels x 3 x 3 x 3 weights at each of 20 x 20 pixels
    assert bi.count_flops(OneConv(), 20, 'cpu') == 2 * 20 * 20 * 8 * 27


def test_quick_run_reports_the_fraction_of_the_matmul_peak(capsys):
    rows, peak = bi.main(['--quick', '--tasks', 'parsing', '--cases',
                          '64x2'])
    out = capsys.readouterr().out
    assert peak > 0 and len(rows) == 1
    row = rows[0]
    assert (row['task'], row['size'], row['batch']) == ('parsing', 64, 2)
    # the tiny FaRLViT alone: 4 blocks of 64 dims on 17 tokens, > 5 MFLOP
    assert 5e-3 < row['gflop'] < 1.0
    assert 0 < row['fraction'] < 2
    assert f'| parsing | 64x2 | contiguous | {row["gflop"]:.1f} |' in out
