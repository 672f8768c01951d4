from .face_warp_estimator import FaceWarpPoseEstimator

__all__ = ['FaceWarpPoseEstimator']
