"""FaRL's face geometry for every downstream task: one matrix per image.

The matrix is the 5-point similarity onto the mean face at the target size
(or a box / plain rescale when the sample has no points), composed with a
random rotation / rescale / shift in training, then the tanh_alpha warp
(paper appendix, "Face parsing"; ``alpha=0`` is the plain alignment of
"Face attributes recognition", optionally after landmark noise). Image
and labels go through the same map; the map is kept in the sample as
``face_warp`` so :class:`farl_mm.models.segmentors.FaceParser` (and the
landmark estimator) can bring predictions back onto the original photo.
Left/right classes on flips: mmseg's ``RandomFlip(swap_seg_labels=...)``
already swaps them.
"""
import warnings

import numpy as np
from mmcv.transforms import BaseTransform

from farl_mm.datasets.checks import DatasetProblems, alignment_problems
from farl_mm.geometry import FaceWarp, jitter_matrix
from farl_mm.geometry.alignment_targets import edges_to_centres, face_matrix
from farl_mm.registry import TRANSFORMS


def whole_image_matrix(width, height, size, align_corners=True):
    """Pixel centres of a ``width x height`` image onto a ``size`` square
    (``align_corners=False``: the image's edges onto the square's)."""
    if not align_corners:
        return edges_to_centres(np.diag([size / width, size / height, 1.0]))
    sx = (size - 1.0) / max(width - 1.0, 1.0)
    sy = (size - 1.0) / max(height - 1.0, 1.0)
    return np.diag([sx, sy, 1.0])


def box_matrix(bbox, size, face_scale=1.0):
    """A face box ``(x1, y1, x2, y2)``, squared about its centre and grown
    by ``1 / face_scale``, onto a ``size`` square (box edges on the canvas
    edges)."""
    x1, y1, x2, y2 = np.asarray(bbox, np.float64).reshape(-1)[:4]
    side = max(x2 - x1, y2 - y1, 1e-6) / face_scale
    zoom = size / side
    left, top = (x1 + x2 - side) / 2, (y1 + y2 - side) / 2
    return np.array([[zoom, 0.0, -0.5 - left * zoom],
                     [0.0, zoom, -0.5 - top * zoom], [0.0, 0.0, 1.0]])


