"""A visual tokenizer that needs no weights: BEST-RQ's random quantizer."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from farl_mm.registry import MODELS


@MODELS.register_module()
class RandomProjectionTokenizer(nn.Module):
    """Frozen seeded random-projection quantizer of image patches.

    As BEST-RQ (Chiu et al., 2022) does for speech: each patch's pixels are
    projected by a fixed random matrix, L2-normalised and assigned to the
    nearest of ``vocab_size`` fixed random unit vectors. Nothing is learned
    or downloaded, so offline CPU runs and tests get MIM targets that are a
    deterministic function of the pixels. It stands in for the DALL-E
    tokenizer (:class:`DALLETokenizer`), whose 8192 tokens need its weights.

    Both tables are regenerated from ``seed`` and kept out of the state
    dict (non-persistent buffers): a FaRL checkpoint loads the same with
    either tokenizer.

    Args:
        patch_size (int): Side of a patch; the ViT's, so targets and patch
            tokens share a grid.
        vocab_size (int): Number of codebook entries.
        proj_dims (int): Dimension of the projected patch.
        seed (int): Seed of the projection and the codebook.
    """

    def __init__(self, patch_size=16, vocab_size=1024, proj_dims=16,
                 seed=0):
        super().__init__()
        self.patch_size = patch_size
        self.vocab_size = vocab_size
        gen = torch.Generator().manual_seed(seed)
        in_dims = 3 * patch_size * patch_size
        proj = torch.randn(in_dims, proj_dims, generator=gen) * in_dims**-.5
        codebook = F.normalize(
            torch.randn(vocab_size, proj_dims, generator=gen), dim=-1)
        self.register_buffer('proj', proj, persistent=False)
        self.register_buffer('codebook', codebook, persistent=False)

    @torch.no_grad()
    def forward(self, x):
        """Images ``(B, 3, H, W)`` -> token ids ``(B, H/p, W/p)``."""
        B, C, H, W = x.shape
        p = self.patch_size
        if C != 3 or H % p or W % p:
            raise ValueError(
                f'RandomProjectionTokenizer: expected (B, 3, H, W) with H, W '
                f'multiples of {p}, got {tuple(x.shape)}')
        # (B, 3, H, W) -> (B, h, w, 3 * p * p)
        patches = x.float().unfold(2, p, p).unfold(3, p, p)
        patches = patches.permute(0, 2, 3, 1, 4, 5).flatten(3)
        z = F.normalize(patches @ self.proj, dim=-1)  # (B, h, w, D)
        return (z @ self.codebook.t()).argmax(-1)  # nearest unit vector
