"""Where the five points go: the mean face, a given template, or the
CelebA-HQ crop, in farl_mm's or the authors' pixel convention.

The authors' released models (their ``facer`` package) each expect their
own alignment: LaPa and the landmark models the mean face
(:data:`~farl_mm.geometry.MEAN_FACE_512`), the CelebAMask-HQ model the crop
that made CelebA-HQ, the CelebA attribute model its own 5-point template.
And ``facer`` reads every coordinate with pixel ``i`` spanning ``[i, i + 1]``
(torch's ``align_corners=False``), where farl_mm puts pixel ``i``'s centre
at ``i``; :func:`face_matrix` takes that as ``align_corners=False`` and
returns the same map in farl_mm's convention, which is what
:class:`~farl_mm.geometry.FaceWarp` takes.
"""
import numpy as np

from .alignment import (align_matrix, check_face_points, estimate_similarity,
                        mean_face_points)

#: What the points are aligned to: see :func:`face_matrix`.
CROPS = ('mean_face', 'celebahq')


def celebahq_crop_matrix(points5, size):
    """The oriented square crop of CelebA-HQ (Karras et al. 2018, app. C;
    FFHQ's alignment) onto a ``size`` canvas, its corners on the canvas's.

    Centre: the eye midpoint moved a tenth of the way to the mouth
    midpoint; half side: the larger of twice the eye distance and 1.8 times
    the eye-to-mouth distance; orientation: the eye line bent by the
    eye-to-mouth direction. The recipe adds half a pixel to the eye and
    mouth midpoints (its landmarks are pixel indices).
    """
    pts = np.asarray(points5, dtype=np.float64).reshape(5, 2)
    eyes = (pts[0] + pts[1]) / 2 + 0.5
    mouth = (pts[3] + pts[4]) / 2 + 0.5
    eye_to_eye, eye_to_mouth = pts[1] - pts[0], mouth - eyes
    across = eye_to_eye - _quarter_turn(eye_to_mouth)
    across *= max(np.hypot(*eye_to_eye) * 2.0,
                  np.hypot(*eye_to_mouth) * 1.8) / np.hypot(*across)
    down = _quarter_turn(across)
    centre = eyes + 0.1 * eye_to_mouth
    corners = np.stack([centre - across - down, centre + across - down,
                        centre + across + down, centre - across + down])
    side = float(size)
    canvas = np.array([[0, 0], [side, 0], [side, side], [0, side]])
    return estimate_similarity(corners, canvas)


def _quarter_turn(v):
    return np.array([-v[1], v[0]])


def edges_to_centres(matrix):
    """A map between pixel-edge coordinates (pixel ``i`` spans ``[i, i+1]``)
    as the same map between pixel-centre ones (pixel ``i`` at ``i``)."""
    shift = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    return np.linalg.inv(shift) @ np.asarray(matrix, np.float64) @ shift


def face_matrix(points5, size, scale=1.0, template=None, crop='mean_face',
                align_corners=True, image_size=None, where=None):
    """Image pixels -> a ``size`` canvas, from five landmarks.

    Args:
        points5 (array): ``(5, 2)`` landmarks (left eye, right eye, nose
            tip, left and right mouth corners).
        size (int): Square canvas side.
        scale (float): Face scale on the canvas for the mean face.
        template (array, optional): ``(5, 2)`` target points on the canvas
            instead of the mean face (``scale`` is then unused).
        crop (str): ``'mean_face'`` (similarity onto the mean face or
            ``template``) or ``'celebahq'`` (:func:`celebahq_crop_matrix`).
        align_corners (bool): True: the points, the template and the
            canvas have pixel ``i``'s centre at ``i`` (farl_mm); False:
            pixel ``i`` spans ``[i, i + 1]`` (the authors' ``facer``).
        image_size (tuple, optional): The image's ``(w, h)``: a face not in
            it is refused.
        where (str, optional): What the points are, for messages.

    Returns:
        np.ndarray: 3x3, in pixel-centre coordinates.
    """
    if crop not in CROPS:
        raise ValueError(f'crop must be one of {CROPS}, got {crop!r}')
    if template is not None and crop != 'mean_face':
        raise ValueError(f"a template aligns by similarity; crop={crop!r} "
                         'takes none')
    if crop == 'mean_face' and template is None and align_corners:
        return align_matrix(points5, size, scale, image_size, where)
    points5 = check_face_points(points5, image_size, where)
    if crop == 'celebahq':
        matrix = celebahq_crop_matrix(points5, size)
    else:
        target = mean_face_points(size, scale) if template is None \
            else np.asarray(template, np.float64).reshape(5, 2)
        matrix = estimate_similarity(points5, target)
    return matrix if align_corners else edges_to_centres(matrix)
