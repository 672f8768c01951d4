"""Synthetic faces in HRNet's 300W csv lists and ``images/``, as the 300W
converter in ``tools/dataset_converters`` reads them."""
import os.path as osp

from .images import draw_faces, save_jpeg


def write_300w_csv(root, num_train, num_common, num_challenge,
                   num_official=0, seed=0, size=128):
    """HRNet's 300W lists under ``{root}/`` (``face_landmarks_300w_
    {train,valid_common,valid_challenge,valid,test}.csv``) and images
    under ``{root}/images/``; ``scale`` is ``max(w, h) / 200`` of the
    face box. An empty HRNet split is a header-only list; the official
    test list is written only when ``num_official`` is not 0."""
    header = ['image_name', 'scale', 'center_w', 'center_h'] + [
        f'original_{k}_{c}' for k in range(68) for c in 'xy']
    splits = (('train', num_train), ('valid_common', num_common),
              ('valid_challenge', num_challenge), ('test', num_official))
    rows, start = {}, 0
    for split, num in splits:
        rows[split] = []
        for i, face in enumerate(draw_faces(num, seed, size, start)):
            name = f'{split}/image_{start + i:05d}.jpg'
            save_jpeg(osp.join(root, 'images', name), face.image)
            x1, y1, x2, y2 = face.box
            scale = max(x2 - x1, y2 - y1) / 200
            rows[split].append(
                [name, f'{scale:.6f}', f'{(x1 + x2) / 2:.4f}',
                 f'{(y1 + y2) / 2:.4f}'] +
                [f'{v:.4f}' for v in face.landmarks('300w').ravel()])
        start += num
    rows['valid'] = rows['valid_common'] + rows['valid_challenge']
    for split, lines in rows.items():
        if split == 'test' and not lines:  # the optional official list
            continue
        with open(osp.join(root, f'face_landmarks_300w_{split}.csv'),
                  'w') as f:
            f.write('\n'.join(','.join(r) for r in [header, *lines]) + '\n')