@TRANSFORMS.register_module()
class FaceAlignWarp(BaseTransform):
    """Align (or rescale), jitter and tanh-warp the image and its labels.

    The face is given by ``face_points`` ``(5, 2)`` (left eye, right eye,
    nose tip, left and right mouth corner, image pixels). Without them the
    whole image is taken as the face (rescaled to ``size``), the paper's
    setting for the pre-aligned CelebAMask-HQ and the fallback of the
    demo; with a top-down ``bbox`` instead (mmpose's samples), that box
    squared about its centre, grown by ``1 / face_scale``. Points that are
    not finite, coincident or collinear raise
    :class:`~farl_mm.datasets.checks.DatasetProblems` naming ``img_path``
    (checked before any noise, which could hide them); points off the
    image (or made absurd by the noise)
    :class:`~farl_mm.geometry.AlignmentError`, naming it too.

    Added keys: ``face_warp`` (``matrix``, ``size``, ``alpha``,
    ``align_corners`` of :class:`~farl_mm.geometry.FaceWarp`). Modified:
    ``img``, ``img_shape`` and, with ``warp_labels``, the ``seg_fields``.

    Args:
        size (int): Output side (224 or 448 in the paper).
        face_scale (float): Face size on the canvas relative to the mean
            face (1.0: the template as given; ``< 1``: more context).
        alpha (float): tanh_alpha warping factor; 0 disables the warp.
        rotate (float): Rotation drawn from ``[-rotate, rotate]`` degrees.
        scale (tuple[float]): Rescale factor range.
        shift (float): Shift drawn from ``[-shift, shift] * size`` px per
            axis. With the defaults (0, (1, 1), 0) there is no jitter.
        warp_labels (bool): Also warp ``seg_fields`` (nearest). Off at
            test time: labels stay at the original resolution, where the
            metric scores the un-warped prediction.
        label_border (int): Label outside the photo (background).
        template (list, optional): ``(5, 2)`` canvas points to align to
            instead of the mean face (a released model's own template).
        crop (str): ``'mean_face'`` or ``'celebahq'`` (the CelebA-HQ crop
            the authors' CelebAMask-HQ model expects); see
            :func:`farl_mm.geometry.alignment_targets.face_matrix`.
        align_corners (bool): False: the authors' ``facer`` pixel
            convention (pixel ``i`` spans ``[i, i + 1]``), which their
            released models expect; True: farl_mm's.
        landmark_noise_var (float): Variance in px² of the Gaussian noise
            added to each point coordinate before aligning (the paper's
            attribute fine-tuning uses 5); 0 disables it.
        border_value (int): Image fill outside the photo.
        require_points (bool): Refuse a sample without ``face_points``
            (a ``KeyError`` naming it) instead of taking its whole image:
            for datasets whose images are not pre-aligned (CelebA's).
        detector (str, optional): A sample with neither ``face_points``
            nor ``bbox`` (a photo given to a stock inferencer) is aligned
            on the highest-scoring face this detector of
            :func:`farl_mm.apis.face_inputs.detect_faces` finds, instead of
            taking the whole photo.

    Taking the whole photo warns when it does not look like an aligned
    face crop (not square, or far larger than the training crops), as
    ``demo/face_demo.py`` decides (:mod:`farl_mm.apis.face_inputs`).
    """

    def __init__(self, size=224, face_scale=1.0, alpha=0.8, rotate=0.0,
                 scale=(1.0, 1.0), shift=0.0, warp_labels=True,
                 label_border=0, template=None, crop='mean_face',
                 align_corners=True, landmark_noise_var=0.0, border_value=0,
                 require_points=False, detector=None):
        self.size = int(size)
        self.face_scale = face_scale
        self.alpha = float(alpha)
        self.rotate = float(rotate)
        self.scale = tuple(scale)
        self.shift = float(shift)
        self.warp_labels = warp_labels
        self.label_border = label_border
        self.template = template
        self.crop = crop
        self.align_corners = bool(align_corners)
        self.landmark_noise_var = float(landmark_noise_var)
        self.border_value = border_value
        self.require_points = require_points
        self.detector = detector

    def _jitter(self):
        if self.rotate == 0 and self.scale == (1.0, 1.0) and self.shift == 0:
            return np.eye(3)
        angle = np.random.uniform(-self.rotate, self.rotate)
        scale = np.random.uniform(*self.scale)
        shift = np.random.uniform(-self.shift, self.shift, 2) * self.size
        return jitter_matrix(self.size, angle, scale, shift)

    def _points(self, results):
        """The sample's checked, noised ``face_points`` (None: none)."""
        where = results.get('img_path', 'sample')
        if results.get('face_points') is None and self.detector and \
                results.get('bbox') is None:
            results['face_points'] = _detected_points(
                results['img'], self.detector, where)
        if results.get('face_points') is None:
            if self.require_points:
                raise KeyError(f"{where}: no 'face_points' to align with; "
                               'give the dataset a landmarks file')
            return None
        points = np.asarray(results['face_points'], dtype=np.float64)
        problems = alignment_problems(where, points)
        if problems:
            raise DatasetProblems(type(self).__name__, problems)
        if self.landmark_noise_var > 0:
            points = points + np.random.normal(
                0.0, np.sqrt(self.landmark_noise_var), points.shape)
        return points

    def transform(self, results):
        img = results['img']
        points = self._points(results)
        if points is not None:
            base = face_matrix(points, self.size, self.face_scale,
                               self.template, self.crop, self.align_corners,
                               image_size=img.shape[1::-1],
                               where=results.get('img_path'))
        elif results.get('bbox') is not None:
            base = box_matrix(results['bbox'], self.size, self.face_scale)
        else:
            _warn_unless_aligned(img.shape, results.get('img_path', 'image'))
            base = whole_image_matrix(img.shape[1], img.shape[0], self.size,
                                      self.align_corners)
        warp = FaceWarp(self._jitter() @ base, self.size, self.alpha,
                        self.align_corners)
        results['img'] = warp.warp_image(img, 'bilinear', self.border_value)
        if self.warp_labels:
            for key in results.get('seg_fields', []):
                results[key] = warp.warp_image(
                    results[key], 'nearest', border_value=self.label_border)
        results['img_shape'] = results['img'].shape[:2]
        results['face_warp'] = dict(
            matrix=warp.matrix, size=warp.size, alpha=warp.alpha,
            align_corners=warp.align_corners)
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(size={self.size}, '
                f'face_scale={self.face_scale}, alpha={self.alpha}, '
                f'rotate={self.rotate}, scale={self.scale}, '
                f'shift={self.shift}, warp_labels={self.warp_labels}, '
                f'landmark_noise_var={self.landmark_noise_var})')


def _warn_unless_aligned(shape, where):
    from farl_mm.apis.face_inputs import _not_aligned  # the demo's rule
    why = _not_aligned(shape)
    if why:
        warnings.warn(
            f'{where}: no face points, so the whole photo is taken as an '
            f'aligned face, but it {why}: results will be poor. Give its 5 '
            "points (face_points) or set the pipeline's FaceAlignWarp "
            'detector', stacklevel=3)


def _detected_points(img, detector, where):
    """The 5 points of the highest-scoring face ``detector`` finds."""
    from farl_mm.apis.face_inputs import detect_faces  # optional packages
    faces = detect_faces(img, detector, where=where)
    return max(faces, key=lambda face: face['score'])['landmarks']


@TRANSFORMS.register_module()
def AlignFaceByLandmarks(size=224, scale=1.0, landmark_noise_var=0.0,
                         border_value=0, template=None, align_corners=True):
    """Legacy name read from saved configs: the :class:`FaceAlignWarp` it
    became (no tanh warp, ``scale`` is the face scale, points required)."""
    return FaceAlignWarp(size=size, face_scale=scale, alpha=0.0,
                         landmark_noise_var=landmark_noise_var,
                         border_value=border_value, template=template,
                         align_corners=align_corners, require_points=True)
