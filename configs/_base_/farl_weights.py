# The converted FaRL ViT-B/16 weights every downstream task starts from, and
# the check that stops a training run at once, naming the file and the
# command that writes it, when they are missing. Leaves add `preflight` to
# `custom_hooks` (their runtime base owns that list).
farl_checkpoint = 'checkpoints/farl_b16_ep64.pth'
preflight = dict(
    type='farl_mm.PreflightHook',
    files={farl_checkpoint: ('python tools/model_converters/farl2mm.py '
                             'FaRL-Base-Patch16-LAIONFace20M-ep64.pth '
                             f'{farl_checkpoint}', 'FaRL weights')})
