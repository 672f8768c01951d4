"""The DALL-E tokenizer of the MIM targets: un-normalise, resize,
map_pixels, frozen, weights loaded and kept out of the model's state dict."""
import torch
import torch.nn.functional as F
from mmpretrain.models.selfsup.cae import DALLEEncoder

from farl_mm.models import DALLETokenizer

MEAN = torch.tensor([122.771, 116.746, 104.094]).view(1, 3, 1, 1)
STD = torch.tensor([68.501, 66.632, 70.323]).view(1, 3, 1, 1)


def test_dalle_wrapper_feeds_the_encoder_map_pixels_of_the_raw_image():
    torch.manual_seed(0)
    tok = DALLETokenizer(n_hid=8, vocab_size=32)
    raw = torch.randint(0, 256, (2, 3, 64, 64)).float()  # RGB 0-255
    ids = tok((raw - MEAN) / STD)
    assert ids.shape == (2, 14, 14)  # 112 px / 8
    small = F.interpolate(raw / 255, size=(112, 112), mode='bilinear',
                          antialias=True)
    expected = DALLEEncoder.forward(tok.encoder, 0.8 * small + 0.1)
    assert torch.equal(ids, expected.argmax(1))
    assert tok.vocab_size == 32


def test_dalle_wrapper_is_frozen_and_loads_its_checkpoint(tmp_path):
    torch.manual_seed(1)
    source = DALLEEncoder(n_hid=8, vocab_size=32)
    torch.save(source.state_dict(), tmp_path / 'dalle_encoder.pth')
    tok = DALLETokenizer(checkpoint=str(tmp_path / 'dalle_encoder.pth'),
                         n_hid=8, vocab_size=32)
    assert not torch.equal(tok.encoder.blocks.input.w, source.blocks.input.w)
    tok.init_weights()
    for name, value in source.state_dict().items():
        assert torch.equal(tok.encoder.state_dict()[name], value), name
    tok.train()
    assert not tok.training and not tok.encoder.training
    assert not any(p.requires_grad for p in tok.parameters())
    x = torch.randn(1, 3, 32, 32, requires_grad=True)
    assert not tok(x).requires_grad


def test_dalle_weights_stay_out_of_the_model_state_dict():
    torch.manual_seed(2)
    model = torch.nn.ModuleDict(dict(
        head=torch.nn.Linear(2, 2),
        target_generator=DALLETokenizer(n_hid=8, vocab_size=32)))
    state = model.state_dict()
    assert sorted(state) == ['head.bias', 'head.weight']
    before = {k: v.clone() for k, v in
              model.target_generator.encoder.state_dict().items()}
    state['head.bias'] = torch.ones(2)
    model.load_state_dict(state, strict=True)  # nothing missing
    assert torch.equal(model.head.bias, torch.ones(2))
    for name, value in model.target_generator.encoder.state_dict().items():
        assert torch.equal(value, before[name]), name


def test_farl_hands_its_normalisation_to_the_dalle_tokenizer():
    """The targets undo exactly the preprocessor's normalisation, whatever
    a config sets there (a second copy in the tokenizer could drift)."""
    import copy
    import os.path as osp
    import sys

    sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..',
                                'helpers'))
    from farl_checkpoints import farl_cfg

    from farl_mm.registry import MODELS
    cfg = copy.deepcopy(farl_cfg())
    cfg['target_generator'] = dict(type='farl_mm.DALLETokenizer', n_hid=8,
                                   vocab_size=32, size=32)
    cfg['data_preprocessor'].update(mean=(1.0, 2.0, 3.0),
                                    std=(4.0, 5.0, 6.0))
    model = MODELS.build(cfg)
    tok = model.target_generator
    assert tok.mean.flatten().tolist() == [1.0, 2.0, 3.0]
    assert tok.std.flatten().tolist() == [4.0, 5.0, 6.0]
    raw = torch.rand(2, 3, 64, 64) * 255
    pixels = model.data_preprocessor(dict(
        inputs=[r for r in raw.to(torch.uint8)]))['inputs']
    restored = (tok.to_dalle_pixels(pixels) - 0.1) / 0.8 * 255
    expect = torch.nn.functional.interpolate(
        raw.to(torch.uint8).float().flip(1), size=(32, 32), mode='bilinear',
        align_corners=False, antialias=True)
    torch.testing.assert_close(restored, expect, atol=1e-2, rtol=0)
