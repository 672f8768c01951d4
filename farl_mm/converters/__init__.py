from .farl import (ConversionReport, NotAFaRLCheckpoint,
                   convert_farl_state_dict, unwrap_state_dict)

__all__ = ['convert_farl_state_dict', 'unwrap_state_dict',
           'ConversionReport', 'NotAFaRLCheckpoint']
