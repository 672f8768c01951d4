"""FaRL pretraining: image-text contrast plus masked image modelling."""
import math

import torch
import torch.nn as nn
from mmpretrain.models.selfsup.base import BaseSelfSupervisor

from farl_mm.registry import MODELS


@MODELS.register_module()
class FaRL(BaseSelfSupervisor):
    """The FaRL pretraining objective (paper §3.1, Eq. 1-3).

    Each image passes the image tower twice: clean, for the contrastive
    loss against its caption (``ln_post -> proj`` of the class token), and
    with block-wise masked patches, for the MIM head that reads every token
    of that pass, class token included (§3.3), and predicts the frozen
    tokenizer's token of every masked patch. The base class builds
    ``backbone``, ``target_generator`` and ``data_preprocessor``; FaRL adds
    the text tower, the temperature and the MIM head. Module names are the
    ones :mod:`farl_mm.converters.farl` writes, so the authors' checkpoints
    load with ``strict=True``.

    Args:
        backbone (dict): Image tower, a ``farl_mm.MaskedFaRLViT`` with
            ``out_type='embedding'`` and the last block as only output
            (``farl_mm.FaRLViT`` when ``mim_head`` is None).
        text_backbone (dict): Text tower, ``farl_mm.CLIPTextTransformer``.
        mim_head (dict, optional): ``farl_mm.MIMHead``; None trains the
            contrastive objective only (the paper's "ITC" ablation).
        target_generator (dict, optional): The frozen tokenizer of the MIM
            targets; required with ``mim_head``.
        itc_loss (dict, optional): The global-batch contrastive loss;
            default ``farl_mm.ContrastiveLoss``.
        itc_weight (float): Weight of ``loss_itc``.
        mim_weight (float): Weight of ``loss_mim``.
        logit_scale_init (float): Initial temperature (CLIP: 0.07).
        logit_scale_max (float): Clamp of the logit scale (CLIP: 100).
        data_preprocessor (dict, optional): Normalises the uint8 images.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 backbone,
                 text_backbone,
                 mim_head=None,
                 target_generator=None,
                 itc_loss=None,
                 itc_weight=1.0,
                 mim_weight=1.0,
                 logit_scale_init=0.07,
                 logit_scale_max=100.0,
                 data_preprocessor=None,
                 init_cfg=None):
        if (mim_head is None) != (target_generator is None):
            raise ValueError('FaRL: `mim_head` and `target_generator` go '
                             'together (both set for MIM, both None for ITC '
                             'only)')
        if data_preprocessor is None or isinstance(data_preprocessor, dict):
            # scoped, so the model builds whatever the current default
            # scope is (mmpretrain's own default is unscoped)
            data_preprocessor = dict(data_preprocessor or {})
            data_preprocessor.setdefault(
                'type', 'mmpretrain.SelfSupDataPreprocessor')
        super().__init__(backbone=backbone, target_generator=target_generator,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.text_backbone = MODELS.build(text_backbone)
        self.mim_head = None if mim_head is None else MODELS.build(mim_head)
        self.itc_loss = MODELS.build(
            itc_loss or dict(type='farl_mm.ContrastiveLoss'))
        self.itc_weight, self.mim_weight = itc_weight, mim_weight
        self.logit_scale = nn.Parameter(
            torch.tensor(math.log(1 / logit_scale_init)))
        self.max_log_scale = math.log(logit_scale_max)
        # A tokenizer that undoes the input normalisation (DALL-E) takes it
        # from the preprocessor: one source of truth for the MIM targets.
        prep = self.data_preprocessor
        if hasattr(self.target_generator, 'set_input_normalization') and \
                getattr(prep, '_enable_normalize', False):
            self.target_generator.set_input_normalization(
                prep.mean.flatten(), prep.std.flatten())

    def extract_feat(self, inputs):
        """Image embeddings ``(B, D)``, unnormalised."""
        return self.backbone(inputs)[-1]

    def extract_text_feat(self, tokens):
        """Text embeddings ``(B, D)`` of token ids ``(B, 77)``."""
        return self.text_backbone(tokens)

    def scale(self):
        """``exp(logit_scale)``, clamped as CLIP clamps it after each step.

        The parameter itself is clamped (in place, before use), so it
        cannot drift beyond the bound where its gradient would vanish.
        """
        with torch.no_grad():
            self.logit_scale.clamp_(0, self.max_log_scale)
        return self.logit_scale.exp()

    def loss(self, inputs, data_samples):
        """``loss_itc`` (and ``loss_mim``) of a batch of image-text pairs.

        Args:
            inputs (Tensor): Normalised images ``(B, 3, H, W)``.
            data_samples (list[DataSample]): With ``text_tokens`` ``(77,)``
                and, for MIM, ``mask`` ``(h, w)`` on the patch grid.
        """
        tokens = self._stack(data_samples, 'text_tokens', inputs.device)
        if self.mim_head is not None:
            mask = self._stack(data_samples, 'mask', inputs.device).bool()
            # First, while no activation is held for backward: the
            # tokenizer's large feature maps then never add to them.
            target = self.target_generator(inputs)  # (B, h, w), no gradient
        scale = self.scale()
        loss_itc, acc_itc = self.itc_loss(
            self.extract_feat(inputs), self.extract_text_feat(tokens), scale)
        losses = dict(loss_itc=self.itc_weight * loss_itc, acc_itc=acc_itc,
                      logit_scale=scale.detach())
        if self.mim_head is None:
            return losses
        tokens = self.backbone(inputs, mask)  # (B, 1 + HW, C), cls first
        loss_mim, acc_mim = self.mim_head.loss(tokens, target, mask)
        losses.update(loss_mim=self.mim_weight * loss_mim, acc_mim=acc_mim)
        return losses

    @staticmethod
    def _stack(data_samples, key, device):
        if not data_samples or key not in data_samples[0]:
            raise KeyError(f'FaRL: the data samples carry no `{key}`; pack it '
                           f"with PackInputs(algorithm_keys=['{key}', ...])")
        return torch.stack([torch.as_tensor(s.get(key))
                            for s in data_samples]).to(device)
