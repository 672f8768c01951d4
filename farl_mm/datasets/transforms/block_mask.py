"""FaRL's MIM mask: BEiT's block-wise masking of *at most* N patches."""
import numpy as np
from mmpretrain.datasets.transforms import BEiTMaskGenerator

from ...registry import TRANSFORMS


@TRANSFORMS.register_module()
class BlockMaskGenerator(BEiTMaskGenerator):
    """Block-wise masking of at most ``num_masking_patches`` patches.

    The paper masks "at most 75 patches" (§3.1), the rule of BEiT's own
    generator (microsoft/unilm, ``beit/masking_generator.py``): blocks are
    added until the count is reached or a block draw (ten tries) adds no
    patch, which then ends the mask. mmpretrain's ``BEiTMaskGenerator``
    keeps drawing until exactly ``num_masking_patches``; only the stopping
    rule differs, the block draw is the parent's. On a 14x14 grid with 75
    and ``min_num_patches=16`` about a third of the masks end below 75.

    Added key: ``mask``, ``(h, w)`` int, 1 where a patch is masked. All
    arguments are ``BEiTMaskGenerator``'s.
    """

    def transform(self, results):
        mask = np.zeros((self.height, self.width), dtype=int)
        count = 0
        while count < self.num_masking_patches:
            delta = self._mask(mask, min(self.num_masking_patches - count,
                                         self.max_num_patches))
            if delta == 0:
                break
            count += delta
        results['mask'] = mask
        return results
