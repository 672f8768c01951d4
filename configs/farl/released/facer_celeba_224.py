# The authors' released CelebA attribute model, facer `celeba/224`
# (face_attribute.farl.celeba.pt; facer/face_attribute/farl.py and
# facer/farl/classification.py): FaRL ViT-B/16 at 224 px, the last block
# only (class token, mean and max of the patch tokens, each layer-normed,
# softmax-weighted, one linear layer), 40 sigmoid attributes. Input: the 5
# points onto its own template (their `get_std_points_xray(224, 500)`, in
# float32 as facer computes it), no tanh warp, facer's pixel convention,
# RGB in [0, 1] normalised by CLIP's mean/std (exact values times 255).
# Test on CelebA: python tools/test.py THIS DST.
_base_ = ['mmpretrain::_base_/default_runtime.py',
          '../../_base_/datasets/celeba_attributes.py']
custom_imports = dict(imports=['farl_mm'], allow_failed_imports=False)
default_scope = 'mmpretrain'
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor', num_classes=40, to_rgb=True,
        mean=[122.7709383, 116.7460125, 104.09373615],
        std=[68.5005327, 66.6321579, 70.32316305]),
    backbone=dict(type='farl_mm.FaRLViT', arch='base', img_size=224,
                  out_indices=(11, ), out_type='raw'),
    neck=None,
    head=dict(type='farl_mm.FaRLAttributeHead', num_classes=40,
              in_channels=768, num_levels=1,
              loss=dict(type='mmpretrain.CrossEntropyLoss',
                        use_sigmoid=True)))
template = [[93.10780334472656, 106.52507781982422],
            [130.39183044433594, 105.87947082519531],
            [111.80915069580078, 129.47227478027344],
            [95.2879867553711, 146.3622283935547],
            [129.6094970703125, 145.76724243164062]]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='farl_mm.FaceAlignWarp', size=224, alpha=0.0,
         template=template, align_corners=False),
    dict(type='PackInputs'),
]
train_dataloader = None  # inference only: the released weights
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
