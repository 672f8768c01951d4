"""`make demo`'s stage runner (order, failures, times) and its choice of
the Grad-CAM face (the report writer: tests/test_utils/test_demo_report.py)."""
import json
import os.path as osp
import re
import runpy
import sys

import pytest

from farl_mm.datasets.celeba import CELEBA_ATTRIBUTES


@pytest.fixture(scope='module')
def run_demo(repo_root):
    return runpy.run_path(osp.join(repo_root, 'tools', 'misc',
                                   'run_demo.py'))


def _py(code):
    return [sys.executable, '-c', code]


def test_stages_run_after_what_they_wait_for(run_demo, tmp_path):
    Stage = run_demo['Stage']
    out = tmp_path / 'order.txt'
    log = f'open({str(out)!r}, "a").write'
    stages = [  # listed before what it waits for, and a slow independent one
        Stage('second', _py(f'{log}("second\\n")'), ('first', )),
        Stage('first', _py(f'import time; time.sleep(0.3); '
                           f'{log}("first\\n"); print("hello")')),
        Stage('other', _py(f'{log}("other\\n")')),
    ]
    times = run_demo['run_stages'](stages, 2, str(tmp_path / 'logs'))
    order = out.read_text().split()
    assert order.index('first') < order.index('second')
    assert sorted(order) == ['first', 'other', 'second']
    assert set(times) == {'first', 'second', 'other'}
    assert times['first']['wall'] >= 0.3
    assert all(t['cpu'] > 0 for t in times.values())
    assert (tmp_path / 'logs' / 'first.log').read_text() == 'hello\n'


def test_a_failed_stage_stops_the_demo_naming_its_log(run_demo, tmp_path):
    Stage = run_demo['Stage']
    never = tmp_path / 'never'
    stages = [Stage('bad', _py('import sys; print("boom"); sys.exit(3)')),
              Stage('later', _py(f'open({str(never)!r}, "w")'), ('bad', ))]
    with pytest.raises(RuntimeError, match=r'bad failed \(exit 3\).*bad\.log'):
        run_demo['run_stages'](stages, 1, str(tmp_path / 'logs'))
    assert not never.exists()
    assert 'boom' in (tmp_path / 'logs' / 'bad.log').read_text()
    with pytest.raises(ValueError, match='unknown'):
        run_demo['run_stages']([Stage('a', _py(''), ('b', ))], 1,
                               str(tmp_path / 'logs'))


def test_console_shows_one_line_per_stage_start_and_end(run_demo, tmp_path,
                                                       capfd):
    """A stage's own output (mmengine's environment dump, its log) goes to
    its log file only; the console gets "start" with the log's path, then
    "done in N s: <headline>" or "FAILED ... its output: <log>"."""
    Stage = run_demo['Stage']
    logs = tmp_path / 'logs'
    stages = [
        Stage('fast', _py('print("sys.platform: linux\\n" * 60)'),
              headline=lambda: 'Parsing F1 mean (%) 42.50'),
        Stage('broken', _py('import sys; print("Traceback"); sys.exit(2)'),
              ('fast', )),
    ]
    with pytest.raises(RuntimeError):
        run_demo['run_stages'](stages, 1, str(logs))
    lines = re.sub(r'in \d+ s|after \d+ s', 'N s',
                   capfd.readouterr().out).splitlines()
    assert lines == [
        f'[demo] start  fast (log: {logs}/fast.log)',
        '[demo] done   fast N s: Parsing F1 mean (%) 42.50',
        f'[demo] start  broken (log: {logs}/broken.log)',
        '[demo] FAILED stage broken failed (exit 2) N s; its output: '
        f'{logs}/broken.log',
    ]
    assert (logs / 'fast.log').read_text().count('sys.platform') == 60
    assert (logs / 'broken.log').read_text() == 'Traceback\n'


def test_demo_stages_have_headlines(run_demo, monkeypatch):
    stages = {s.name: s for s in run_demo['demo_stages']('python')}
    calls = []
    from farl_mm.utils import demo_report
    monkeypatch.setattr(demo_report, 'headline',
                        lambda *a: calls.append(a) or 'F1 1.00')
    monkeypatch.setattr(demo_report, 'final_loss',
                        lambda *a: calls.append(a) or 'loss 1.000')
    assert stages['test-parsing-farl'].headline() == 'F1 1.00'
    assert stages['pretrain'].headline() == 'loss 1.000'
    assert calls == [('parsing', 'work_dirs/demo/parsing_farl'),
                     ('work_dirs/demo/pretrain', )]
    assert stages['data-lapa'].headline is None


def test_summary_ends_with_the_metric_table(run_demo, tmp_path, capsys):
    runs = {}
    for row, f1 in (('farl', 61.25), ('scratch', 40.0)):
        test = tmp_path / row / 'test' / '20260101_000100'
        test.mkdir(parents=True)
        (test / '20260101_000100.json').write_text(json.dumps(
            {'f1_mean': f1, 'mIoU': f1 / 2}))
        runs[row] = str(tmp_path / row)
    run_demo['print_summary']({'parsing': runs}, 'work_dirs/demo/report.md')
    out = capsys.readouterr().out
    assert '| FaRL-tiny (pretrained, frozen) | 61.25 | 30.62 | n/a | n/a |' \
        in out
    assert 'Parsing F1 mean (%): 61.25 vs 40.00, FaRL-tiny ahead' in out
    assert out.rstrip().splitlines()[-3].endswith('work_dirs/demo/report.md')


def test_demo_stages_wait_for_their_data_and_the_pretraining(run_demo):
    order = [s.name for s in run_demo['demo_stages']('python')]
    stages = {s.name: s for s in run_demo['demo_stages']('python')}
    # preferred when ready: the pretraining (the longest chain) first
    assert order.index('pretrain') < order.index('data-lapa')
    assert stages['pretrain'].after == ('data-laion-face', )
    assert set(stages['train-parsing-farl'].after) == {'data-lapa',
                                                      'pretrain'}
    assert stages['train-parsing-scratch'].after == ('data-lapa', )
    assert stages['test-attributes-scratch'].after == (
        'train-attributes-scratch', )
    assert len(stages) == 4 + 1 + 12 + 1


def test_gradcam_face_wears_eyeglasses(run_demo, tmp_path):
    names = ['1.jpg', '2.jpg', '3.jpg']
    glasses = CELEBA_ATTRIBUTES.index('Eyeglasses')
    rows = []
    for name, on in zip(names, (1, -1, 1)):
        values = [-1] * 40
        values[glasses] = on
        rows.append(f'{name} ' + ' '.join(map(str, values)))
    (tmp_path / 'list_attr_celeba.txt').write_text(
        '3\n' + ' '.join(CELEBA_ATTRIBUTES) + '\n' + '\n'.join(rows) + '\n')
    (tmp_path / 'list_landmarks_align_celeba.txt').write_text(
        '3\nlx ly rx ry nx ny mlx mly mrx mry\n' + ''.join(
            f'{n} {" ".join(str(10 * i + k) for k in range(10))}\n'
            for i, n in enumerate(names)))
    (tmp_path / 'list_eval_partition.txt').write_text(
        '1.jpg 0\n2.jpg 2\n3.jpg 2\n')  # 1.jpg wears them but is train
    image, points = run_demo['eyeglasses_face'](str(tmp_path))
    assert image == osp.join(str(tmp_path), 'img_align_celeba', '3.jpg')
    assert points == '20 21 22 23 24 25 26 27 28 29'

