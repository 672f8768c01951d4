"""Write synthetic cartoon faces in a public dataset's on-disk layout.

    python tools/misc/make_synthetic_faces.py --format lapa \
        --out data/synthetic_lapa --splits train:64 val:16 test:16 \
        --size 256 --seed 0 [--preview work_dirs/synthetic_faces.png]

Each split gets its own range of sample indices (in the order given), so no
face appears in two splits and a file name (``synth_<index>``) is unique
across the whole dataset. No real face data is involved.
"""
import argparse
import os
import os.path as osp

import cv2

from farl_mm.datasets.synthetic import (SyntheticFaceGenerator, contact_sheet,
                                        overlay, write_lapa)

#: ``--format`` name -> writer with the signature of ``write_lapa``.
WRITERS = {'lapa': write_lapa}


def parse_split(text):
    """``'train:64'`` -> ``('train', 64)``."""
    name, sep, num = text.partition(':')
    if not sep or not name or not num.isdigit():
        raise argparse.ArgumentTypeError(f'expected NAME:COUNT, got {text!r}')
    return name, int(num)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--format', choices=sorted(WRITERS), default='lapa')
    parser.add_argument('--out', required=True, help='dataset root to write')
    parser.add_argument('--splits', nargs='+', type=parse_split,
                        default=[('train', 64), ('val', 16), ('test', 16)],
                        metavar='NAME:COUNT')
    parser.add_argument('--size', type=int, default=256, help='image side')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--preview', help='also save a contact sheet of the '
                        'first 16 faces with their labels overlaid here')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    writer = WRITERS[args.format]
    start = 0
    for split, num in args.splits:
        writer(args.out, split, num, seed=args.seed, size=args.size,
               start=start)
        print(f'{args.format} {split}: {num} faces '
              f'(indices {start}-{start + num - 1}) -> '
              f'{osp.join(args.out, split)}')
        start += num
    if args.preview:
        gen = SyntheticFaceGenerator(size=args.size, seed=args.seed)
        sheet = contact_sheet([overlay(gen.sample(i), alpha=0.4)
                               for i in range(min(16, start))])
        os.makedirs(osp.dirname(osp.abspath(args.preview)), exist_ok=True)
        cv2.imwrite(args.preview, sheet)
        print(f'preview -> {args.preview}')


if __name__ == '__main__':
    main()
