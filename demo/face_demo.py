"""FaRL's downstream tasks on every face of a photo.

    python demo/face_demo.py IMAGE --tasks parsing alignment attributes \
        --checkpoints PARSING.pth ALIGNMENT.pth ATTRIBUTES.pth \
        [--configs PARSING.py ALIGNMENT.py ATTRIBUTES.py] \
        [--landmarks FACES.json | --detector mtcnn|facer|insightface|none] \
        [--score-thr 0.8] --out OUT_DIR

One checkpoint per task, in the order of ``--tasks``. A model's config is
the one its training run saved in the checkpoint, unless ``--configs``
names one (``-`` keeps the saved one). Faces: ``--landmarks`` reads five
landmarks and a box per face from JSON (``{"faces": [{"box": [x1, y1, x2,
y2], "landmarks": [[x, y] x5], "score": s}]}``, the LAION-Face detection
format; see farl_mm/apis/face_inputs.py); ``--detector`` finds them with an
optional package: mtcnn (offline, its weights in the wheel: ``pip install
-e ".[detector]"``; the default when installed), facer (``pip install
pyfacer``) or insightface, both downloading weights on first use. Faces
scoring under ``--score-thr`` are dropped (from a landmarks file too).
With no landmarks and no detector (or ``--detector none``), the photo is
one face already aligned to FaRL's mean face (a warning says when it does
not look like one).

Writes, at the photo's resolution, ``OUT_DIR/STEM_parsing.png`` (class
ids), ``STEM_parsing_overlay.png``, ``STEM_landmarks.png``,
``STEM_attributes.png``, and ``STEM.json`` with every face's numbers, once
every task has run. A photo or face it cannot use (see
farl_mm/apis/photo_inputs.py; photos over ``--max-pixels`` are refused from
their header) stops it with exit status 1 and a message naming the file
and the face, before anything is written.
"""
import argparse
import os.path as osp
import sys

import farl_mm  # noqa: F401  (compatibility patches, registries)
from farl_mm.apis.face_inputs import (DETECTORS, SCORE_THR,
                                      DetectorOfflineError, find_faces)
from farl_mm.apis.face_tasks import TASKS, init_task_model, run_face_tasks
from farl_mm.apis.photo_inputs import (MAX_PIXELS, PhotoInputError,
                                       check_faces, read_photo)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('image')
    parser.add_argument('--tasks', nargs='+', choices=TASKS, required=True)
    parser.add_argument('--checkpoints', nargs='+', required=True,
                        help='one per task, in the order of --tasks')
    parser.add_argument('--configs', nargs='+',
                        help="one per task ('-': the checkpoint's own)")
    faces = parser.add_mutually_exclusive_group()
    faces.add_argument('--landmarks', help='faces JSON (see above)')
    faces.add_argument('--detector', choices=[*sorted(DETECTORS), 'none'],
                       default='auto',
                       help='face detector (default: mtcnn when installed)')
    parser.add_argument('--score-thr', type=float, default=SCORE_THR,
                        help='drop faces scoring less (default %(default)s)')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--max-pixels', type=int, default=MAX_PIXELS,
                        help='larger photos are refused before decoding '
                        '(default: training\'s, %(default)s)')
    args = parser.parse_args()
    configs = args.configs or ['-'] * len(args.tasks)
    if not len(args.tasks) == len(args.checkpoints) == len(configs):
        parser.error(f'{len(args.tasks)} tasks need as many --checkpoints '
                     f'(got {len(args.checkpoints)}) and --configs '
                     f'(got {len(configs)})')
    args.configs = [None if c == '-' else c for c in configs]
    return args


def main():
    args = parse_args()
    try:
        img = read_photo(args.image, args.max_pixels)
        faces = find_faces(img, args.landmarks,
                           None if args.detector == 'none' else args.detector,
                           args.device, args.score_thr, args.image)
        check_faces(faces, img.shape, args.image)  # before loading models
        models = {task: init_task_model(task, ckpt, cfg, args.device)
                  for task, ckpt, cfg in zip(args.tasks, args.checkpoints,
                                             args.configs)}
        stem = osp.splitext(osp.basename(args.image))[0]
        result = run_face_tasks(img, faces, models, osp.join(args.out, stem),
                                args.image)
    except (PhotoInputError, DetectorOfflineError) as err:
        sys.exit(f'face_demo.py: {err}')
    print(f'{len(faces)} face(s), {", ".join(args.tasks)}:')
    for name, path in result['files'].items():
        print(f'  {name}: {path}')


if __name__ == '__main__':
    main()
