"""Parse one face photo and write its label map and a coloured overlay
(single-face shortcut; demo/face_demo.py does several faces and tasks).

    python demo/face_parsing_demo.py IMAGE CONFIG CHECKPOINT --out OUT.png \
        [--points x1 y1 ... x5 y5 | --landmarks FILE.txt] [--device cpu]

The five points are the left eye, right eye, nose tip, left and right
mouth corners in the photo (e.g. from a face detector); ``--landmarks``
reads a LaPa 106-point file instead. With neither, the whole photo is the
face. ``OUT.png`` holds class ids at the photo's resolution;
``OUT_overlay.png`` (or ``--overlay``) the colours over the photo.
"""
import argparse
import os.path as osp

import numpy as np

import farl_mm  # noqa: F401  (compatibility patches, registries)
from farl_mm.apis import colour_overlay, init_face_parser, parse_face
from farl_mm.apis.face_tasks import write_image
from farl_mm.apis.photo_inputs import read_photo
from farl_mm.datasets.landmark_files import read_landmarks_txt
from farl_mm.geometry import LAPA106_TO_5


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('image')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', required=True, help='label map (.png)')
    parser.add_argument('--overlay', help='overlay image path')
    points = parser.add_mutually_exclusive_group()
    points.add_argument('--points', type=float, nargs=10,
                        metavar='XY', help='5 landmarks: x1 y1 ... x5 y5')
    points.add_argument('--landmarks', help="LaPa's 106-point .txt file")
    parser.add_argument('--device', default='cpu')
    return parser.parse_args()


def main():
    args = parse_args()
    img = read_photo(args.image)
    points5 = None
    if args.points is not None:
        points5 = np.array(args.points).reshape(5, 2)
    elif args.landmarks is not None:
        points5 = read_landmarks_txt(args.landmarks)[list(LAPA106_TO_5)]
    model = init_face_parser(args.config, args.checkpoint, args.device)
    label = parse_face(model, img, points5, where=args.image)
    overlay = args.overlay or osp.splitext(args.out)[0] + '_overlay.png'
    write_image(args.out, label)
    write_image(overlay, colour_overlay(img, label,
                                        model.dataset_meta['palette']))
    print(f'labels -> {args.out}, overlay -> {overlay}')


if __name__ == '__main__':
    main()
