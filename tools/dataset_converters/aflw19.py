"""AFLW-19 (``AFLWinfo_release.mat``) -> mmpose COCO-style json.

    python tools/dataset_converters/aflw19.py \
        data/aflw19/AFLWinfo_release.mat data/aflw19/flickr \
        data/aflw19/annotations

Writes ``face_landmarks_aflw19_{train,test}.json``: train = ``ra[:20000]``,
test = the other 4,386 faces, with the ``frontal`` flag on test faces whose
19 points are all visible.
"""
import os.path as osp

from farl_mm.datasets.alignment_formats import (converter_parser,
                                                read_aflw_mat, save_coco)


def convert(mat, image_root, out_dir, num_train=20000, box_scale=1.0):
    """Both splits' json files (``tools/misc/make_synthetic_faces.py``
    calls this too)."""
    for split, records in read_aflw_mat(mat, num_train).items():
        out = osp.join(out_dir, f'face_landmarks_aflw19_{split}.json')
        save_coco(records, image_root, out, box_scale)


def main():
    parser = converter_parser(__doc__, 'mat', 'AFLWinfo_release.mat',
                              'folder nameList is relative to')
    parser.add_argument('--num-train', type=int, default=20000)
    args = parser.parse_args()
    convert(args.mat, args.image_root, args.out_dir, args.num_train,
            args.box_scale)


if __name__ == '__main__':
    main()
