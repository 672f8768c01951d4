"""Write a small synthetic face alignment dataset, ready for the configs.

    python tools/misc/make_synthetic_alignment.py aflw19 data/synthetic_aflw19
    python tools/misc/make_synthetic_alignment.py wflw data/synthetic_wflw
    python tools/misc/make_synthetic_alignment.py 300w data/synthetic_300w

Generated faces (farl_mm.datasets.synthetic) are written in the dataset's
official format, then converted as a real download would be
(tools/dataset_converters), into ``ROOT/annotations``.
"""
import argparse
import os.path as osp

from farl_mm.datasets import alignment_formats as fmt
from farl_mm.datasets.synthetic_writers_alignment import (write_300w_csv,
                                                          write_aflw_mat,
                                                          write_wflw)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('format', choices=['aflw19', 'wflw', '300w'])
    parser.add_argument('root')
    parser.add_argument('--num-train', type=int, default=96)
    parser.add_argument('--num-test', type=int, default=24)
    parser.add_argument('--size', type=int, default=128)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    root, n_train, n_test = args.root, args.num_train, args.num_test

    def out(name):
        return osp.join(root, 'annotations', f'face_landmarks_{name}.json')

    if args.format == 'aflw19':
        write_aflw_mat(root, n_train + n_test, args.seed, args.size)
        splits = fmt.read_aflw_mat(osp.join(root, 'AFLWinfo_release.mat'),
                                   n_train)
        for split, records in splits.items():
            fmt.save_coco(records, osp.join(root, 'flickr'),
                          out(f'aflw19_{split}'))
    elif args.format == 'wflw':
        write_wflw(root, n_train, n_test, args.seed, args.size)
        ann_dir = osp.join(root, 'WFLW_annotations',
                           'list_98pt_rect_attr_train_test')
        for split in ('train', 'test'):
            fmt.save_coco(fmt.read_wflw_txt(osp.join(
                ann_dir, f'list_98pt_rect_attr_{split}.txt')),
                osp.join(root, 'WFLW_images'), out(f'wflw_{split}'))
    else:
        common = (n_test + 1) // 2
        write_300w_csv(root, n_train, common, n_test - common,
                       seed=args.seed, size=args.size)

        def csv(name, subsets=()):
            return fmt.read_hrnet_csv(
                osp.join(root, f'face_landmarks_300w_{name}.csv'), subsets)

        images = osp.join(root, 'images')
        fmt.save_coco(csv('train'), images, out('300w_train'))
        fmt.save_coco(csv('valid_common', ['common']) +
                      csv('valid_challenge', ['challenge']), images,
                      out('300w_test'))


if __name__ == '__main__':
    main()
