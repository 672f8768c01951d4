"""Synthetic faces written in public datasets' on-disk layouts, one module
per format, so the real loaders and converters read them unchanged."""
from .aflw19 import write_aflw_mat
from .celeba import write_celeba
from .celebamask_hq import synthetic_part_masks, write_celebamask_hq
from .face300w import write_300w_csv
from .fairface import write_fairface
from .laion_face import write_synthetic_samples, write_synthetic_shards
from .lapa import write_lapa
from .lfwa import write_lfwa
from .wflw import write_wflw

__all__ = [
    'synthetic_part_masks', 'write_300w_csv', 'write_aflw_mat',
    'write_celeba', 'write_celebamask_hq', 'write_fairface', 'write_lapa',
    'write_lfwa', 'write_synthetic_samples', 'write_synthetic_shards',
    'write_wflw'
]
