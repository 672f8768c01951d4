"""Check a prepared dataset before training; every problem names its file.

    python tools/misc/check_dataset.py CONFIG [--split train|val|test|all]
        [--cfg-options KEY=VALUE ...] [--max-errors N] [--[no-]full]

Builds the config's dataset(s) (``data_root``, prefixes and annotation
files as the config gives them) and checks every sample without running
the pipeline: missing files (image, label, landmark file), label values
outside the classes (or the ignore index 255), label / image size
mismatch, landmark count and NaN / inf coordinates, 5-point landmarks that
give a degenerate alignment (coincident or collinear), attribute values
and FairFace classes. Label maps and landmark files are read; images are
decoded to their end (a truncated JPEG has a sound header) with --full,
the default for datasets of at most 10000 samples, else only their
headers are read. The checks are those the datasets run while loading
(``farl_mm/datasets/checks.py``); this lists them all instead of
stopping at the first. LAION-Face shard datasets get their own checks
(``farl_mm/datasets/laion_face_checks.py``): every shard present and
readable to its end with the count ``sizes.json`` gives, every sample's
members decode (the image fully with --full), the faces the pipeline may
crop align. Prints each problem, a count per check, and exits with
status 1 if there is any.
"""
import argparse
import copy
import sys

from mmengine.config import DictAction

import farl_mm  # noqa: F401  (registries, compatibility patches)
from farl_mm.datasets.checks import (CHECKS, MISSING, UNREADABLE,
                                     CheckedDataset, Problem,
                                     count_by_check, decoded_image_problems,
                                     image_problems, parsing_sample_problems)
from farl_mm.utils import load_config

SPLITS = ('train', 'val', 'test')
FULL_DECODE_LIMIT = 10000  # --full by default up to this many samples


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n\n', 2)[2])
    parser.add_argument('config')
    parser.add_argument('--split', choices=[*SPLITS, 'all'], default='all',
                        help="whose dataloader's dataset to check")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value')
    parser.add_argument('--max-errors', type=int, default=100,
                        help='stop after this many problems (0: never)')
    parser.add_argument(
        '--full', action=argparse.BooleanOptionalAction, default=None,
        help='decode every image to its end, which finds truncated files '
        '(--no-full: read headers only); default: on for a dataset of at '
        f'most {FULL_DECODE_LIMIT} samples, off above')
    args = parser.parse_args(argv)
    args.launcher, args.local_rank, args.work_dir = 'none', 0, None
    return args


def leaf_datasets(cfg):
    """Dataset configs inside wrappers (few-shot, concat, repeat)."""
    if 'datasets' in cfg:
        return [d for sub in cfg['datasets'] for d in leaf_datasets(sub)]
    if 'dataset' in cfg:
        return leaf_datasets(cfg['dataset'])
    return [cfg]


def dataset_class(dataset_cfg):
    """The class ``dataset_cfg`` builds, looked up as build() does."""
    from mmengine.registry import DATASETS
    cls = dataset_cfg['type']
    if isinstance(cls, str):  # the default scope first
        with DATASETS.switch_scope_and_registry(None) as registry:
            cls = registry.get(cls)
    return cls


def build_unchecked(dataset_cfg, problems):
    """The dataset of ``dataset_cfg``, its load-time problems collected
    into ``problems``; None when it cannot be built at all or is neither
    a list of samples (an mmengine ``BaseDataset``) nor LAION-Face
    shards."""
    from mmengine.dataset import BaseDataset
    from mmengine.registry import DATASETS

    from farl_mm.datasets import LAIONFaceDataset
    cls = dataset_class(dataset_cfg)
    if not (isinstance(cls, type) and
            issubclass(cls, (BaseDataset, LAIONFaceDataset))):
        print(f'  {dataset_cfg["type"]} is neither an mmengine BaseDataset '
              'nor LAION-Face shards: skipped')
        return None
    where = f'{dataset_cfg["type"]}(data_root=' \
        f'{dataset_cfg.get("data_root")!r})'
    try:
        if issubclass(cls, LAIONFaceDataset):
            return DATASETS.build(dataset_cfg)
        dataset = DATASETS.build(dict(dataset_cfg, lazy_init=True))
        if isinstance(dataset, CheckedDataset):
            dataset.problem_sink = problems
        dataset.full_init()
    except (OSError, ValueError, KeyError, AssertionError) as err:
        check = MISSING if isinstance(err, FileNotFoundError) else UNREADABLE
        problems.append(Problem(check, where, str(err).strip()))
        return None
    return dataset


