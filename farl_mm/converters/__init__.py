from .export import load_farl_mm_state_dict, to_backbone, to_openai_clip
from .farl import (ConversionReport, NotAFaRLCheckpoint,
                   convert_farl_state_dict, unwrap_state_dict)

__all__ = ['convert_farl_state_dict', 'unwrap_state_dict',
           'ConversionReport', 'NotAFaRLCheckpoint', 'load_farl_mm_state_dict',
           'to_backbone', 'to_openai_clip']
