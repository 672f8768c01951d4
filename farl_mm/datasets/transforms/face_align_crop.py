"""FaRL's ALIGN augmentation: crop one detected face, aligned to the mean
face (paper §3.1 and Table 3, "ALIGN")."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from ...geometry import AlignmentError, FaceWarp, align_matrix
from ...registry import TRANSFORMS

NO_FACE_POLICIES = ('fallback', 'skip')


@TRANSFORMS.register_module()
class FaceAlignCrop(BaseTransform):
    """Pick a confident face at random and crop it aligned, ``size`` square.

    Among ``results['faces']`` (see :class:`~farl_mm.datasets.
    LAIONFaceDataset`) with ``score > score_thr`` one is drawn with
    ``np.random`` (seeded per dataloader worker by MMEngine); its five
    landmarks are mapped onto :data:`farl_mm.geometry.MEAN_FACE_512` (the
    similarity of :class:`FaceAlignWarp`). Large faces are first
    halved with 2x2 area means until the bilinear warp subsamples by less
    than 2x (no aliasing). An image without such a face follows ``no_face``:
    ``'fallback'`` applies ``fallback`` (by default
    :class:`CLIPRandomCrop`, the crop used without ALIGN) and ``'skip'``
    returns None, which drops the sample from the stream. The counts of each
    outcome are kept in :attr:`counts` (per process) and each sample gets
    ``face_aligned`` (bool). A drawn face that cannot be aligned (landmarks
    absurd, degenerate or off the image) raises
    :class:`~farl_mm.geometry.AlignmentError` naming ``img_path``;
    :class:`~farl_mm.datasets.LAIONFaceDataset` counts the sample as bad.

    Added keys: ``align_matrix`` (3x3, original image -> crop pixels) and
    ``face_landmarks`` (5, 2) in crop pixels, when aligned.

    Args:
        size (int): Crop side in pixels.
        score_thr (float): Detections must score above this.
        scale (float): Face scale on the canvas (``< 1``: more context).
        no_face (str): ``'fallback'`` or ``'skip'``.
        fallback (dict): Transform config used by ``'fallback'``.
    """

    drop_reason = 'no_face'  # LAIONFaceDataset counts skips under this

    def __init__(self, size=224, score_thr=0.9, scale=1.0, no_face='fallback',
                 fallback=None):
        if no_face not in NO_FACE_POLICIES:
            raise ValueError(f'no_face must be one of {NO_FACE_POLICIES}, '
                             f'got {no_face!r}')
        self.size = size
        self.score_thr = score_thr
        self.no_face = no_face
        self.scale = scale
        self.fallback = None
        if no_face == 'fallback':
            self.fallback = TRANSFORMS.build(fallback or dict(
                type='farl_mm.CLIPRandomCrop', size=size))
        self.counts = dict(aligned=0, fallback=0, skipped=0)

    def transform(self, results):
        faces = [f for f in results.get('faces', ())
                 if f['score'] > self.score_thr]
        if not faces:
            results['face_aligned'] = False
            if self.fallback is None:
                self.counts['skipped'] += 1
                return None
            self.counts['fallback'] += 1
            return self.fallback(results)
        face = faces[np.random.randint(len(faces))]
        try:
            matrix = align_matrix(face['landmarks'], self.size, self.scale,
                                  image_size=results['img'].shape[1::-1])
        except AlignmentError as err:
            raise AlignmentError(err.reason, str(err),
                                 _where(results, face)) from None
        img, shrink = _shrink(results['img'], matrix)
        # the least-squares similarity is equivariant under the shrink (a
        # similarity itself): aligning the shrunk landmarks would give
        # matrix @ inv(shrink) up to rounding; no second fit needed
        warp = FaceWarp(matrix @ np.linalg.inv(shrink), self.size, alpha=0.0)
        results['img'] = warp.warp_image(img)
        results['img_shape'] = results['img'].shape[:2]
        results['align_matrix'] = matrix
        results['face_landmarks'] = _apply(matrix, face['landmarks'])
        results['face_aligned'] = True
        self.counts['aligned'] += 1
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(size={self.size}, score_thr='
                f'{self.score_thr}, scale={self.scale}, no_face='
                f'{self.no_face!r}, counts={self.counts})')


def _where(results, face):
    """The sample's file and the face, for messages."""
    box = face.get('box')
    box = '' if box is None else \
        f' at box {[round(float(v), 1) for v in box]}'
    return (f'{results.get("img_path", "sample")}: the face of score '
            f'{face["score"]:.3f}{box}')


def _shrink(img, matrix):
    """Halve ``img`` (2x2 area means) until ``matrix``'s zoom is >= 1/2;
    returns it and the 3x3 map of its pixels from the original's.

    A power of two keeps OpenCV on its fast integer-factor area path (a
    non-integer ``INTER_AREA`` factor costs ~15x more) and leaves the
    warp a zoom in (1/2, 1]: no aliasing, no more resampling than needed.
    """
    zoom = np.hypot(*matrix[0, :2])
    halvings = int(np.floor(np.log2(1.0 / zoom))) if zoom < 0.5 else 0
    for _ in range(halvings):
        # with fx=fy=0.5 and no dsize OpenCV maps x' + 0.5 = (x + 0.5) / 2
        # exactly, odd sides included (a dsize would make it anisotropic)
        img = cv2.resize(img, None, fx=0.5, fy=0.5,
                         interpolation=cv2.INTER_AREA)
    factor = 0.5**halvings
    offset = 0.5 * factor - 0.5
    return img, np.array([[factor, 0, offset], [0, factor, offset],
                          [0, 0, 1]])


def _apply(matrix, pts):
    pts = np.asarray(pts, np.float64).reshape(-1, 2)
    return pts @ matrix[:2, :2].T + matrix[:2, 2]
