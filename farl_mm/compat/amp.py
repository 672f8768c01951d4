"""bf16 automatic mixed precision on CPU (``tools/train.py --amp``).

mmengine's ``AmpOptimWrapper`` asserts that a GPU/NPU/MLU is present, although
``mmengine.runner.amp.autocast`` supports CPU bfloat16 and the GradScaler
disables itself without CUDA (bf16 has fp32's exponent range and needs no loss
scaling). Without an accelerator the wrapper is let through with dtype
bfloat16; float16 on CPU is refused with a clear message.

Global, not a registered wrapper type: the assert sits in
``AmpOptimWrapper.__init__`` before any argument is read, so a subclass
would have to copy that ``__init__`` or patch the assert anyway; and
``--amp`` and OpenMMLab's own configs name ``AmpOptimWrapper`` itself.
Applied only on machines without an accelerator.
"""
import functools

import torch
from mmengine.device import get_device
from mmengine.optim.optimizer import amp_optimizer_wrapper as amp_module

AmpOptimWrapper = amp_module.AmpOptimWrapper


def _on_cpu() -> bool:
    return get_device() == 'cpu'


def needed() -> bool:
    return _on_cpu() and not getattr(AmpOptimWrapper.__init__,
                                     '_farl_mm_cpu', False)


def apply() -> None:
    original_init = AmpOptimWrapper.__init__
    original_check = amp_module.is_cuda_available

    @functools.wraps(original_init)
    def __init__(self, *args, dtype=None, **kwargs):
        if _on_cpu():
            if dtype not in (None, 'bfloat16', torch.bfloat16):
                raise ValueError(
                    f'AmpOptimWrapper: dtype={dtype} is not supported on CPU; '
                    'CPU autocast runs in bfloat16 (leave dtype unset or use '
                    "'bfloat16').")
            dtype = torch.bfloat16
        return original_init(self, *args, dtype=dtype, **kwargs)

    __init__._farl_mm_cpu = True
    AmpOptimWrapper.__init__ = __init__
    # The only use of this name in the module is the accelerator assert.
    amp_module.is_cuda_available = lambda: original_check() or _on_cpu()
