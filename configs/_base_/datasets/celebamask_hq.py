# CelebAMask-HQ (paper appendix): faces come aligned at 512 px, so the
# alignment is a plain rescale to 224 px and the tanh warp is off (alpha 0);
# the jitter is LaPa's. Test logits are mapped back to 512 px and scored.
_base_ = ['./lapa.py']
dataset_type = 'farl_mm.CelebAMaskHQDataset'
data_root = 'data/celebamask_hq'  # tools/dataset_converters/celebamask_hq.py
warp = dict(type='farl_mm.FaceAlignWarp', size=224, alpha=0.0)
_load = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]


def split(name, pipeline):
    return dict(
        _delete_=True, type=dataset_type, data_root=data_root,
        pipeline=pipeline,
        data_prefix=dict(img_path=f'{name}/images',
                         seg_map_path=f'{name}/labels'))


train_pipeline = [
    *_load, dict(warp, rotate=18, scale=(0.9, 1.1), shift=0.01),
    {{_base_.pack}}]
test_pipeline = [*_load, dict(warp, warp_labels=False), {{_base_.pack}}]
train_dataloader = dict(dataset=split('train', train_pipeline))
val_dataloader = dict(dataset=split('val', test_pipeline))
test_dataloader = dict(dataset=split('test', test_pipeline))
