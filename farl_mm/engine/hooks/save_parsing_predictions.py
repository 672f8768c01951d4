"""Write every test prediction as a label PNG, for rescoring elsewhere."""
import os
import os.path as osp

import cv2
import numpy as np
from mmengine.hooks import Hook

from farl_mm.registry import HOOKS


@HOOKS.register_module()
class SaveParsingPredictions(Hook):
    """``{out_dir}/{image stem}.png``: class ids (uint8) on the original
    image's grid, as the segmentor's ``pred_sem_seg`` holds them.

    ``tools/test.py --out DIR`` adds this hook.

    Args:
        out_dir (str): Destination folder (created).
    """

    def __init__(self, out_dir):
        self.out_dir = out_dir

    def before_test(self, runner):
        os.makedirs(self.out_dir, exist_ok=True)

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None):
        for sample in outputs:
            label = sample.pred_sem_seg.data.squeeze(0).cpu().numpy()
            if label.max(initial=0) > 255:
                raise ValueError('class ids above 255 do not fit a PNG')
            stem = osp.splitext(osp.basename(sample.img_path))[0]
            cv2.imwrite(osp.join(self.out_dir, stem + '.png'),
                        label.astype(np.uint8))
