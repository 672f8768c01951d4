"""Export a FaRL pretraining checkpoint for downstream use or CLIP tools.

    # image tower for mmseg/mmpose/mmpretrain configs (as farl2mm writes it)
    python tools/model_converters/farl_export.py \
        work_dirs/farl_pretrain/epoch_16.pth farl_b16_backbone.pth \
        --format backbone
    # the authors' OpenAI-CLIP layout (visual.* + text tower + logit_scale)
    python tools/model_converters/farl_export.py \
        work_dirs/farl_pretrain/epoch_16.pth FaRL-ours.pth --format openai-clip

``--format openai-clip`` writes ``{'state_dict': ...}`` as the authors' files
do (open_clip and the authors' code read it); ``--bare`` writes the state
dict alone, as OpenAI's ``clip.load`` expects. The MIM head is dropped unless
``--keep-mim``.
"""
import argparse
import os
import os.path as osp
import sys

import torch

from farl_mm.converters import NotAFaRLCheckpoint
from farl_mm.converters.export import (load_farl_mm_state_dict, to_backbone,
                                       to_openai_clip)
from farl_mm.utils.checkpoint_task import TASK_KEY


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='farl_mm (or authors\') checkpoint')
    parser.add_argument('dst', help='where to write the export')
    parser.add_argument('--format', required=True,
                        choices=['backbone', 'openai-clip'])
    parser.add_argument('--keep-mim', action='store_true',
                        help='openai-clip: keep the MIM mask token and head '
                        'under the authors\' visual.* names')
    parser.add_argument('--bare', action='store_true',
                        help='openai-clip: write the state dict without the '
                        '{"state_dict": ...} wrapper')
    args = parser.parse_args()
    if args.format == 'backbone' and (args.keep_mim or args.bare):
        parser.error('--keep-mim and --bare apply to --format openai-clip')
    return args


def main():
    args = parse_args()
    try:
        state_dict, _, _ = load_farl_mm_state_dict(args.src)
    except NotAFaRLCheckpoint as err:
        sys.exit(str(err))  # names the file
    try:
        if args.format == 'backbone':
            exported = to_backbone(state_dict)
            dropped = len(state_dict) - len(exported)
            summary = (f'kept {len(exported)} tensors under backbone.; '
                       f'dropped {dropped}')
        else:
            exported, report = to_openai_clip(state_dict, args.keep_mim)
            summary = report.summary()
    except NotAFaRLCheckpoint as err:
        sys.exit(f'{args.src}: {err}')
    if args.bare:
        payload = dict(exported)
    else:
        payload = {'state_dict': exported,
                   'meta': {'converted_from': osp.basename(args.src),
                            TASK_KEY: 'pretrain'}}
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    tmp = args.dst + '.tmp'
    torch.save(payload, tmp)
    os.replace(tmp, args.dst)
    print(f'{args.src} -> {args.dst} ({args.format}): {summary}')


if __name__ == '__main__':
    main()
