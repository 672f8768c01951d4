"""FaRL's ALIGN augmentation: crop one detected face, aligned to the mean
face (paper §3.1 and Table 3, "ALIGN")."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from ...geometry import align_matrix
from ...registry import TRANSFORMS
from .face_attributes import AlignFaceByLandmarks

NO_FACE_POLICIES = ('fallback', 'skip')


@TRANSFORMS.register_module()
class FaceAlignCrop(BaseTransform):
    """Pick a confident face at random and crop it aligned, ``size`` square.

    Among ``results['faces']`` (see :class:`~farl_mm.datasets.
    LAIONFaceDataset`) with ``score > score_thr`` one is drawn with
    ``np.random`` (seeded per dataloader worker by MMEngine); its five
    landmarks are mapped onto :data:`farl_mm.geometry.MEAN_FACE_512` by
    :class:`AlignFaceByLandmarks`. Large faces are first shrunk with area
    averaging so the bilinear warp never subsamples by more than 2x (no
    aliasing). An image without such a face follows ``no_face``:
    ``'fallback'`` applies ``fallback`` (by default mmpretrain's
    ``RandomResizedCrop``, the crop used without ALIGN) and ``'skip'``
    returns None, which drops the sample from the stream. The counts of each
    outcome are kept in :attr:`counts` (per process) and each sample gets
    ``face_aligned`` (bool).

    Added keys: ``align_matrix`` (3x3, original image -> crop pixels) and
    ``face_landmarks`` (5, 2) in crop pixels, when aligned.

    Args:
        size (int): Crop side in pixels.
        score_thr (float): Detections must score above this.
        scale (float): Face scale on the canvas (``< 1``: more context).
        no_face (str): ``'fallback'`` or ``'skip'``.
        fallback (dict): Transform config used by ``'fallback'``.
    """

    def __init__(self, size=224, score_thr=0.9, scale=1.0, no_face='fallback',
                 fallback=None):
        if no_face not in NO_FACE_POLICIES:
            raise ValueError(f'no_face must be one of {NO_FACE_POLICIES}, '
                             f'got {no_face!r}')
        self.size = size
        self.score_thr = score_thr
        self.no_face = no_face
        self.align = AlignFaceByLandmarks(size=size, scale=scale)
        self.fallback = None
        if no_face == 'fallback':
            self.fallback = TRANSFORMS.build(fallback or dict(
                type='mmpretrain.RandomResizedCrop', scale=size))
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
        img, shrink = self._shrink(results['img'], face['landmarks'])
        results.update(img=img, landmarks5=_apply(shrink, face['landmarks']))
        results = self.align(results)
        results['align_matrix'] = results['align_matrix'] @ shrink
        results['face_landmarks'] = _apply(results['align_matrix'],
                                           face['landmarks'])
        results['face_aligned'] = True
        del results['landmarks5']
        self.counts['aligned'] += 1
        return results

    def _shrink(self, img, landmarks):
        """Area-downscale ``img`` so alignment scales by at least 1/2;
        returns it and the 3x3 map of its pixels from the original's."""
        matrix = align_matrix(landmarks, self.size, self.align.scale)
        factor = 2.0 * np.hypot(*matrix[0, :2])  # 2x the alignment's zoom
        if factor >= 1.0:
            return img, np.eye(3)
        # with fx=fy and no dsize OpenCV maps x' + 0.5 = (x + 0.5) * factor
        # exactly (a dsize would round each side and make it anisotropic)
        img = cv2.resize(img, None, fx=factor, fy=factor,
                         interpolation=cv2.INTER_AREA)
        offset = 0.5 * factor - 0.5
        return img, np.array([[factor, 0, offset], [0, factor, offset],
                              [0, 0, 1]])

    def __repr__(self):
        return (f'{type(self).__name__}(size={self.size}, score_thr='
                f'{self.score_thr}, scale={self.align.scale}, no_face='
                f'{self.no_face!r}, counts={self.counts})')


def _apply(matrix, pts):
    pts = np.asarray(pts, np.float64).reshape(-1, 2)
    return pts @ matrix[:2, :2].T + matrix[:2, 2]
