"""Write synthetic cartoon faces in a public dataset's on-disk layout.

    python tools/misc/make_synthetic_faces.py --format FORMAT --out DIR \
        [--splits NAME:COUNT ...] [--size S] [--seed K] [--preview PNG]

The files are those of the real download (and, where farl_mm reads
converted files, the converter's output next to them), so the real configs
and loaders read them unchanged. ``--out`` takes the config's
``data_root``; the tiny configs (``configs/farl/*_tiny_synthetic.py``) name
their command in their header. Formats, splits (default counts), and what
``--out`` then holds:

lapa: train val test (64 16 16), default --size 256
    {split}/{images,labels,landmarks}
celebamask-hq: train val test (64 16 16)
    the release in CelebAMask-HQ/ (photos 2 x --size), converted into
    {split}/{images,labels} (--size)
aflw19: train test (96 24)
    AFLWinfo_release.mat, flickr/, annotations/face_landmarks_aflw19_*.json
wflw: train test (96 24)
    WFLW_images/, WFLW_annotations/, annotations/face_landmarks_wflw_*.json
300w: train test (96 24), test half common, half challenge
    images/, HRNet's csv lists, annotations/face_landmarks_300w_*.json
celeba: train val test (480 96 96)
    img_align_celeba/, list_{attr_celeba,eval_partition,
    landmarks_align_celeba}.txt
lfwa: train test (96 32)
    lfw/, lfw_att_40.mat, indices_train_test.mat, landmarks_5.txt and
    their conversion list_{attr,eval_partition,landmarks}_lfwa.txt
fairface: train val (96 32)
    {train,val}/*.jpg, fairface_label_{train,val}.csv
laion-face: train (2048)
    tar shards of --samples-per-shard samples and sizes.json (the writer
    of tools/dataset_converters/laion_face_shards.py --synthetic)

Splits left out of ``--splits`` get no faces. Each split gets its own range
of sample indices (in the order written), so no face appears in two splits.
No real face data is involved.
"""
import argparse
import os
import os.path as osp
import runpy
from typing import Callable, NamedTuple

import cv2

from farl_mm.synthetic import (SyntheticFaceGenerator, contact_sheet,
                               overlay)
from farl_mm.synthetic.writers import (write_300w_csv, write_aflw_mat,
                                       write_celeba, write_celebamask_hq,
                                       write_fairface, write_lapa, write_lfwa,
                                       write_synthetic_samples, write_wflw)

CONVERTERS = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                      'dataset_converters')


def converter(script, function):
    """A function of a converter script (``tools`` is not a package)."""
    return runpy.run_path(osp.join(CONVERTERS, script))[function]


def lapa(out, n, size, seed, args):
    start = 0
    for split, num in n.items():
        write_lapa(out, split, num, seed=seed, size=size, start=start)
        print(f'lapa {split}: {num} faces (indices {start}-{start + num - 1})'
              f' -> {osp.join(out, split)}')
        start += num


def celebamask_hq(out, n, size, seed, args):
    release = osp.join(out, 'CelebAMask-HQ')
    write_celebamask_hq(release, n, seed=seed, size=size)
    converter('celebamask_hq.py', 'convert')(release, out, size=size)


def aflw19(out, n, size, seed, args):
    write_aflw_mat(out, n['train'] + n['test'], seed, size)
    converter('aflw19.py', 'convert')(
        osp.join(out, 'AFLWinfo_release.mat'), osp.join(out, 'flickr'),
        osp.join(out, 'annotations'), num_train=n['train'])


def wflw(out, n, size, seed, args):
    write_wflw(out, n['train'], n['test'], seed, size)
    converter('wflw.py', 'convert')(
        osp.join(out, 'WFLW_annotations', 'list_98pt_rect_attr_train_test'),
        osp.join(out, 'WFLW_images'), osp.join(out, 'annotations'))


def w300(out, n, size, seed, args):
    common = (n['test'] + 1) // 2
    write_300w_csv(out, n['train'], common, n['test'] - common, seed=seed,
                   size=size)
    converter('300w.py', 'convert')(out, osp.join(out, 'images'),
                                    osp.join(out, 'annotations'))


