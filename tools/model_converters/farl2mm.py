"""Convert an authors' FaRL checkpoint into a farl_mm checkpoint.

    python tools/model_converters/farl2mm.py \
        FaRL-Base-Patch16-LAIONFace20M-ep64.pth checkpoints/farl_b16_ep64.pth

The result holds the image tower under ``backbone.`` (load it in any farl_mm
config with ``init_cfg=dict(type='Pretrained', checkpoint=DST,
prefix='backbone.')``) and, unless ``--image-only``, the text tower and
``logit_scale`` for the pretraining model. ``--keep-mim`` also keeps the
masked-image-modelling parts for continued pretraining.
"""
import argparse
import os
import os.path as osp
import sys

import torch

from farl_mm.utils.checkpoint_io import load_checkpoint_file
from farl_mm.converters import (NotAFaRLCheckpoint, convert_farl_state_dict,
                                unwrap_state_dict)
from farl_mm.utils.checkpoint_task import TASK_KEY


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help="the authors' checkpoint (.pth)")
    parser.add_argument('dst', help='where to write the farl_mm checkpoint')
    parts = parser.add_mutually_exclusive_group()
    parts.add_argument('--image-only', action='store_true',
                       help='keep only the image tower (downstream use)')
    parts.add_argument('--keep-mim', action='store_true',
                       help='also keep the MIM mask token and head')
    return parser.parse_args()


def main():
    args = parse_args()
    parts = ['image']
    if not args.image_only:
        parts.append('text')
    if args.keep_mim:
        parts.append('mim')
    try:
        state_dict = unwrap_state_dict(load_checkpoint_file(args.src))
        converted, report = convert_farl_state_dict(state_dict, parts)
    except NotAFaRLCheckpoint as err:
        sys.exit(f'{args.src}: {err}')
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    tmp = args.dst + '.tmp'
    torch.save({'state_dict': converted,
                'meta': {'converted_from': osp.basename(args.src),
                         TASK_KEY: 'pretrain'}}, tmp)
    os.replace(tmp, args.dst)
    print(f'{args.src} -> {args.dst}: {report.summary()}')


if __name__ == '__main__':
    main()
