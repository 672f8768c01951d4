"""300W (HRNet's csv lists) -> mmpose COCO-style json.

    python tools/dataset_converters/300w.py data/300w/csv data/300w/images \
        data/300w/annotations

Reads ``face_landmarks_300w_{train,valid_common,valid_challenge}.csv``
(and ``..._test.csv``, the official 600-image iBUG test set, when present)
and writes ``face_landmarks_300w_train.json``, ``..._test.json`` (the full
689-image set, each face flagged ``common`` or ``challenge``) and
``..._test_official.json``.
"""
import os.path as osp

from farl_mm.datasets.alignment_formats import (converter_parser,
                                                read_hrnet_csv, save_coco)


def convert(csv_dir, image_root, out_dir, box_scale=1.0):
    """The json files (``tools/misc/make_synthetic_faces.py`` calls this
    too)."""

    def csv(name, subsets=()):
        return read_hrnet_csv(
            osp.join(csv_dir, f'face_landmarks_300w_{name}.csv'), subsets)

    def save(records, name):
        save_coco(records, image_root,
                  osp.join(out_dir, f'face_landmarks_300w_{name}.json'),
                  box_scale)

    save(csv('train'), 'train')
    save(csv('valid_common', ['common']) +
         csv('valid_challenge', ['challenge']), 'test')
    if osp.isfile(osp.join(csv_dir, 'face_landmarks_300w_test.csv')):
        save(csv('test'), 'test_official')


def main():
    args = converter_parser(__doc__, 'csv_dir',
                            'folder of the HRNet csv lists',
                            'folder image_name is relative to').parse_args()
    convert(args.csv_dir, args.image_root, args.out_dir, args.box_scale)


if __name__ == '__main__':
    main()
