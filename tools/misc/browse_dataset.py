"""See what the model is trained on, as mmseg's / mmpose's browse_dataset::

    python tools/misc/browse_dataset.py CONFIG [--output-dir DIR] [--num N]
        [--split train|val|test] [--opacity A] [--show]
        [--cfg-options KEY=VALUE ...]

For each of the first N samples, the pipeline's output before packing is
drawn twice:
  ``NNN_STEM_input.png``  the image the model sees (FaRL's alignment,
                          jitter and tanh warp; mmpose's crop) with its
                          labels (dataset palette) or landmarks drawn;
  ``NNN_STEM_photo.png``  the photo with those same labels / landmarks
                          mapped back by the inverse of the sample's warp
                          (``face_warp``, mmpose's ``TopdownAffine`` crop,
                          a plain resize; a flip undone): where they land
                          on the photo is how the warp is checked.
A flipped pose sample is drawn on the mirrored photo (mmpose flips the
photo before cropping). ``farl_mm`` is imported first, so the mmcv-lite
stand-in is in place before any OpenMMLab import.
"""
import argparse
import os
import os.path as osp

import farl_mm  # noqa: F401,I001  (compatibility patches first, registries)
import cv2
import numpy as np
from mmengine.config import DictAction
from mmengine.registry import DATASETS, init_default_scope

from farl_mm.apis.face_alignment import draw_landmarks
from farl_mm.apis.face_parsing import colour_overlay
from farl_mm.geometry import FaceWarp
from farl_mm.utils import load_config

IGNORE = 255


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Browse a dataset')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--output-dir', default='browse_dataset',
                        help='where to write the images')
    parser.add_argument('--num', type=int, default=10,
                        help='how many samples to draw')
    parser.add_argument('--split', choices=['train', 'val', 'test'],
                        default='train', help="whose dataloader's dataset")
    parser.add_argument('--opacity', type=float, default=0.5,
                        help='opacity of the label colours')
    parser.add_argument('--show', action='store_true',
                        help='also show each image (a key goes on)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value')
    args = parser.parse_args(argv)
    args.launcher, args.local_rank, args.work_dir = 'none', 0, None
    return args


def unpacked_dataset(dataset_cfg):
    """The dataset with its pipeline's final ``Pack*`` transform left out:
    samples are the transforms' dicts, in pixels."""
    pipeline = [t for t in dataset_cfg.pipeline
                if not str(t['type']).split('.')[-1].startswith('Pack')]
    return DATASETS.build(dict(dataset_cfg, pipeline=pipeline))


def _transform(dataset, name):
    return next((t for t in dataset.pipeline.transforms
                 if type(t).__name__ == name), None)


def forward_map(sample, dataset):
    """Photo pixels (N, 2) -> input pixels (N, 2) of ``sample``."""
    if 'face_warp' in sample:
        geometry = FaceWarp(**sample['face_warp']).forward_points
    elif 'input_center' in sample or 'transformed_keypoints' in sample:
        from mmpose.structures.bbox import (get_udp_warp_matrix,
                                            get_warp_matrix)
        affine = _transform(dataset, 'TopdownAffine')
        rot = sample['bbox_rotation'][0] if 'bbox_rotation' in sample else 0
        build = get_udp_warp_matrix if affine.use_udp else get_warp_matrix
        matrix = build(sample['bbox_center'][0], sample['bbox_scale'][0],
                       rot, output_size=tuple(affine.input_size))
        geometry = lambda pts: pts @ matrix[:, :2].T + matrix[:, 2]  # noqa
    elif 'scale_factor' in sample:
        factor = np.asarray(sample['scale_factor'], np.float64)[:2]
        geometry = lambda pts: (pts + 0.5) * factor - 0.5  # noqa: E731
    else:
        geometry = lambda pts: pts  # noqa: E731
    height, width = sample['img'].shape[:2]
    # mmseg flips after the warp; mmpose flips the photo before its crop
    flipped = sample.get('flip') and 'transformed_keypoints' not in sample

    def mapping(pts):
        out = geometry(np.asarray(pts, np.float64).reshape(-1, 2))
        if flipped:
            direction = sample.get('flip_direction', 'horizontal')
            if direction in ('horizontal', 'diagonal'):
                out[:, 0] = width - 1 - out[:, 0]
            if direction in ('vertical', 'diagonal'):
                out[:, 1] = height - 1 - out[:, 1]
        return out
    return mapping