def sample_problems(dataset, info):
    """The dataset's own per-sample checks; for other datasets the image
    and, with a label map, the parsing checks."""
    if isinstance(dataset, CheckedDataset):
        return dataset.sample_problems(info)
    if info.get('seg_map_path'):
        return parsing_sample_problems(
            info, len(dataset.metainfo.get('classes', ())) or 256)
    return image_problems(info['img_path']) if 'img_path' in info else []


def decode_problems(info, found):
    """Full decodes of the sample's image and label map, but of files
    ``found`` already has a problem with (missing, bad header)."""
    problems = []
    for key in ('img_path', 'seg_map_path'):
        path = info.get(key)
        if path and not any(p.path == path for p in found):
            problems += decoded_image_problems(path)
    return problems


def check_dataset(dataset_cfg, max_errors=0, full=None):
    """``(number of samples, problems, samples checked, full)`` of one
    dataset config; it stops once ``max_errors`` (if not 0) problems are
    found. ``full`` None: images are decoded if there are at most
    :data:`FULL_DECODE_LIMIT` samples."""
    from farl_mm.datasets import LAIONFaceDataset
    from farl_mm.datasets.laion_face_checks import shard_problems
    problems = []
    dataset = build_unchecked(copy.deepcopy(dataset_cfg), problems)
    if dataset is None:
        return 0, problems, 0, full
    num = dataset.num_samples if isinstance(
        dataset, LAIONFaceDataset) else len(dataset)
    full = num <= FULL_DECODE_LIMIT if full is None else full
    if isinstance(dataset, LAIONFaceDataset):
        read, found = shard_problems(dataset, full, max_errors)
        stopped = max_errors and len(found) >= max_errors
        return num, found, read if stopped else num, full
    found = dict.fromkeys(problems)  # ordered, each problem once (a file
    checked = 0                       # missing at load is missing later)
    while checked < num and not (max_errors and len(found) >= max_errors):
        info = dataset.get_data_info(checked)
        sample = list(sample_problems(dataset, info))
        if full:
            sample += decode_problems(info, sample)
        found.update(dict.fromkeys(sample))
        checked += 1
    return num, list(found), checked, full


def split_datasets(cfg, splits):
    """``(split, dataset config)`` of the splits' loaders, each dataset
    once (``test_dataloader`` is often ``val_dataloader``)."""
    seen = []
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader or not loader.get('dataset'):
            print(f'{split}: no {split}_dataloader.dataset in the config')
            continue
        for dataset_cfg in leaf_datasets(loader['dataset']):
            if dataset_cfg in seen:
                print(f'{split}: same dataset as checked above')
            else:
                seen.append(dataset_cfg)
                yield split, dataset_cfg


def main(argv=None):
    """Check the config's datasets; returns the exit status."""
    from mmengine.registry import init_default_scope
    args = parse_args(argv)
    cfg = load_config(args)
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    splits = SPLITS if args.split == 'all' else (args.split, )
    problems = []
    for split, dataset_cfg in split_datasets(cfg, splits):
        budget = args.max_errors and args.max_errors - len(problems)
        num, found, checked, full = check_dataset(dataset_cfg, budget,
                                                  args.full)
        images = 'decoded' if full else 'headers only (--full decodes them)'
        print(f'{split}: {dataset_cfg.get("type")}, {num} samples, '
              f'{len(found)} problem(s); images: {images}')
        for problem in found:
            print('  ' + str(problem).replace('\n', '\n    '))
        problems += found
        if checked < num or (args.max_errors and
                             len(problems) >= args.max_errors):
            print(f'stopped after {len(problems)} problems (--max-errors '
                  f'{args.max_errors}): {num - checked} samples of {split} '
                  'and any later split not checked')
            break
    counts = count_by_check(problems)
    print('summary:')
    for check in [*CHECKS, *(c for c in counts if c not in CHECKS)]:
        print(f'  {check:<22} {counts.get(check, 0) or "ok"}')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
