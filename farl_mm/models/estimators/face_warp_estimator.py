"""Landmarks decoded on the photo itself, as the authors' released face
alignment models are decoded (their ``facer`` package).

The network sees the face warped onto a canvas (``farl_mm.FaceAlignWarp``:
five points or a box, any tanh warp); each landmark's activated heatmap is
resized to the canvas, pulled back onto the photo through the inverse warp
and its centre of mass there is the landmark. The mass is taken where the
photo is, so a map cut by the photo border is not dragged outside it.
"""
import torch.nn.functional as F
from mmengine.structures import InstanceData
from mmpose.models.pose_estimators import TopdownPoseEstimator

from farl_mm.geometry import FaceWarp
from farl_mm.models.heads.uper_inference import factorized_uper_heads
from farl_mm.models.losses.heatmap_ce import soft_argmax
from farl_mm.registry import MODELS


@MODELS.register_module()
class FaceWarpPoseEstimator(TopdownPoseEstimator):
    """mmpose's top-down estimator; samples packed with a ``face_warp``
    meta are decoded on their photo (module docstring), others as mmpose
    does (the head's codec, then the box)."""

    def predict(self, inputs, data_samples):
        if 'face_warp' not in data_samples[0].metainfo:
            return super().predict(inputs, data_samples)
        if self.test_cfg.get('flip_test', False):
            raise ValueError('flip_test is not supported with face_warp '
                             'decoding; set test_cfg.flip_test=False')
        with factorized_uper_heads(self):  # same maps, fewer FLOPs
            logits = self.head.forward(self.extract_feat(inputs))
        maps = self.activate(logits)
        for sample, face_maps in zip(data_samples, maps):
            points, scores = self.photo_landmarks(face_maps, sample.metainfo)
            pred = InstanceData(keypoints=points[None].cpu().numpy(),
                                keypoint_scores=scores[None].cpu().numpy())
            if 'gt_instances' in sample and 'bboxes' in sample.gt_instances:
                pred.bboxes = sample.gt_instances.bboxes
            sample.pred_instances = pred
        return data_samples

    def activate(self, logits):
        """The head's maps: a sigmoid per pixel, or a spatial softmax."""
        if getattr(self.head, 'heatmap_activation', 'sigmoid') == 'sigmoid':
            return logits.sigmoid()
        return logits.flatten(2).softmax(-1).view_as(logits)

    @staticmethod
    def photo_landmarks(maps, meta):
        """``(K, h, w)`` canvas maps -> ``(K, 2)`` photo landmarks and
        ``(K,)`` peaks, through the sample's ``face_warp``."""
        warp = FaceWarp(**meta['face_warp'])
        width, height = warp.size
        canvas = F.interpolate(maps[None], size=(height, width),
                               mode='bilinear', align_corners=False)
        photo = warp.unwarp_logits(canvas, meta['ori_shape'][:2])[0]
        return soft_argmax(photo, eps=1e-6), photo.flatten(1).amax(-1)
