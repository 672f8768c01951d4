"""WFLW (official ``list_98pt_rect_attr_*.txt``) -> mmpose COCO-style json.

    python tools/dataset_converters/wflw.py \
        data/wflw/WFLW_annotations/list_98pt_rect_attr_train_test \
        data/wflw/WFLW_images data/wflw/annotations

Writes ``face_landmarks_wflw_{train,test}.json``; test faces carry their
attribute flags (pose, expression, illumination, makeup, occlusion, blur)
as subsets.
"""
import os.path as osp

from farl_mm.datasets.alignment_formats import (converter_parser,
                                                read_wflw_txt, save_coco)


def convert(ann_dir, image_root, out_dir, box_scale=1.0):
    """Both splits' json files (``tools/misc/make_synthetic_faces.py``
    calls this too)."""
    for split in ('train', 'test'):
        records = read_wflw_txt(
            osp.join(ann_dir, f'list_98pt_rect_attr_{split}.txt'))
        save_coco(records, image_root,
                  osp.join(out_dir, f'face_landmarks_wflw_{split}.json'),
                  box_scale)


def main():
    args = converter_parser(__doc__, 'ann_dir',
                            'folder of list_98pt_rect_attr_*.txt',
                            'WFLW_images').parse_args()
    convert(args.ann_dir, args.image_root, args.out_dir, args.box_scale)


if __name__ == '__main__':
    main()
