from .attribute_accuracy import AttributeAccuracy, FairFaceAccuracy
from .face_landmark import FaceLandmarkMetric
from .face_parsing_f1 import FaceParsingF1

__all__ = [
    'AttributeAccuracy', 'FairFaceAccuracy', 'FaceLandmarkMetric',
    'FaceParsingF1'
]
