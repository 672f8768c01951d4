"""Index maps from LaPa's 106 landmarks to other face-alignment layouts.

``points106[LAPA106_TO_300W68]`` gives a ``(68, 2)`` array in 300W order,
and likewise for the other maps. LaPa-106 is a superset of WFLW-98 in all
but the nose wings and eye centres, so the WFLW map is exact. The 300W and
AFLW maps are exact for the jaw (every other LaPa jaw point), brows' upper
edges, nose bridge and tip, eye corners, lips and chin; these are
approximations, documented here because the datasets differ:

* 300W's two upper and two lower lid points (37/38, 40/41 and 43/44,
  46/47) sit at about a third and two thirds of the lid; LaPa has quarter
  points, so the 1/4 and 3/4 points are used.
* 300W 31-35 and WFLW 55-59 (the nostril row) are LaPa's lower nose
  contour points 58-62 (ala bottom to ala bottom through the base centre).
* AFLW-19's eye centres are the pupils (104/105), its nose left/right the
  outermost nose-wing points (57/63), its mouth centre the centre of the
  inner upper lip (98).
"""

#: The 5 points FaRL aligns faces with: left pupil, right pupil, nose tip,
#: left and right mouth corner ("left" = image left of an upright face), the
#: order of :data:`~farl_mm.geometry.MEAN_FACE_512`.
LAPA106_TO_5 = (104, 105, 54, 84, 90)

#: 300W / iBUG 68: jaw 0-16, brows 17-26, nose 27-35, eyes 36-47 (36 and 45
#: the outer corners), mouth 48-67.
LAPA106_TO_300W68 = (
    tuple(range(0, 33, 2))                      # 0-16 jaw
    + tuple(range(33, 38)) + tuple(range(42, 47))  # 17-26 brows, upper edge
    + (51, 52, 53, 54) + (58, 59, 60, 61, 62)   # 27-30 bridge, 31-35 base
    + (66, 67, 69, 70, 71, 73)                  # 36-41 left eye
    + (75, 76, 78, 79, 80, 82)                  # 42-47 right eye
    + tuple(range(84, 104)))                    # 48-67 lips

#: WFLW 98: jaw 0-32, brows 33-50, nose 51-59, eyes 60-75 (60 and 72 the
#: outer corners), mouth 76-95, pupils 96/97.
LAPA106_TO_WFLW98 = (
    tuple(range(0, 55))                         # 0-32 jaw, 33-50 brows,
                                                # 51-54 bridge
    + (58, 59, 60, 61, 62)                      # 55-59 nostril row
    + tuple(range(66, 74)) + tuple(range(75, 83))  # 60-75 eye contours
    + tuple(range(84, 104))                     # 76-95 lips
    + (104, 105))                               # 96-97 pupils

#: AFLW 19: brows 0-5 (outer, middle, inner per side), eyes 6-11 (outer,
#: centre, inner; inner, centre, outer), nose 12-14, mouth 15-17, chin 18.
LAPA106_TO_AFLW19 = (33, 35, 37, 42, 44, 46,
                     66, 104, 70, 75, 105, 79,
                     57, 54, 63,
                     84, 98, 90,
                     16)
