"""Image-text contrastive loss over the global batch (FaRL paper §3.1).

Gradient bookkeeping with ``W`` data-parallel ranks. Features are gathered
with :func:`torch.distributed.nn.functional.all_gather`, whose backward sums
the incoming gradients of every rank onto the rank that owns the slice (a
``GatherLayer`` that keeps only its own slice of the gradient drops the other
ranks' terms: a known bug pattern). DDP then *averages* parameter gradients
over the ranks. So for the gradients to equal those of one process on the
concatenated batch:

- ``local_loss=False`` (default): every rank computes the full
  ``(WB, WB)`` logits and the mean over all ``WB`` pairs. The loss on each
  rank is the global loss; the gathered gradient is summed ``W`` times and
  DDP divides by ``W``.
- ``local_loss=True``: a rank scores only its ``B`` rows against all ``WB``
  columns, labels offset by ``rank * B`` (``O(B * WB)`` instead of
  ``O(WB * WB)``). Each rank's loss is its rows' mean; their average over
  ranks, which is what DDP's averaged gradients differentiate, is the global
  loss. All ranks must hold the same batch size.
"""
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.distributed.nn.functional import all_gather

from farl_mm.registry import MODELS


def gather_features(feats):
    """``(B, D)`` on each rank -> ``(W * B, D)`` in rank order, with grads."""
    if not (dist.is_available() and dist.is_initialized()) \
            or dist.get_world_size() == 1:
        return feats
    return torch.cat(all_gather(feats.contiguous()), dim=0)


@MODELS.register_module()
class ContrastiveLoss(nn.Module):
    """Symmetric InfoNCE of CLIP between image and text embeddings.

    Args:
        local_loss (bool): Score only this rank's rows (see module
            docstring). Defaults to False.
    """

    def __init__(self, local_loss=False):
        super().__init__()
        self.local_loss = local_loss

    def forward(self, img_feats, text_feats, logit_scale):
        """Loss and image->text top-1 accuracy of the gathered batch.

        Args:
            img_feats (Tensor): ``(B, D)`` image embeddings (not normalised).
            text_feats (Tensor): ``(B, D)`` text embeddings of the same pairs.
            logit_scale (Tensor): The multiplier of the cosine similarities
                (already exponentiated and clamped).

        Returns:
            tuple[Tensor, Tensor]: the loss and the accuracy in [0, 1].
        """
        if img_feats.shape != text_feats.shape:
            raise ValueError(
                f'image features {tuple(img_feats.shape)} and text features '
                f'{tuple(text_feats.shape)} must have the same shape')
        img_feats = F.normalize(img_feats, dim=-1)
        text_feats = F.normalize(text_feats, dim=-1)
        all_img, all_text = gather_features(img_feats), \
            gather_features(text_feats)
        if self.local_loss:
            rank = dist.get_rank() if all_img is not img_feats else 0
            start = rank * img_feats.shape[0]
            labels = torch.arange(
                start, start + img_feats.shape[0], device=img_feats.device)
            logits_i2t = logit_scale * img_feats @ all_text.t()  # (B, WB)
            logits_t2i = logit_scale * text_feats @ all_img.t()  # (B, WB)
        else:
            labels = torch.arange(all_img.shape[0], device=img_feats.device)
            logits_i2t = logit_scale * all_img @ all_text.t()  # (WB, WB)
            logits_t2i = logits_i2t.t()
        loss = (F.cross_entropy(logits_i2t, labels) +
                F.cross_entropy(logits_t2i, labels)) / 2
        with torch.no_grad():
            acc = (logits_i2t.argmax(dim=1) == labels).float().mean()
        return loss, acc
