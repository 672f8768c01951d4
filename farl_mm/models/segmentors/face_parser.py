"""mmseg's EncoderDecoder that scores on the original photo (paper §4.1,
appendix): the network sees the aligned, tanh-warped face; its logits are
pulled back through the exact inverse map (bilinear), then argmax."""
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder

from farl_mm.geometry import FaceWarp
from farl_mm.models.heads.uper_inference import factorized_uper_heads
from farl_mm.registry import MODELS


@MODELS.register_module()
class FaceParser(EncoderDecoder):
    """Face parser; samples packed with a ``face_warp`` meta are un-warped.

    ``test_cfg`` may add ``flip=True`` with ``flip_pairs`` (class-id pairs,
    e.g. ``[[2, 3], [4, 5]]`` for LaPa): the mirrored image is predicted
    too and its logits are mirrored back with left/right channels
    swapped before averaging. mmseg's own flip test-time augmentation
    does not swap classes, which is wrong for faces.

    ``test_cfg`` may set ``logits_size=(h, w)``: the head's logits are
    resized to it instead of the input size before the inverse warp (the
    authors' released parsers: 512 x 512 for their 448 canvas). The warp
    reads the logits in normalised canvas coordinates, so any size works;
    inputs must then be unpadded (the canvas is the crop size).

    At test time a UPerHead computes its last convolution factorised
    (:mod:`farl_mm.models.heads.uper_inference`): same logits, 38% fewer
    FLOPs in the authors' 448 px parser.

    Missing backbone weights are caught before training starts by
    :class:`farl_mm.PreflightHook` (the configs' ``custom_hooks``).
    """

    def inference(self, inputs, batch_img_metas):
        size = self.test_cfg.get('logits_size')
        if size is not None:
            batch_img_metas = [self._at_logits_size(meta, tuple(size))
                               for meta in batch_img_metas]
        with factorized_uper_heads(self):  # same logits, fewer FLOPs
            logits = super().inference(inputs, batch_img_metas)
            if not self.test_cfg.get('flip', False):
                return logits
            mirrored = super().inference(inputs.flip(-1), batch_img_metas)
        order = self._swapped_order(logits.shape[1])
        return (logits + mirrored.flip(-1)[:, order]) / 2

    @staticmethod
    def _at_logits_size(meta, size):
        if any(meta.get('img_padding_size', meta.get('padding_size', [0]))):
            raise ValueError(
                f'{meta.get("img_path")}: test_cfg.logits_size needs '
                'unpadded inputs; make the warp size the crop size')
        return dict(meta, img_shape=size, pad_shape=size)

    def _swapped_order(self, num_classes):
        order = list(range(num_classes))
        for a, b in self.test_cfg.get('flip_pairs', []):
            order[a], order[b] = b, a
        return order

    def postprocess_result(self, seg_logits, data_samples=None):
        if data_samples is None:
            return super().postprocess_result(seg_logits, data_samples)
        for i, sample in enumerate(data_samples):
            meta = sample.metainfo
            if 'face_warp' not in meta:
                super().postprocess_result(seg_logits[i:i + 1], [sample])
                continue
            if meta.get('flip'):
                raise ValueError(
                    f'{meta.get("img_path")}: flipped test input; use '
                    'test_cfg.flip=True for flip test-time augmentation')
            left, right, top, bottom = meta.get(
                'img_padding_size', meta.get('padding_size', [0] * 4))
            _, _, height, width = seg_logits.shape
            logits = seg_logits[i:i + 1, :, top:height - bottom,
                                left:width - right]
            warp = FaceWarp(**meta['face_warp'])
            logits = warp.unwarp_logits(logits, meta['ori_shape'][:2])[0]
            sample.set_data(dict(
                seg_logits=PixelData(data=logits),
                pred_sem_seg=PixelData(
                    data=logits.argmax(dim=0, keepdim=True))))
        return data_samples


__all__ = ['FaceParser']
