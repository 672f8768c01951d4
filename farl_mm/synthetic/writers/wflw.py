"""Synthetic faces in WFLW's official layout: ``list_98pt_rect_attr_*.txt``
and ``WFLW_images/``, as the WFLW converter in ``tools/dataset_converters``
reads them."""
import os
import os.path as osp

from farl_mm.datasets.alignment_formats import WFLW_ATTRIBUTES

from .images import draw_faces, save_jpeg


def write_wflw(root, num_train, num_test, seed=0, size=128):
    """WFLW's official layout: ``{root}/WFLW_images/*/*.jpg`` and
    ``{root}/WFLW_annotations/list_98pt_rect_attr_train_test/
    list_98pt_rect_attr_{train,test}.txt``. Attribute ``j`` is set on
    test faces whose index is divisible by ``j + 2``."""
    ann_dir = osp.join(root, 'WFLW_annotations',
                       'list_98pt_rect_attr_train_test')
    os.makedirs(ann_dir, exist_ok=True)
    start = 0
    for split, num in (('train', num_train), ('test', num_test)):
        lines = []
        for i, face in enumerate(draw_faces(num, seed, size, start)):
            name = f'{i % 2}--Synthetic/{split}_{start + i:05d}.jpg'
            save_jpeg(osp.join(root, 'WFLW_images', name), face.image)
            flags = [int(split == 'test' and i % (j + 2) == 0)
                     for j in range(len(WFLW_ATTRIBUTES))]
            values = [f'{v:.4f}' for v in face.landmarks('wflw').ravel()]
            values += [str(int(round(v))) for v in face.box]
            lines.append(' '.join(values + [str(f) for f in flags] + [name]))
        with open(osp.join(ann_dir, f'list_98pt_rect_attr_{split}.txt'),
                  'w') as f:
            f.write('\n'.join(lines) + '\n')
        start += num
