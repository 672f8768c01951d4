"""The CLIPTokenize transform adds one row of CLIP ids per caption (the
tokenizer itself: tests/test_models/test_text/test_tokenizer.py)."""
import pytest

from farl_mm.datasets.transforms import CLIPTokenize


def test_transform_adds_one_row_of_ids():
    out = CLIPTokenize(context_length=12)(dict(text='a photo of a face'))
    assert out['text_tokens'].tolist() == \
        [49406, 320, 1125, 539, 320, 1710, 49407] + [0] * 5
    out = CLIPTokenize(key='caption', out_key='ids')(dict(caption='face'))
    assert out['ids'].shape == (77, ) and out['ids'][1] == 1710
    with pytest.raises(KeyError, match="'text'.*s.jpg"):
        CLIPTokenize()(dict(img_path='s.jpg'))
