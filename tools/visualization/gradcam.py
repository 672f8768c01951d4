"""Grad-CAM of FaRL's image tower for a text query (paper §4.7, Figure 5)::

    python tools/visualization/gradcam.py face.jpg CHECKPOINT \
        --text "sunglasses" --out gradcam.png \
        [--landmarks "x1 y1 x2 y2 x3 y3 x4 y4 x5 y5"]

CHECKPOINT is an authors' FaRL file or a farl_mm pretraining checkpoint
(``FaRLEncoder.from_checkpoint``). With ``--landmarks`` (left eye, right
eye, nose, left and right mouth corner) the face is first aligned to FaRL's
mean face, as in pretraining; without, the image is taken as already
aligned and resized. The output shows the face the tower saw and the heat
map over it, side by side.
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np

from farl_mm.apis.encoder import FaRLEncoder
from farl_mm.apis.zero_shot import face_pixels, gradcam, heat_overlay


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='FaRL Grad-CAM')
    parser.add_argument('image')
    parser.add_argument('checkpoint')
    parser.add_argument('--text', required=True, help='the query')
    parser.add_argument('--out', required=True, help='output PNG')
    parser.add_argument('--landmarks', help='10 numbers: 5 points x y')
    parser.add_argument('--scale', type=float, default=1.0,
                        help='face scale of the alignment')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    image = cv2.imread(args.image)
    if image is None:
        raise FileNotFoundError(f'cannot read image {args.image}')
    points = None
    if args.landmarks:
        points = np.array(args.landmarks.replace(',', ' ').split(), float)
        if points.size != 10:
            raise ValueError('--landmarks needs 10 numbers (5 points x y), '
                             f'got {points.size}')
        points = points.reshape(5, 2)
    encoder = FaRLEncoder.from_checkpoint(args.checkpoint, args.device)
    size = encoder.image_encoder.patch_resolution[0] * \
        encoder.image_encoder.patch_embed.projection.stride[0]
    pixels, rgb = face_pixels(image, size, points, args.scale)
    heat = gradcam(encoder, pixels, args.text)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, heat_overlay(rgb, heat)[..., ::-1])
    print(f'wrote {args.out}')
    return heat, rgb


if __name__ == '__main__':
    main()
