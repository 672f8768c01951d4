"""Zero-shot face attributes and Grad-CAM with FaRL's two towers.

No training: an attribute is scored by whether the face is closer, in the
joint space, to a prompt that states it or to one that negates it; Grad-CAM
(paper §4.7, Figure 5) shows where the image tower looks for a query.
"""
import numpy as np
import torch
import torch.nn.functional as F

from farl_mm.geometry import FaceWarp, align_matrix
from farl_mm.models.target_generators.dalle import CLIP_MEAN, CLIP_STD


def attribute_prompts(phrase, template='a photo of a face {} {}.'):
    """The prompt pair of one attribute: ``with`` / ``without`` ``phrase``.

    Example:
        >>> attribute_prompts('eyeglasses')
        ('a photo of a face with eyeglasses.',
         'a photo of a face without eyeglasses.')
    """
    return (template.format('with', phrase),
            template.format('without', phrase))


def face_pixels(image_bgr, size, face_points=None, scale=1.0):
    """A face as the image tower's input ``(1, 3, size, size)``.

    Aligned to FaRL's mean face with five landmarks when given (as in
    pretraining), else resized as it is. Also returns the RGB uint8 crop
    the tower sees, for overlays.
    """
    if face_points is not None:
        warp = FaceWarp(align_matrix(face_points, size, scale), size, 0.0)
        crop = warp.warp_image(image_bgr)
    else:
        import cv2
        crop = cv2.resize(image_bgr, (size, size),
                          interpolation=cv2.INTER_AREA)
    rgb = np.ascontiguousarray(crop[..., ::-1])
    x = torch.from_numpy(rgb).permute(2, 0, 1).float()
    x = (x - torch.tensor(CLIP_MEAN)[:, None, None]) / \
        torch.tensor(CLIP_STD)[:, None, None]
    return x[None], rgb


class ZeroShotAttributes:
    """Attribute probabilities from prompt pairs, no training.

    ``P(attribute) = softmax(s * [cos(img, with), cos(img, without)])[0]``
    with the model's own logit scale ``s``, as CLIP classifies zero-shot.

    Args:
        encoder (FaRLEncoder): Image and text towers.
        attributes (dict): ``name -> phrase`` (``'Eyeglasses':
            'eyeglasses'``) or ``name -> (positive, negative)`` prompts.
    """

    def __init__(self, encoder, attributes):
        self.encoder = encoder
        self.names = list(attributes)
        prompts = []
        for value in attributes.values():
            pair = attribute_prompts(value) if isinstance(value, str) \
                else tuple(value)
            if len(pair) != 2:
                raise ValueError(f'need a phrase or a prompt pair, got '
                                 f'{value!r}')
            prompts += list(pair)
        with torch.no_grad():
            text = F.normalize(encoder.encode_text(prompts), dim=-1)
        self.text = text.view(len(self.names), 2, -1)  # (A, 2, D)

    @torch.no_grad()
    def __call__(self, pixels):
        """``(B, A)`` probabilities that each attribute is present."""
        image = F.normalize(self.encoder.encode_image(pixels), dim=-1)
        logits = torch.einsum('bd,akd->bak', image, self.text.to(image))
        logits = logits * self.encoder.logit_scale.exp()
        return logits.softmax(-1)[..., 0]

    def named(self, pixels):
        """The same probabilities as one ``{attribute: probability}`` dict
        per image, in the order the attributes were given."""
        return [dict(zip(self.names, row.tolist()))
                for row in self(pixels).cpu()]


def gradcam(encoder, pixels, text):
    """Grad-CAM of the image tower for a text query (paper §4.7).

    Activations and gradients are taken at the output of the first
    LayerNorm of the last image block, as in the paper; the target is the
    cosine similarity of the image and text embeddings. Channel weights are
    the gradients averaged over the patch tokens; the map is the ReLU of the
    weighted patch activations, normalised to [0, 1].

    Args:
        encoder (FaRLEncoder): Image and text towers.
        pixels (Tensor): ``(1, 3, H, W)`` normalised image.
        text (str): The query.

    Returns:
        np.ndarray: ``(H, W)`` float32 heat map in [0, 1] (bilinear from the
        patch grid).
    """
    with torch.no_grad():
        query = F.normalize(encoder.encode_text([text]), dim=-1)
    vit = encoder.image_encoder
    taken = {}

    def keep(module, args, output):
        output.retain_grad()
        taken['act'] = output

    handle = vit.layers[-1].ln1.register_forward_hook(keep)
    try:
        with torch.enable_grad():
            pixels = pixels.to(encoder.device).requires_grad_(True)
            image = F.normalize(encoder.encode_image(pixels), dim=-1)
            (image * query).sum().backward()
    finally:
        handle.remove()
    act = taken['act'][0, vit.num_extra_tokens:]  # (N, C)
    grad = taken['act'].grad[0, vit.num_extra_tokens:]
    cam = F.relu(act @ grad.mean(0)).detach()  # (N,)
    gh, gw = (s // vit.patch_embed.projection.stride[0]
              for s in pixels.shape[-2:])
    cam = F.interpolate(cam.view(1, 1, gh, gw).float(),
                        size=pixels.shape[-2:], mode='bilinear',
                        align_corners=False)[0, 0]
    cam = cam - cam.min()
    return (cam / cam.max().clamp_min(1e-12)).cpu().numpy()


def heat_overlay(rgb, heat, alpha=0.5):
    """Figure 5 style: the face and the JET-coloured heat blended on it,
    side by side, RGB uint8."""
    import cv2
    colour = cv2.applyColorMap(np.uint8(255 * heat), cv2.COLORMAP_JET)
    colour = colour[..., ::-1]  # BGR -> RGB
    blend = (rgb * (1 - alpha) + colour * alpha).astype(np.uint8)
    return np.concatenate([rgb, blend], axis=1)
