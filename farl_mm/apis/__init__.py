"""What scripts and notebooks call: tool plumbing, encoders, inference."""
from .encoder import FaRLEncoder
from .face_alignment import align_face, draw_landmarks, init_face_aligner
from .face_parsing import colour_overlay, init_face_parser, parse_face
from .sweeps import markdown_table, pick_metric, run_variant
from .tool_args import add_runner_args, build_runner, load_config
from .zero_shot import ZeroShotAttributes, attribute_prompts, gradcam

__all__ = [
    'add_runner_args', 'load_config', 'build_runner', 'FaRLEncoder',
    'init_face_parser', 'parse_face', 'colour_overlay', 'init_face_aligner',
    'align_face', 'draw_landmarks', 'ZeroShotAttributes', 'attribute_prompts',
    'gradcam', 'markdown_table', 'pick_metric', 'run_variant'
]
from .face_attributes import classify_faces, init_face_classifier  # noqa: F401
from .face_demo import init_task_model, run_face_tasks  # noqa: F401
from .face_inputs import detect_faces, load_faces  # noqa: F401
from .face_parsing import parse_faces  # noqa: F401
