# What the demo's transfer configs share: the tiny FaRLViT of the demo's
# pretraining, whole backbone frozen (the paper's "FaRL" setting), and the
# check that stops a transfer at once when that checkpoint is missing.
demo_checkpoint = 'work_dirs/demo/pretrain/iter_300.pth'
demo_backbone = dict(
    arch='tiny', frozen_stages=4, init_cfg=dict(
        _delete_=True, type='Pretrained', checkpoint=demo_checkpoint,
        prefix='backbone.'))
demo_preflight = dict(
    type='farl_mm.PreflightHook',
    files={demo_checkpoint: (
        'python tools/train.py configs/demo/farl_vit-tiny_demo_pretrain.py '
        '--work-dir work_dirs/demo/pretrain', 'demo FaRL pretraining')})
