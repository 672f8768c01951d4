# LAION-Face-style webdataset shards (image + caption + RetinaFace faces),
# written by tools/dataset_converters/laion_face_shards.py, streamed by
# farl_mm.LAIONFaceDataset. Images reach the model as uint8 BGR (mmcv's
# order): the model's data preprocessor (models/farl_vit-b16_pretrain.py)
# converts them to RGB and normalises with CLIP's statistics.
data_root = 'data/laion_face'
img_size = 224

# ALIGN (the paper's default): one face with score > 0.9, aligned to the mean
# face; images without one get the crop used without ALIGN (counted, see
# FaceAlignCrop). Without ALIGN (Table 3 ablations): CLIP's crop, a random
# square of the image resized to 224 on its shorter side.
# Every image also gets the MIM mask: BEiT's block-wise masking of at most 75
# of the 14x14 patches (paper §3.1); PackInputs puts it in data_sample.mask.
text_and_mask = [
    dict(type='farl_mm.CLIPTokenize', context_length=77),
    dict(type='farl_mm.BlockMaskGenerator', input_size=img_size // 16,
         num_masking_patches=75, min_num_patches=16),
    dict(type='mmpretrain.PackInputs', algorithm_keys=['text_tokens'],
         meta_keys=['sample_idx', 'img_shape', 'face_aligned']),
]
train_pipeline = [
    dict(type='farl_mm.FaceAlignCrop', size=img_size, score_thr=0.9),
    *text_and_mask,
]
train_pipeline_noalign = [
    dict(type='farl_mm.CLIPRandomCrop', size=img_size),
    *text_and_mask,
]

train_dataloader = dict(
    batch_size=160,  # x 32 GPUs = the paper's global batch of 5120
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=None,  # the stream splits itself over ranks and workers
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='farl_mm.LAIONFaceDataset',
        data_root=data_root,
        shards=None,  # every shard in {data_root}/sizes.json
        shuffle_buffer=5000,
        pipeline=train_pipeline))
# reshuffles every epoch (an iterable dataset has no sampler to do it)
custom_hooks = [
    dict(type='farl_mm.StreamEpochHook'),
    # skipped (bad) samples by reason, summed over ranks, per epoch/interval
    dict(type='farl_mm.BadSampleReportHook', interval=500),
]
