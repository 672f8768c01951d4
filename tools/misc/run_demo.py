"""`make demo`: the whole FaRL story on generated faces, on a CPU.

    python tools/misc/run_demo.py [--jobs N] [--report-only]

1. writes synthetic LAION-Face-style shards and LaPa / AFLW-19 / CelebA
   sets (``tools/misc/make_synthetic_faces.py``) under ``data/demo/``;
2. pretrains a tiny FaRL, contrastive + MIM
   (``configs/demo/farl_vit-tiny_demo_pretrain.py``);
3. transfers it, backbone frozen, to parsing, alignment and attributes,
   and trains the same three heads on a random frozen backbone (the
   "Scratch" row), all with ``tools/train.py``;
4. tests each run with ``tools/test.py`` (metrics and a ``--dump``);
5. writes ``work_dirs/demo/report.md``: the metric table, the time of each
   stage, the commands, and figures (parsing overlays, landmarks, attribute
   bars, Grad-CAM, loss curves).

Every stage is a subprocess; up to ``--jobs`` run at a time (default: 2, or 1
on one core), each with ``cores / jobs`` BLAS threads, in dependency order.
The console shows one line when a stage starts (with its log file under
``work_dirs/demo/logs/``, which holds its whole output) and one when it ends:
done in N s with its headline metric (loss, or test metric), or failed,
naming its log, which stops the demo. The metric table ends the output.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Callable, NamedTuple, Optional, Sequence, Union

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
WORK_DIR = 'work_dirs/demo'  # the configs' checkpoint path lives here
DATA_ROOT = 'data/demo'  # the configs' data roots live here
PRETRAIN_CONFIG = 'configs/demo/farl_vit-tiny_demo_pretrain.py'
#: format -> (folder under DATA_ROOT, --splits, extra arguments)
DATA = {
    'laion-face': ('laion_face', ['train:1024'],
                   ['--samples-per-shard', '64']),
    'lapa': ('lapa', ['train:128', 'test:32'], []),
    'aflw19': ('aflw19', ['train:192', 'test:32'], []),
    'celeba': ('celeba', ['train:480', 'val:0', 'test:96'], []),
}
#: task -> (data format, config; `{}` takes '' or '_scratch')
TASKS = {
    'parsing': ('lapa', 'configs/demo/lapa_upernet_tiny_demo{}.py'),
    'alignment': ('aflw19', 'configs/demo/aflw19_upernet_tiny_demo{}.py'),
    'attributes': ('celeba',
                   'configs/demo/celeba_attributes_tiny_demo{}.py'),
}
ROWS = {'farl': '', 'scratch': '_scratch'}
GRADCAM_TEXT = 'a face wearing eyeglasses'


class Stage(NamedTuple):
    """One subprocess; ``argv`` may be a function, called when the stage
    starts, for paths that earlier stages write; ``headline``, called when
    it succeeds, gives the text of its "done" line (e.g. its metric)."""
    name: str
    argv: Union[Sequence[str], Callable[[], Sequence[str]]]
    after: tuple = ()
    headline: Optional[Callable[[], str]] = None


def last_checkpoint(run_dir):
    """The checkpoint mmengine recorded as the run's last (relative to the
    repository, as the report lists the commands)."""
    with open(osp.join(run_dir, 'last_checkpoint')) as f:
        return osp.relpath(f.read().strip(), REPO)


def run_dir(task, row):
    return osp.join(WORK_DIR, f'{task}_{row}')


def demo_stages(python=sys.executable):
    """The demo's stages, in the order they are preferred when several
    are ready (the pretraining chain is the longest, so it goes first)."""
    stages = [Stage(f'data-{fmt}', [
        python, 'tools/misc/make_synthetic_faces.py', '--format', fmt,
        '--out', osp.join(DATA_ROOT, folder), '--size', '128',
        '--splits', *splits, *extra])
        for fmt, (folder, splits, extra) in DATA.items()]
    pretrain = osp.join(WORK_DIR, 'pretrain')
    stages.insert(1, Stage('pretrain', [  # as soon as its shards are there
        python, 'tools/train.py', PRETRAIN_CONFIG, '--work-dir', pretrain],
        ('data-laion-face', ), _report('final_loss', pretrain)))
    for row in ROWS:  # FaRL first: it waits for the pretraining
        for task, (fmt, config) in TASKS.items():
            config = config.format(ROWS[row])
            out = run_dir(task, row)
            after = (f'data-{fmt}', ) + (('pretrain', ) if row == 'farl'
                                          else ())
            stages.append(Stage(
                f'train-{task}-{row}',
                _train_argv(python, config, out, row == 'farl'), after,
                _report('final_loss', out)))
            stages.append(Stage(
                f'test-{task}-{row}',
                _test_argv(python, config, out), (f'train-{task}-{row}', ),
                _report('headline', task, out)))
    stages.append(Stage('gradcam', _gradcam_argv(python),
                        ('pretrain', 'data-celeba')))
    return stages


def _report(name, *args):
    """A stage's headline: ``farl_mm.utils.demo_report.<name>(*args)``,
    imported when it is called (the demo starts before farl_mm loads)."""
    def headline():
        from farl_mm.utils import demo_report
        return getattr(demo_report, name)(*args)
    return headline


def _train_argv(python, config, out, pretrained):
    def argv():
        args = [python, 'tools/train.py', config, '--work-dir', out]
        if pretrained:  # whatever the pretraining wrote last
            ckpt = last_checkpoint(osp.join(WORK_DIR, 'pretrain'))
            args += ['--cfg-options',
                     f'model.backbone.init_cfg.checkpoint={ckpt}']
        return args
    return argv


def _test_argv(python, config, out):
    def argv():
        return [python, 'tools/test.py', config, last_checkpoint(out),
                '--work-dir', osp.join(out, 'test'),
                '--dump', osp.join(out, 'preds.pkl')]
    return argv


def _gradcam_argv(python):
    """Grad-CAM of the pretrained towers on the first CelebA-format test
    face that wears eyeglasses, aligned by its own 5 landmarks."""
    def argv():
        image, points = eyeglasses_face(osp.join(DATA_ROOT, 'celeba'))
        return [python, 'tools/visualization/gradcam.py', image,
                last_checkpoint(osp.join(WORK_DIR, 'pretrain')),
                '--text', GRADCAM_TEXT, '--landmarks', points,
                '--out', osp.join(WORK_DIR, 'figures', 'gradcam.png')]
    return argv


def eyeglasses_face(root):
    """``(image path, '10 numbers')`` of the first test face (CelebA
    partition 2) with Eyeglasses = 1 (the first test face if none)."""
    from farl_mm.datasets.celeba import read_celeba_table, read_partition
    columns, names, attrs = read_celeba_table(
        osp.join(root, 'list_attr_celeba.txt'))
    _, mark_names, marks = read_celeba_table(
        osp.join(root, 'list_landmarks_align_celeba.txt'))
    marks = dict(zip(mark_names, marks))
    partition = read_partition(osp.join(root, 'list_eval_partition.txt'))
    test = [i for i, n in enumerate(names) if partition.get(n) == 2]
    if not test:
        raise RuntimeError(f'{root}/list_eval_partition.txt has no test face')
    col = columns.index('Eyeglasses')
    pick = names[next((i for i in test if attrs[i, col] > 0), test[0])]
    return (osp.join(root, 'img_align_celeba', pick),
            ' '.join(f'{v:g}' for v in marks[pick]))


def say(text):
    """One progress line of the demo (the stages' output goes to logs)."""
    print(f'[demo] {text}', flush=True)


def _headline(stage):
    """`` : <headline>`` of a finished stage, or '' if it has none or its
    output cannot be read (the report will say what is missing)."""
    if stage.headline is None:
        return ''
    try:
        return f': {stage.headline()}'
    except (OSError, ValueError, KeyError, StopIteration) as err:
        return f' (no headline: {err})'


def run_stages(stages, jobs, log_dir, env=None):
    """Run ``stages`` (dependencies first, ``jobs`` at a time), each one's
    output in ``log_dir/<name>.log``, one console line at its start and
    one at its end.

    Returns:
        dict: ``name -> dict(wall=s, cpu=s, argv=[...])``.
    """
    os.makedirs(log_dir, exist_ok=True)
    todo = list(stages)
    known = {s.name for s in stages}
    for stage in stages:
        missing = set(stage.after) - known
        if missing:
            raise ValueError(f'stage {stage.name} waits for unknown '
                             f'{sorted(missing)}')
    done, running, times = set(), {}, {}
    try:
        while todo or running:
            ready = [s for s in todo if set(s.after) <= done]
            while ready and len(running) < jobs:
                stage = ready.pop(0)
                todo.remove(stage)
                argv = [str(a) for a in (stage.argv() if callable(stage.argv)
                                         else stage.argv)]
                log_path = osp.join(log_dir, f'{stage.name}.log')
                say(f'start  {stage.name} (log: {log_path})')
                with open(log_path, 'w') as log:
                    proc = subprocess.Popen(
                        argv, cwd=REPO, env=env, stdout=log,
                        stderr=subprocess.STDOUT)
                running[proc.pid] = (stage, proc, time.time(), argv,
                                     log_path)
            if not running:
                raise RuntimeError('stages wait for each other: '
                                   f'{[s.name for s in todo]}')
            pid, status, usage = os.wait4(-1, 0)
            if pid not in running:
                continue
            stage, proc, start, argv, log_path = running.pop(pid)
            proc.returncode = os.waitstatus_to_exitcode(status)
            wall = time.time() - start
            times[stage.name] = dict(
                wall=wall, cpu=usage.ru_utime + usage.ru_stime, argv=argv)
            if proc.returncode:
                message = (f'stage {stage.name} failed (exit '
                           f'{proc.returncode}) after {wall:.0f} s; its '
                           f'output: {log_path}')
                say(f'FAILED {message}')
                raise RuntimeError(message)
            say(f'done   {stage.name} in {wall:.0f} s{_headline(stage)}')
            done.add(stage.name)
    finally:
        for _, proc, *_ in running.values():
            proc.terminate()
            proc.wait()
    return times


def child_env(jobs):
    """Each stage gets ``cores / jobs`` threads (one per core in all)."""
    threads = str(max(1, (os.cpu_count() or 1) // jobs))
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    for key in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        env.setdefault(key, threads)
    return env


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0], epilog=__doc__.split('\n\n', 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        '--jobs', type=int, default=min(2, os.cpu_count() or 1),
        help='stages run at the same time (default: 2, or 1 on one core)')
    parser.add_argument(
        '--report-only', action='store_true',
        help='rewrite the report from the runs already in work_dirs/demo')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    os.chdir(REPO)
    times_file = osp.join(WORK_DIR, 'stage_times.json')
    start = time.time()
    if args.report_only:
        times = None
        if osp.isfile(times_file):
            with open(times_file) as f:
                times = json.load(f)
    else:
        times = run_stages(demo_stages(), args.jobs,
                           osp.join(WORK_DIR, 'logs'), child_env(args.jobs))
        times['all stages'] = dict(
            wall=time.time() - start,
            cpu=sum(t['cpu'] for t in times.values()))
        with open(times_file, 'w') as f:
            json.dump(times, f, indent=1)
    say('writing the report')
    from farl_mm.utils.demo_report import write_report
    runs = {task: {row: run_dir(task, row) for row in ROWS}
            for task in TASKS}
    report = write_report(
        WORK_DIR, runs, times, pretrain_dir=osp.join(WORK_DIR, 'pretrain'),
        gradcam=osp.join(WORK_DIR, 'figures', 'gradcam.png'),
        gradcam_text=GRADCAM_TEXT)
    say(f'finished in {time.time() - start:.0f} s')
    print_summary(runs, report)
    return report


def print_summary(runs, report):
    """The metric table and verdicts of the report, and where it is."""
    from farl_mm.utils.demo_report import metric_table, test_metrics
    table, verdicts = metric_table(
        {task: {row: test_metrics(d) for row, d in rows.items()}
         for task, rows in runs.items()})
    print('', table, *(f'- {v}' for v in verdicts), '', sep='\n')
    say(f'report: {osp.join(REPO, report)}')
    say(f'figures: {osp.join(REPO, WORK_DIR, "figures")}/')
    say(f'full logs: {osp.join(REPO, WORK_DIR, "logs")}/')


if __name__ == '__main__':
    main()
