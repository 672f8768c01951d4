"""Inference: FaRL's encoders and the face models of each task on photos."""
from .encoder import FaRLEncoder
from .face_alignment import align_face, draw_landmarks, init_face_aligner
from .face_attributes import classify_faces, init_face_classifier
from .face_inputs import detect_faces, find_faces, load_faces
from .face_parsing import (colour_overlay, init_face_parser, parse_face,
                           parse_faces)
from .face_tasks import init_task_model, run_face_tasks
from .zero_shot import ZeroShotAttributes, attribute_prompts, gradcam

__all__ = [
    'FaRLEncoder',
    'init_face_parser', 'parse_face', 'parse_faces', 'colour_overlay',
    'init_face_aligner', 'align_face', 'draw_landmarks',
    'init_face_classifier', 'classify_faces', 'init_task_model',
    'run_face_tasks', 'load_faces', 'detect_faces', 'find_faces',
    'ZeroShotAttributes',
    'attribute_prompts', 'gradcam'
]
