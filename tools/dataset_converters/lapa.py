"""Check the LaPa release and lay it out where the configs look.

    python tools/dataset_converters/lapa.py /path/to/LaPa --out data/lapa \
        [--copy] [--check-labels]

LaPa already ships ``{train,val,test}/{images,labels,landmarks}``; this
checks every image has its label and a 106-point landmark file (the
alignment needs them), optionally that each label matches its image's size
and holds only classes 0-10, then links (or copies) the three folders'
files under ``--out``. Problems are listed by file before anything is
written.
"""
import argparse
import os
import os.path as osp
import shutil

import numpy as np
from PIL import Image

from farl_mm.datasets.landmark_files import read_landmarks_txt

SPLITS = ('train', 'val', 'test')
NUM_CLASSES = 11
NUM_LANDMARKS = 106


def split_files(src, split):
    """``[(image, label, landmarks), ...]`` of one split, and problems."""
    img_dir = osp.join(src, split, 'images')
    files, problems = [], []
    for name in sorted(os.listdir(img_dir)):
        stem, ext = osp.splitext(name)
        if ext.lower() != '.jpg':
            continue
        label = osp.join(src, split, 'labels', stem + '.png')
        landmarks = osp.join(src, split, 'landmarks', stem + '.txt')
        missing = [p for p in (label, landmarks) if not osp.isfile(p)]
        if missing:
            problems.extend(f'{p}: missing' for p in missing)
            continue
        try:
            points = read_landmarks_txt(landmarks)
        except ValueError as err:
            problems.append(f'{landmarks}: {err}')
            continue
        if len(points) != NUM_LANDMARKS:
            problems.append(f'{landmarks}: {len(points)} points, expected '
                            f'{NUM_LANDMARKS}')
            continue
        files.append((osp.join(img_dir, name), label, landmarks))
    return files, problems


def check_label(image, label):
    """A problem string, or None: label size and class range."""
    with Image.open(image) as img:
        size = img.size
    lab = np.asarray(Image.open(label))
    if lab.ndim != 2 or lab.shape[::-1] != size:
        return f'{label}: shape {lab.shape}, image is {size[::-1]}'
    if lab.max(initial=0) >= NUM_CLASSES:
        return f'{label}: class {lab.max()} >= {NUM_CLASSES}'
    return None


def convert(src, out, copy=False, check_labels=False):
    """Check and place every split found in ``src``; ``{split: count}``."""
    found = [s for s in SPLITS if osp.isdir(osp.join(src, s, 'images'))]
    if not found:
        raise FileNotFoundError(
            f'no {{train,val,test}}/images under {src}: pass the extracted '
            'LaPa folder')
    plan, problems = {}, []
    for split in found:
        files, errs = split_files(src, split)
        problems += errs
        if check_labels:
            problems += filter(None, (check_label(i, lab)
                                      for i, lab, _ in files))
        plan[split] = files
    if problems:
        shown = '\n  '.join(problems[:20])
        raise ValueError(f'{len(problems)} problem(s) in {src}:\n  {shown}')
    if osp.abspath(src) != osp.abspath(out):
        for split, files in plan.items():
            for triple in files:
                for path, kind in zip(triple,
                                      ('images', 'labels', 'landmarks')):
                    _place(path, osp.join(out, split, kind), copy)
    return {split: len(files) for split, files in plan.items()}


def _place(path, dst_dir, copy):
    os.makedirs(dst_dir, exist_ok=True)
    dst = osp.join(dst_dir, osp.basename(path))
    if osp.lexists(dst):
        os.remove(dst)
    if copy:
        shutil.copy2(path, dst)
    else:
        os.symlink(osp.abspath(path), dst)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='the extracted LaPa folder')
    parser.add_argument('--out', default='data/lapa')
    parser.add_argument('--copy', action='store_true',
                        help='copy the files instead of symlinking them')
    parser.add_argument('--check-labels', action='store_true',
                        help='also read every label (size, class range)')
    args = parser.parse_args()
    counts = convert(args.src, args.out, args.copy, args.check_labels)
    for split, num in counts.items():
        print(f'{split}: {num} faces -> {osp.join(args.out, split)}')


if __name__ == '__main__':
    main()
