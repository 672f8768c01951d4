"""farl_mm.synthetic.attributes: attribute normalisation and captions
describe what is drawn."""
import numpy as np

from farl_mm.synthetic import (ATTRIBUTE_NAMES, SyntheticFaceGenerator,
                               make_caption)
from farl_mm.synthetic.attributes import normalise_attributes


def test_normalise_keeps_overrides_and_fixes_what_they_contradict():
    a = normalise_attributes(dict(Bald=1, Blond_Hair=1, Bangs=1))
    assert (a['Bald'], a['Blond_Hair'], a['Bangs']) == (1, 0, 0)
    a = normalise_attributes(dict(Gray_Hair=1, Brown_Hair=1))
    assert [a[n] for n in ('Black_Hair', 'Blond_Hair', 'Brown_Hair',
                           'Gray_Hair')] == [0, 0, 1, 0]
    assert normalise_attributes({})['Black_Hair'] == 1
    assert normalise_attributes(dict(Heavy_Makeup=1))['Wearing_Lipstick'] == 1
    assert sorted(normalise_attributes({})) == sorted(ATTRIBUTE_NAMES)


def test_caption_names_the_attributes():
    attrs = normalise_attributes(dict(Male=1, Bald=1, Smiling=1,
                                      Eyeglasses=1))
    text = make_caption(attrs, np.random.default_rng(0))
    assert 'smiling bald' in text and 'wearing eyeglasses' in text
    assert 'hair' not in text and text.endswith('.')
    attrs = normalise_attributes(dict(Blond_Hair=1, Bangs=1, Wearing_Hat=1))
    text = make_caption(attrs, np.random.default_rng(0))
    assert 'blond hair and bangs' in text and 'a hat' in text
    assert 'man' not in text.replace('woman', '')


def test_captions_vary_and_follow_the_sample():
    gen = SyntheticFaceGenerator(size=64, seed=0)
    samples = [gen.sample(i) for i in range(24)]
    assert len({s.caption for s in samples}) > 20
    for s in samples:
        a, text = s.attributes, s.caption
        assert ('eyeglasses' in text) == bool(a['Eyeglasses'])
        assert ('bald' in text) == bool(a['Bald'])
        assert ('with a mustache' in text) == bool(a['Mustache'])
        assert ('person' in text or ('woman' in text) != bool(a['Male']))
