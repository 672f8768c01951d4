"""Locate the landmarks of one face and draw them on the photo
(single-face shortcut; demo/face_demo.py does several faces and tasks).

    python demo/face_alignment_demo.py IMAGE CONFIG CHECKPOINT \
        [--bbox x1 y1 x2 y2] --out OUT.png [--device cpu]

Without ``--bbox`` the whole photo is the face box. The landmarks are also
printed, one ``x y score`` line each, in the photo's pixel coordinates.
"""
import argparse

import farl_mm  # noqa: F401  (compatibility patches, registries)
from farl_mm.apis import align_face, draw_landmarks, init_face_aligner
from farl_mm.apis.face_tasks import write_image
from farl_mm.apis.photo_inputs import read_photo


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('image')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--bbox', type=float, nargs=4,
                        metavar=('X1', 'Y1', 'X2', 'Y2'),
                        help='face box in the photo (default: whole photo)')
    parser.add_argument('--out', required=True, help='drawing (.png)')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args()


def main():
    args = parse_args()
    img = read_photo(args.image)
    model = init_face_aligner(args.config, args.checkpoint, args.device)
    points, scores = align_face(model, img, args.bbox, where=args.image)
    for (x, y), s in zip(points, scores):
        print(f'{x:.2f} {y:.2f} {s:.3f}')
    write_image(args.out, draw_landmarks(img, points, args.bbox))
    print(f'{len(points)} landmarks -> {args.out}')


if __name__ == '__main__':
    main()
