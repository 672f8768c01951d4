"""Caption -> CLIP token ids, as a data-pipeline transform."""
from mmcv.transforms import BaseTransform

from ...models.text.tokenizer import shared_tokenizer
from ...registry import TRANSFORMS

__all__ = ['CLIPTokenize']


@TRANSFORMS.register_module()
class CLIPTokenize(BaseTransform):
    """Adds ``results[out_key]``: the ``(context_length,)`` int64 ids of
    ``results[key]`` (see :class:`~farl_mm.models.text.CLIPTokenizer`), for
    FaRL's text tower.

    Args:
        context_length (int): Tokens per caption, start/end included.
        key (str): Caption field.
        out_key (str): Output field; pack it with
            ``PackInputs(algorithm_keys=[out_key])``.
        truncate (bool): Cut long captions (CLIP's rule) instead of raising.
        bpe_path (str, optional): BPE vocabulary; default CLIP's.
    """

    def __init__(self, context_length=77, key='text', out_key='text_tokens',
                 truncate=True, bpe_path=None):
        self.context_length = context_length
        self.key = key
        self.out_key = out_key
        self.truncate = truncate
        self.bpe_path = bpe_path

    def transform(self, results):
        if self.key not in results:
            raise KeyError(f'CLIPTokenize: no caption field {self.key!r} in '
                           f'sample {results.get("img_path", "?")}')
        tokens = shared_tokenizer(self.bpe_path).tokenize(
            results[self.key], self.context_length, self.truncate)
        results[self.out_key] = tokens[0]
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(context_length='
                f'{self.context_length}, key={self.key!r}, '
                f'out_key={self.out_key!r})')
