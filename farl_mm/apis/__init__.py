"""What scripts and notebooks call: tool plumbing, encoders, inference."""
from .encoder import FaRLEncoder
from .face_alignment import align_face, draw_landmarks, init_face_aligner
from .face_attributes import classify_faces, init_face_classifier
from .face_demo import init_task_model, run_face_tasks
from .face_inputs import detect_faces, load_faces
from .face_parsing import (colour_overlay, init_face_parser, parse_face,
                           parse_faces)
from .sweeps import markdown_table, pick_metric, run_variant
from .tool_args import (FrozenRankError, add_runner_args, build_runner,
                        close_process_group, load_config, report_frozen_rank)
from .zero_shot import ZeroShotAttributes, attribute_prompts, gradcam

__all__ = [
    'add_runner_args', 'load_config', 'build_runner', 'close_process_group',
    'report_frozen_rank', 'FrozenRankError',
    'FaRLEncoder',
    'init_face_parser', 'parse_face', 'parse_faces', 'colour_overlay',
    'init_face_aligner', 'align_face', 'draw_landmarks',
    'init_face_classifier', 'classify_faces', 'init_task_model',
    'run_face_tasks', 'load_faces', 'detect_faces', 'ZeroShotAttributes',
    'attribute_prompts', 'gradcam', 'markdown_table', 'pick_metric',
    'run_variant'
]
