from .preflight_hook import PreflightHook
from .save_parsing_predictions import SaveParsingPredictions
from .stream_epoch_hook import StreamEpochHook
from .zero_checkpoint_hook import ZeroCheckpointHook

__all__ = [
    'PreflightHook', 'SaveParsingPredictions', 'StreamEpochHook',
    'ZeroCheckpointHook'
]
