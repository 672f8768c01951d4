"""The DALL-E tokenizer of FaRL's MIM targets (paper §3.1, as BEiT)."""
import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.models.selfsup.cae import DALLEEncoder

from farl_mm.registry import MODELS

CLIP_MEAN = (122.771, 116.746, 104.094)
CLIP_STD = (68.501, 66.632, 70.323)


@MODELS.register_module()
class DALLETokenizer(BaseModule):
    """mmpretrain's DALL-E encoder, frozen, on a small copy of the input.

    The model sees CLIP-normalised images; DALL-E wants RGB in [0, 1],
    squeezed by its ``map_pixels`` into ``[eps, 1 - eps]`` (eps 0.1), at
    half the ViT's input size so that its 8x downsampling gives one token
    per 16-px patch (112 px -> 14x14 for 224 px inputs). So the tokenizer
    undoes the CLIP normalisation, resizes and maps, instead of the data
    pipeline carrying a second view.

    The encoder's weights stay out of the model's state dict: they come
    from ``checkpoint`` when the model is initialised (the runner does so
    before resuming) and are never trained. So pretraining checkpoints do
    not carry DALL-E, and the authors' files, which do not either, load
    into :class:`~farl_mm.models.algorithms.FaRL` with ``strict=True``.

    Args:
        checkpoint (str, optional): Path of the DALL-E encoder weights in
            mmpretrain's layout (``dalle_encoder.pth`` of mmselfsup /
            mmpretrain's BEiT v1). Without one the encoder stays random:
            only for tests.
        size (int): Side the copy is resized to.
        mean (Sequence[float]): The model's input normalisation (RGB, 0-255).
            :class:`~farl_mm.models.algorithms.FaRL` overwrites it with its
            data preprocessor's (:meth:`set_input_normalization`), so the two
            cannot disagree.
        std (Sequence[float]): Likewise.
        **encoder_kwargs: Passed to ``DALLEEncoder`` (e.g. a small ``n_hid``
            in tests).
    """

    def __init__(self, checkpoint=None, size=112, mean=CLIP_MEAN,
                 std=CLIP_STD, **encoder_kwargs):
        super().__init__()
        init_cfg = None if checkpoint is None else dict(
            type='Pretrained', checkpoint=checkpoint)
        self.encoder = DALLEEncoder(init_cfg=init_cfg, **encoder_kwargs)
        self.encoder.requires_grad_(False)
        self.size = size
        self.register_buffer(
            'mean', torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer(
            'std', torch.tensor(std).view(1, 3, 1, 1), persistent=False)
        self.vocab_size = self.encoder.blocks.output.conv.w.shape[0]
        self.train(False)
        self.register_state_dict_post_hook(self._drop_encoder)
        self.register_load_state_dict_pre_hook(self._keep_encoder)

    @staticmethod
    def _drop_encoder(module, state_dict, prefix, local_metadata):
        for key in [k for k in state_dict if k.startswith(prefix)]:
            del state_dict[key]

    @staticmethod
    def _keep_encoder(module, state_dict, prefix, *args):
        """A state dict without the encoder leaves it as it is."""
        for name, value in module.encoder.state_dict().items():
            state_dict.setdefault(f'{prefix}encoder.{name}', value)

    def set_input_normalization(self, mean, std):
        """The ``mean``/``std`` (RGB, 0-255) the model's inputs carry."""
        self.mean.copy_(torch.as_tensor(mean, dtype=torch.float).view(
            1, 3, 1, 1))
        self.std.copy_(torch.as_tensor(std, dtype=torch.float).view(
            1, 3, 1, 1))

    def train(self, mode=True):
        """Always in eval mode: the targets must not change in training."""
        return super().train(False)

    def to_dalle_pixels(self, x):
        """CLIP-normalised ``(B, 3, H, W)`` -> DALL-E input at ``size``."""
        rgb01 = ((x.float() * self.std + self.mean) / 255).clamp(0, 1)
        rgb01 = F.interpolate(rgb01, size=(self.size, self.size),
                              mode='bilinear', align_corners=False,
                              antialias=True)
        eps = 0.1  # DALL-E's logit-Laplace epsilon
        return (1 - 2 * eps) * rgb01 + eps

    @torch.no_grad()
    def forward(self, x):
        """Images ``(B, 3, H, W)`` -> token ids ``(B, size/8, size/8)``."""
        with torch.autocast(x.device.type, enabled=False):
            logits = self.encoder(self.to_dalle_pixels(x))
        return logits.argmax(1)
