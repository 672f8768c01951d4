"""Test support: open_clip models standing in for the authors' checkpoints.

The authors load their weights into OpenAI's CLIP, so any OpenAI-CLIP
implementation with the same weights is an independent reference; open_clip's
state dict has exactly the authors' key layout.
"""
import open_clip
import torch


def randomise(model, seed=0):
    """CLIP's init leaves LayerNorms at 1/0 and biases at 0; perturb all."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            if p.dim() == 1 and ('ln' in name or 'norm' in name):
                p.copy_(1 + 0.1 * noise if name.endswith('weight')
                        else 0.1 * noise)
            elif name == 'logit_scale':
                p.add_(0.1)
            else:
                p.add_(0.02 * noise)
    return model.eval()


def vit_b16(seed=0):
    """OpenAI CLIP ViT-B/16 (QuickGELU), random weights."""
    model = open_clip.create_model('ViT-B-16-quickgelu', pretrained=None)
    return randomise(model, seed)


def small_clip(width=128, text_width=128, layers=2, text_layers=2,
               heads=2, text_heads=2, embed_dim=96, image_size=32,
               patch_size=16, seed=0):
    """A small OpenAI-layout CLIP (QuickGELU, 77 tokens, CLIP vocabulary).

    OpenAI's ``build_model`` assumes 64-dim heads; the defaults keep that so
    the model survives a round trip through it.
    """
    model = open_clip.model.CLIP(
        embed_dim,
        vision_cfg=open_clip.model.CLIPVisionCfg(
            layers=layers, width=width, head_width=width // heads,
            patch_size=patch_size, image_size=image_size),
        text_cfg=open_clip.model.CLIPTextCfg(
            context_length=77, vocab_size=49408, width=text_width,
            heads=text_heads, layers=text_layers),
        quick_gelu=True)
    return randomise(model, seed)


def with_mim(state_dict, width, vocab_size=32):
    """``state_dict`` plus the MIM keys the authors' files may hold (mask
    token, one ``lm_transformer`` block, ``ln_lm``, ``lm_head``; shapes as
    the authors' ``VisualTransformer``), so a CLIP state dict stands in for
    a FaRL release."""
    gen = torch.Generator().manual_seed(5)
    mim = {'visual.mask_token': torch.randn(width, generator=gen),
           'visual.ln_lm.weight': torch.randn(width, generator=gen),
           'visual.ln_lm.bias': torch.randn(width, generator=gen),
           'visual.lm_head.weight': torch.randn(vocab_size, width,
                                                generator=gen),
           'visual.lm_head.bias': torch.randn(vocab_size, generator=gen)}
    block = 'visual.transformer.resblocks.0.'
    for key, value in state_dict.items():
        if key.startswith(block):
            # block 0, perturbed: distinct, with attention as soft as its
            mim['visual.lm_transformer.resblocks.0.' + key[len(block):]] = \
                value + 0.05 * torch.randn(value.shape, generator=gen)
    return {**state_dict, **mim}


def random_tokens(batch, seed=0, eos=49407, sot=49406):
    """CLIP-like id rows: start token, words, end token, zero padding."""
    gen = torch.Generator().manual_seed(seed)
    ids = torch.zeros(batch, 77, dtype=torch.long)
    for row in range(batch):
        n = int(torch.randint(1, 60, (1, ), generator=gen))
        ids[row, 0] = sot
        ids[row, 1:n + 1] = torch.randint(1, 49000, (n, ), generator=gen)
        ids[row, n + 1] = eos
    return ids


def authors_mim_logits(clip_model, state_dict, images, mask, vocab_size):
    """The authors' ``VisualTransformer.forward_mim`` (FacePerceiver/FaRL,
    ``farl/network/farl/model.py``, ``disable_vlc=True``), step by step on
    open_clip modules loaded from ``state_dict``.

    Masked patch embeddings become the mask token, then the class token and
    the position embedding are added; ``ln_pre``, the image transformer and
    ``lm_transformer`` run on every token; the class token is dropped only
    then; ``ln_lm`` and ``lm_head`` give the logits of the masked patches,
    ``(M, vocab_size)`` in (image, patch) row-major order.
    """
    visual = clip_model.visual
    width = visual.conv1.out_channels
    heads = visual.transformer.resblocks[0].attn.num_heads
    lm_transformer = open_clip.transformer.Transformer(
        width, 1, heads, act_layer=open_clip.model.QuickGELU).to(images.dtype)
    lm_transformer.load_state_dict({
        k[len('visual.lm_transformer.'):]: v for k, v in state_dict.items()
        if k.startswith('visual.lm_transformer.')})
    ln_lm = torch.nn.LayerNorm(width, dtype=images.dtype)
    ln_lm.load_state_dict({'weight': state_dict['visual.ln_lm.weight'],
                           'bias': state_dict['visual.ln_lm.bias']})
    lm_head = torch.nn.Linear(width, vocab_size, dtype=images.dtype)
    lm_head.load_state_dict({'weight': state_dict['visual.lm_head.weight'],
                             'bias': state_dict['visual.lm_head.bias']})
    bool_masked_pos = mask.flatten(1)  # (B, N)
    x = visual.conv1(images).flatten(2).transpose(1, 2)  # (B, N, C)
    mask_token = state_dict['visual.mask_token'].reshape(1, 1, width)
    w = bool_masked_pos.unsqueeze(-1).type_as(x)
    x = x * (1 - w) + mask_token * w
    cls = visual.class_embedding.reshape(1, 1, width).expand(len(x), -1, -1)
    x = torch.cat([cls, x], dim=1) + visual.positional_embedding
    x = visual.transformer(visual.ln_pre(x))
    x = lm_transformer(x)[:, 1:]  # the class token leaves only here
    return lm_head(ln_lm(x)[bool_masked_pos])
