"""tools/analysis_tools/analyze_logs.py on hand-made mmengine
``scalars.json`` files: the plotted series and the average iteration time."""
import json

import cv2
import numpy as np
import pytest

from tools.analysis_tools import analyze_logs


def write_log(path, lines):
    path.write_text(''.join(json.dumps(line) + '\n' for line in lines))
    return str(path)


def iter_log(path, losses, times, miou):
    """Training lines at steps 10, 20, ... and one validation line."""
    lines = [dict(lr=1e-3, data_time=0.01, loss=loss, time=t, iter=10 * i,
                  memory=0, step=10 * i)
             for i, (loss, t) in enumerate(zip(losses, times), 1)]
    lines.append(dict(mIoU=miou, data_time=0.01, time=0.05,
                      step=10 * len(losses)))
    return write_log(path, lines)


@pytest.fixture
def two_runs(tmp_path):
    return (iter_log(tmp_path / 'a.json', [2.0, 1.5, 1.0], [1.0, 0.2, 0.4],
                     50.0),
            iter_log(tmp_path / 'b.json', [3.0, 2.0, 0.5], [0.9, 0.3, 0.3],
                     60.0))


def test_plot_curve_two_runs(two_runs, tmp_path):
    out = tmp_path / 'curves.png'
    series = analyze_logs.main(['plot_curve', *two_runs, '--keys', 'loss',
                                'mIoU', '--legend', 'A', 'B', '--out',
                                str(out), '--title', 'two runs'])
    assert list(series) == ['A: loss', 'A: mIoU', 'B: loss', 'B: mIoU']
    steps, values = series['B: loss']
    assert steps.tolist() == [10, 20, 30]
    assert values.tolist() == [3.0, 2.0, 0.5]
    assert series['A: mIoU'][0].tolist() == [30]
    assert series['A: mIoU'][1].tolist() == [50.0]
    image = cv2.imread(str(out))
    assert image.shape == (400, 600, 3)
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 10  # drawn


def test_plot_curve_names_the_missing_key(two_runs):
    with pytest.raises(KeyError, match=r"a\.json: no 'mDice'.*mIoU"):
        analyze_logs.curves({two_runs[0]: analyze_logs.load_scalars(
            two_runs[0])}, ['mDice'])


def test_cal_train_time_iter_based(two_runs, capsys):
    """Run A logs 1.0 (warm-up), 0.2, 0.4 s/iter: 0.3 without the first
    line, 0.5333 with it; its validation line's time is not training."""
    averages = analyze_logs.main(['cal_train_time', two_runs[0]])
    assert averages[two_runs[0]] == pytest.approx(0.3)
    assert 'average iter time: 0.3000 s/iter' in capsys.readouterr().out
    averages = analyze_logs.main(['cal_train_time', two_runs[0],
                                  '--include-outliers'])
    assert averages[two_runs[0]] == pytest.approx(1.6 / 3)


def test_cal_train_time_epoch_based(tmp_path, capsys):
    """Epoch 1: 0.9 (first), 0.2, 0.4; epoch 2: 0.8 (first), 0.5, 0.7."""
    times = {1: [0.9, 0.2, 0.4], 2: [0.8, 0.5, 0.7]}
    log = write_log(tmp_path / 'e.json', [
        dict(loss=1.0, time=t, epoch=epoch, iter=i, step=3 * epoch + i)
        for epoch, ts in times.items() for i, t in enumerate(ts, 1)])
    averages = analyze_logs.main(['cal_train_time', log])
    assert averages[log] == pytest.approx(0.45)
    out = capsys.readouterr().out
    assert 'slowest epoch 2, average time is 0.6000 s/iter' in out
    assert 'fastest epoch 1, average time is 0.3000 s/iter' in out
    assert 'time std over epochs is 0.1500' in out