def celeba(out, n, size, seed, args):
    write_celeba(out, n['train'], n['val'], n['test'], seed=seed, size=size)


def lfwa(out, n, size, seed, args):
    write_lfwa(out, n['train'], n['test'], seed=seed, size=size)
    converter('lfwa.py', 'convert_lfwa')(
        out, landmarks=osp.join(out, 'landmarks_5.txt'))


def fairface(out, n, size, seed, args):
    write_fairface(out, n['train'], n['val'], seed=seed, size=size)


def laion_face(out, n, size, seed, args):
    write_synthetic_samples(out, n['train'], args.samples_per_shard,
                            size=size, seed=seed)


class Format(NamedTuple):
    write: Callable  # (out, {split: count}, size, seed, args)
    splits: dict  # split -> default count, in writing order
    size: int = 128  # default image side


FORMATS = {
    'lapa': Format(lapa, dict(train=64, val=16, test=16), 256),
    'celebamask-hq': Format(celebamask_hq, dict(train=64, val=16, test=16)),
    'aflw19': Format(aflw19, dict(train=96, test=24)),
    'wflw': Format(wflw, dict(train=96, test=24)),
    '300w': Format(w300, dict(train=96, test=24)),
    'celeba': Format(celeba, dict(train=480, val=96, test=96)),
    'lfwa': Format(lfwa, dict(train=96, test=32)),
    'fairface': Format(fairface, dict(train=96, val=32)),
    'laion-face': Format(laion_face, dict(train=2048)),
}
#: Formats whose splits are folders of their own: only the listed ones are
#: written, in the order given. The others' writers take every split.
FOLDER_SPLITS = ('lapa', 'celebamask-hq')


def parse_split(text):
    """``'train:64'`` -> ``('train', 64)``."""
    name, sep, num = text.partition(':')
    if not sep or not name or not num.isdigit():
        raise argparse.ArgumentTypeError(f'expected NAME:COUNT, got {text!r}')
    return name, int(num)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        epilog=__doc__.split('\n\n', 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--format', choices=list(FORMATS), default='lapa')
    parser.add_argument('--out', required=True,
                        help="dataset root to write (the config's data_root)")
    parser.add_argument('--splits', nargs='+', type=parse_split,
                        metavar='NAME:COUNT',
                        help="faces per split (default: the format's)")
    parser.add_argument('--size', type=int,
                        help='image side (default 256 for lapa, else 128)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--samples-per-shard', type=int, default=64,
                        help='laion-face: samples per tar shard')
    parser.add_argument('--preview', help='also save a contact sheet of the '
                        'first 16 faces with their labels overlaid here')
    args = parser.parse_args(argv)
    spec = FORMATS[args.format]
    given = dict(args.splits or spec.splits.items())
    unknown = sorted(set(given) - set(spec.splits))
    if unknown or len(given) != len(args.splits or given):
        parser.error(f'--format {args.format} has the splits '
                     f'{list(spec.splits)}, each named once; got '
                     f'{[name for name, _ in args.splits]}')
    if args.format in FOLDER_SPLITS:
        args.counts = {k: v for k, v in given.items() if v}
    else:
        args.counts = {k: given.get(k, 0) for k in spec.splits}
    if args.size is None:
        args.size = spec.size
    return args


def main(argv=None):
    args = parse_args(argv)
    FORMATS[args.format].write(args.out, args.counts, args.size, args.seed,
                               args)
    total = sum(args.counts.values())
    print(f'{args.format}: ' + ', '.join(
        f'{split} {num}' for split, num in args.counts.items()) +
        f' faces ({args.size} px, seed {args.seed}) -> {args.out}')
    if args.preview:
        gen = SyntheticFaceGenerator(size=args.size, seed=args.seed)
        sheet = contact_sheet([overlay(gen.sample(i), alpha=0.4)
                               for i in range(min(16, total))])
        os.makedirs(osp.dirname(osp.abspath(args.preview)), exist_ok=True)
        cv2.imwrite(args.preview, sheet)
        print(f'preview -> {args.preview}')
    return args.counts


if __name__ == '__main__':
    main()