def labels_on_photo(sample, dataset, photo_hw):
    """The sample's (warped) label map brought back onto the photo:
    each photo pixel takes the label at its place in the input (nearest);
    pixels that fall outside it get 255. A flip's left/right swap
    (``RandomFlip.swap_seg_labels``) is undone."""
    height, width = photo_hw
    xs, ys = np.meshgrid(np.arange(width), np.arange(height))
    pts = forward_map(sample, dataset)(np.stack([xs.ravel(), ys.ravel()], 1))
    cols, rows = np.rint(pts).astype(np.int64).T
    label = sample['gt_seg_map']
    inside = (cols >= 0) & (cols < label.shape[1]) & (rows >= 0) & \
        (rows < label.shape[0])
    back = np.full(height * width, IGNORE, np.uint8)
    back[inside] = label[rows[inside], cols[inside]]
    flip = _transform(dataset, 'RandomFlip')
    if sample.get('flip') and getattr(flip, 'swap_seg_labels', None):
        table = np.arange(256, dtype=np.uint8)
        for a, b in flip.swap_seg_labels:
            table[a], table[b] = b, a
        back = table[back]
    return back.reshape(height, width)


def inverse_affine(mapping):
    """The inverse of an affine point ``mapping`` (mmpose's crop, with or
    without a flip), from where it sends three points."""
    origin, x_axis, y_axis = mapping([[0, 0], [1, 0], [0, 1]])
    matrix = np.linalg.inv(np.array([
        [*(x_axis - origin), 0], [*(y_axis - origin), 0], [*origin, 1]]).T)
    return lambda pts: np.asarray(pts, np.float64).reshape(-1, 2) \
        @ matrix[:2, :2].T + matrix[:2, 2]


def draw_labels(image, label, palette, opacity):
    """``colour_overlay`` where the label is known (not 255)."""
    known = label != IGNORE
    blended = colour_overlay(image, np.where(known, label, 0), palette,
                             opacity)
    return np.where(known[..., None], blended, image)


def photo_of(sample):
    photo = cv2.imread(sample['img_path'], cv2.IMREAD_COLOR)
    if photo is None:
        raise FileNotFoundError(f"cannot read {sample['img_path']}")
    if sample.get('flip') and 'transformed_keypoints' in sample:
        photo = cv2.flip(photo, 1)  # mmpose flipped the photo first
    return photo


def draw_sample(sample, dataset, opacity):
    """``(input image, photo)`` with the sample's labels or landmarks."""
    image = np.ascontiguousarray(sample['img'])
    photo = photo_of(sample)
    if 'gt_seg_map' in sample:
        palette = dataset.metainfo['palette']
        image = draw_labels(image, sample['gt_seg_map'], palette, opacity)
        photo = draw_labels(
            photo, labels_on_photo(sample, dataset, photo.shape[:2]),
            palette, opacity)
    elif 'transformed_keypoints' in sample:
        to_photo = inverse_affine(forward_map(sample, dataset))
        for points in sample['transformed_keypoints'][..., :2]:
            image = draw_landmarks(image, points)
            photo = draw_landmarks(photo, to_photo(points))
    return image, photo


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args)
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    dataset = unpacked_dataset(cfg[f'{args.split}_dataloader'].dataset)
    os.makedirs(args.output_dir, exist_ok=True)
    written, samples = [], []
    for index in range(min(args.num, len(dataset))):
        sample = dataset[index]
        stem = osp.splitext(osp.basename(sample['img_path']))[0]
        for kind, image in zip(('input', 'photo'),
                               draw_sample(sample, dataset, args.opacity)):
            path = osp.join(args.output_dir, f'{index:03d}_{stem}_{kind}.png')
            cv2.imwrite(path, image)
            written.append(path)
            if args.show:
                cv2.imshow(kind, image)
                cv2.waitKey(0)
        samples.append(sample)
    print(f'wrote {len(written)} images to {args.output_dir}')
    return written, samples, dataset


if __name__ == '__main__':
    main()
