"""Write LAION-Face-style webdataset shards for FaRL pretraining.

Each sample is ``{key}.jpg|png|webp`` (image bytes, unchanged), ``{key}.txt``
(caption) and ``{key}.json`` (``{"faces": [{"box": [x1, y1, x2, y2],
"landmarks": [[x, y] x 5], "score": s}, ...]}``), plus ``sizes.json`` in the
output folder (shard -> count; the dataset's length). Three sources:

    # a folder of images with same-stem .txt captions and .json detections
    python tools/dataset_converters/laion_face_shards.py \
        --folder data/my_faces --out data/laion_face

    # a CSV with columns image (path relative to the CSV, or --image-root),
    # caption and faces (JSON), optional key
    python tools/dataset_converters/laion_face_shards.py \
        --csv data/my_faces.csv --out data/laion_face

    # synthetic faces, captions from their attributes (tests, the CPU demo;
    # the same as tools/misc/make_synthetic_faces.py --format laion-face)
    python tools/dataset_converters/laion_face_shards.py \
        --synthetic 512 --out data/laion_face_synthetic --size 128

Detections: LAION-Face publishes RetinaFace results per sample (box, five
landmarks, score); write them as above, or as RetinaFace's raw rows of 15
numbers (``x1 y1 x2 y2 score`` then the 5 landmarks' ``x y``). Landmark
order: image-left eye, image-right eye, nose tip, image-left and image-right
mouth corner. No detector is needed to pretrain; to annotate new images, run
any RetinaFace implementation and write its output in one of these forms
(images without a face above the threshold still train, with a random crop).
Images downloaded with img2dataset are already webdataset shards: add a
``json`` member with ``faces`` per sample, or extract them to a folder.
"""
import argparse

from farl_mm.datasets.laion_face_writer import (write_shards_from_csv,
                                                write_shards_from_folder)
from farl_mm.synthetic.writers import write_synthetic_samples


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--folder', help='images + .txt + .json sidecars')
    source.add_argument('--csv', help='CSV with image, caption, faces')
    source.add_argument('--synthetic', type=int, metavar='N',
                        help='write N synthetic faces')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--samples-per-shard', type=int, default=10000)
    parser.add_argument('--first-shard', type=int, default=0,
                        help='number of the first shard file (to add shards '
                        'to an existing folder)')
    parser.add_argument('--image-root', help='--csv: root of image paths '
                        '(default: the CSV folder)')
    parser.add_argument('--size', type=int, default=128,
                        help='--synthetic: image side')
    parser.add_argument('--seed', type=int, default=0,
                        help='--synthetic: generator seed')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    per_shard = args.samples_per_shard
    if args.folder:
        paths = write_shards_from_folder(args.folder, args.out, per_shard,
                                         first_shard=args.first_shard)
    elif args.csv:
        paths = write_shards_from_csv(args.csv, args.out, per_shard,
                                      image_root=args.image_root,
                                      first_shard=args.first_shard)
    else:  # the same writer as make_synthetic_faces.py --format laion-face
        try:
            paths = write_synthetic_samples(
                args.out, args.synthetic, per_shard, size=args.size,
                seed=args.seed, first_shard=args.first_shard)
        except ValueError as err:
            raise SystemExit(f'--synthetic: {err}') from None
    print(f'{len(paths)} shards -> {args.out} (counts in sizes.json)')
    return paths


if __name__ == '__main__':
    main()
