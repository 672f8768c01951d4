"""The seeded random-projection quantizer (BEST-RQ's) of the MIM targets:
an independent numpy quantizer gives the same ids."""
import numpy as np
import pytest
import torch

from farl_mm.models import RandomProjectionTokenizer


def test_random_projection_matches_an_independent_numpy_quantizer():
    tok = RandomProjectionTokenizer(patch_size=4, vocab_size=16, proj_dims=8,
                                    seed=3)
    x = torch.randn(2, 3, 8, 12)
    ids = tok(x)
    assert ids.shape == (2, 2, 3) and ids.dtype == torch.long
    proj, codes = tok.proj.numpy(), tok.codebook.numpy()
    xn = x.numpy()
    for b in range(2):
        for i in range(2):
            for j in range(3):
                patch = xn[b, :, 4 * i:4 * i + 4, 4 * j:4 * j + 4]
                # channel-major, then rows, then columns
                z = patch.reshape(-1) @ proj
                z /= np.linalg.norm(z)
                assert ids[b, i, j] == np.argmax(codes @ z)


def test_random_projection_is_seeded_local_and_out_of_the_state_dict():
    x = torch.randn(4, 3, 32, 32)
    a = RandomProjectionTokenizer(patch_size=8, vocab_size=64, seed=0)
    b = RandomProjectionTokenizer(patch_size=8, vocab_size=64, seed=0)
    c = RandomProjectionTokenizer(patch_size=8, vocab_size=64, seed=1)
    assert torch.equal(a(x), b(x)) and not torch.equal(a(x), c(x))
    assert len(a.state_dict()) == 0 and not list(a.parameters())
    # a token depends on its own patch only
    y = x.clone()
    y[:, :, :8, :8] = torch.randn(4, 3, 8, 8)
    changed = a(y) != a(x)
    assert changed[:, 0, 0].any() and not changed.flatten(1)[:, 1:].any()
    # and the codebook is used, not collapsed onto a few entries
    ids = a(torch.randn(16, 3, 64, 64))
    assert ids.unique().numel() > 32
    with pytest.raises(ValueError, match='multiples of 8'):
        a(torch.randn(1, 3, 30, 32))
