from .bad_sample_report_hook import BadSampleReportHook
from .checkpoint_hook import CheckpointHook
from .checkpoint_task_hook import CheckpointTaskHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .preflight_hook import PreflightHook
from .rng_state_hook import RNGStateHook
from .stream_epoch_hook import StreamEpochHook
from .zero_checkpoint_hook import ZeroCheckpointHook

__all__ = [
    'BadSampleReportHook', 'CheckpointHook', 'CheckpointTaskHook',
    'NonFiniteLossError', 'NonFiniteLossHook',
    'PreflightHook', 'RNGStateHook',
    'StreamEpochHook', 'ZeroCheckpointHook'
]
