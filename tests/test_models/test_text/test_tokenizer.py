"""CLIPTokenizer gives OpenAI CLIP's ids (open_clip's), offline. (The
CLIPTokenize transform: tests/test_datasets/test_transforms.)"""
import open_clip
import pytest
import torch

from farl_mm.models.text import CLIPTokenizer

CAPTIONS = [
    'a photo of a face',
    'A smiling WOMAN with blond hair and bangs, wearing a hat.',
    'Ünïcödé café 😀 naïve – “quotes” & <b>tags</b> &amp; entities',
    '   lots\tof \n whitespace   ',
    "it's a man's beard, isn't it? 1234 1,5",
    '北京的一张人脸照片',
    '',
    'face ' * 100,
]


@pytest.fixture(scope='module')
def tokenizer():
    return CLIPTokenizer()


def test_known_clip_ids(tokenizer):
    # clip.tokenize('a photo of a face') with OpenAI's released vocabulary
    expected = [49406, 320, 1125, 539, 320, 1710, 49407]
    row = tokenizer.tokenize('a photo of a face')
    assert row.shape == (1, 77) and row.dtype == torch.long
    assert row[0, :7].tolist() == expected and not row[0, 7:].any()
    assert tokenizer.encode('a photo of a face') == expected[1:-1]
    assert tokenizer.decode(row[0]) == 'a photo of a face'


def test_equals_open_clip_on_varied_captions(tokenizer):
    ours = tokenizer.tokenize(CAPTIONS)
    assert torch.equal(ours, open_clip.tokenize(CAPTIONS))
    assert ours[6, :3].tolist() == [49406, 49407, 0]  # empty caption


def test_truncation_keeps_end_token_last(tokenizer):
    long = 'face ' * 100
    row = tokenizer.tokenize(long)[0]
    assert row[0] == 49406 and row[-1] == 49407 and (row[1:-1] == 1710).all()
    short = tokenizer.tokenize(long, context_length=10)[0]
    assert short.tolist() == [49406] + [1710] * 8 + [49407]
    with pytest.raises(RuntimeError, match='context_length=77'):
        tokenizer.tokenize(long, truncate=False)


def test_cache_serves_repeated_captions(tokenizer):
    tokenizer.encode('a repeated caption')
    hits = tokenizer._encode.cache_info().hits
    assert tokenizer.encode('a repeated caption') == \
        tokenizer.encode('a repeated caption')
    assert tokenizer._encode.cache_info().hits == hits + 2
    with pytest.raises(TypeError, match='caption str'):
        tokenizer.encode(None)
