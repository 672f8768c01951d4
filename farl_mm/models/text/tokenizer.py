"""OpenAI CLIP's text tokenizer, offline, with a cache for repeated captions.

FaRL's text tower is CLIP's (paper §3.1), so captions must become exactly
the ids ``clip.tokenize`` gives. mmseg ships CLIP's BPE vocabulary and its
byte-pair encoder (``mmseg.utils.tokenizer``); this class reuses both and
adds what a data pipeline needs: a bounded cache and CLIP's truncation rule.
"""
from functools import cache, lru_cache

import torch
from mmseg.utils.tokenizer import (SimpleTokenizer, basic_clean, default_bpe,
                                   whitespace_clean)


class CLIPTokenizer:
    """``encode`` / ``tokenize`` exactly as OpenAI CLIP's ``clip.tokenize``.

    Text is cleaned (ftfy, HTML unescape, whitespace) and lower-cased, split
    into byte-level BPE tokens, framed by ``<start_of_text>`` (49406) and
    ``<end_of_text>`` (49407) and zero-padded to the context length.

    Args:
        bpe_path (str, optional): BPE merges file; default mmseg's copy of
            CLIP's ``bpe_simple_vocab_16e6.txt.gz``.
        cache_size (int): Captions whose encodings are kept (LRU); web
            captions repeat a lot. Each word's ids are cached too (most
            words of a new caption are known ones); that cache is cleared
            when it grows past 8x this, so a long run's memory stays
            bounded.
    """

    def __init__(self, bpe_path=None, cache_size=100_000):
        self.bpe = SimpleTokenizer(bpe_path or default_bpe())
        self.sot_token = self.bpe.encoder['<start_of_text>']
        self.eot_token = self.bpe.encoder['<end_of_text>']
        self.vocab_size = self.bpe.vocab_size
        self._special = dict(self.bpe.cache)
        self._max_words = 8 * cache_size
        self._word_ids = {}
        self._encode = lru_cache(maxsize=cache_size)(self._encode_uncached)

    def _encode_uncached(self, text):
        """``SimpleTokenizer.encode`` with the ids of each word cached, not
        only its BPE string: the byte mapping, split and vocabulary look-ups
        then run once per distinct word instead of once per occurrence."""
        if len(self._word_ids) > self._max_words:
            self._word_ids.clear()
            self.bpe.cache = dict(self._special)
        ids = []
        text = whitespace_clean(basic_clean(text)).lower()
        for word in self.bpe.pat.findall(text):
            word_ids = self._word_ids.get(word)
            if word_ids is None:
                word_ids = self._word_ids[word] = self._word_to_ids(word)
            ids.extend(word_ids)
        return tuple(ids)

    def _word_to_ids(self, word):
        chars = ''.join(self.bpe.byte_encoder[b] for b in word.encode())
        return tuple(self.bpe.encoder[piece]
                     for piece in self.bpe.bpe(chars).split(' '))

    def encode(self, text):
        """BPE ids of ``text``, without start/end tokens."""
        if not isinstance(text, str):
            raise TypeError(f'expected a caption str, got {type(text)}')
        return list(self._encode(text))

    def decode(self, ids):
        """Text of ids (special tokens and padding dropped)."""
        ids = [int(i) for i in ids
               if int(i) not in (0, self.sot_token, self.eot_token)]
        return self.bpe.decode(ids).strip()

    def tokenize(self, texts, context_length=77, truncate=True):
        """``(N, context_length)`` int64 ids, as ``clip.tokenize``.

        Args:
            texts (str | list[str]): One caption or several.
            context_length (int): Tokens per row, start/end included.
            truncate (bool): Cut long captions, the last kept token
                becoming ``<end_of_text>``; if False they raise.
        """
        if isinstance(texts, str):
            texts = [texts]
        result = torch.zeros(len(texts), context_length, dtype=torch.long)
        for i, text in enumerate(texts):
            tokens = [self.sot_token] + self.encode(text) + [self.eot_token]
            if len(tokens) > context_length:
                if not truncate:
                    raise RuntimeError(
                        f'caption {text[:60]!r}... is {len(tokens)} tokens '
                        f'long, more than context_length={context_length}')
                tokens = tokens[:context_length]
                tokens[-1] = self.eot_token
            result[i, :len(tokens)] = torch.tensor(tokens)
        return result


@cache
def shared_tokenizer(bpe_path=None):
    """One :class:`CLIPTokenizer` per vocabulary file and process."""
    return CLIPTokenizer(bpe_path)
