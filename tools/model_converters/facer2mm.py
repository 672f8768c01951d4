"""Convert one of the authors' released face models (facer) to farl_mm.

    python tools/model_converters/facer2mm.py SRC DST --model lapa/448

``--model`` is the facer name: lapa/448, celebm/448 (parsing),
ibug300w/448, wflw/448, aflw19/448 (alignment), celeba/224 (attributes).
SRC is facer's downloaded file (configs/farl/released/README.md lists
them), read as data: nothing in it runs. DST holds the weights, the config
it runs with (``meta['cfg']``), its class or landmark names and its task,
so ``tools/test.py``, ``demo/face_demo.py`` and
``tools/deployment/pytorch2onnx.py`` take it as it is. The result is loaded
back into the model of that config with ``strict=True`` before it is
written.
"""
import argparse
import os.path as osp
import sys

import torch

import farl_mm  # noqa: F401  (compatibility patches, registries)
from farl_mm.utils.atomic_file import atomic_file
from farl_mm.converters.facer import (RELEASES, NotAFacerRelease,
                                      release_checkpoint)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help="facer's released file")
    parser.add_argument('dst', help='where to write the farl_mm checkpoint')
    parser.add_argument('--model', required=True, choices=sorted(RELEASES),
                        help='which release SRC is (facer name)')
    return parser.parse_args()


def check_strict(checkpoint):
    """Build the model of the checkpoint's config and load it strictly."""
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope
    cfg = Config.fromstring(checkpoint['meta']['cfg'], '.py')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model)
    model.load_state_dict(checkpoint['state_dict'], strict=True)


def main():
    args = parse_args()
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, RELEASES[args.model].config))
    try:
        checkpoint, report = release_checkpoint(args.src, args.model, cfg)
    except (NotAFacerRelease, FileNotFoundError) as err:
        sys.exit(str(err))
    check_strict(checkpoint)
    with atomic_file(args.dst) as f:
        torch.save(checkpoint, f)
    print(f'{args.src} -> {args.dst} ({args.model}, '
          f'{RELEASES[args.model].task}): {report.summary()}')


if __name__ == '__main__':
    main()
