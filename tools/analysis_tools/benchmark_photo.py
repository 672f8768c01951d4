"""A released face model on a photo: farl_mm against the authors' facer.

    python tools/analysis_tools/benchmark_photo.py                  # parsing
    python tools/analysis_tools/benchmark_photo.py --task alignment
    python tools/analysis_tools/benchmark_photo.py --quick          # smoke

The network is the release's own, full size (FaRL ViT-B/16 at 448 px,
pyramid, UperNet 768 wide), built by the authors' code (pyfacer) with its
random initialisation, saved as facer ships it (TorchScript), converted
with ``farl_mm.converters.facer`` (``tools/model_converters/facer2mm.py``):
both sides run the same weights. One call is the whole photo pipeline
(alignment matrix from the 5 points, warp, network, inverse warp; parsing
labels or landmarks on the photo) on scikit-image's astronaut (512 x 512,
one face) and on that photo tiled side by side (``--faces`` faces): facer
with one batch of all faces (``FaRLFaceParser`` / ``FaRLFaceAlignment``),
farl_mm through ``farl_mm.apis`` (``parse_faces``, which also assigns each
pixel to its nearest face, / ``align_faces_by_points``). Calls are
interleaved (order reversed every other round,
:func:`farl_mm.utils.benchmark.time_interleaved`), the first round is a
warm-up; the ratio is facer's median time over farl_mm's (> 1: farl_mm
faster). Target: >= 1.0x on CPU, fp32, 448 px.
"""
import argparse
import io
import os.path as osp
import statistics
import tempfile

import numpy as np
import torch
from mmengine.config import Config

import farl_mm  # noqa: F401
from farl_mm.apis import init_task_model
from farl_mm.apis.face_alignment import align_faces_by_points
from farl_mm.apis.face_parsing import parse_faces
from farl_mm.converters.facer import (RELEASES, FaceParsingTransformer,
                                      release_checkpoint)
from farl_mm.utils.benchmark import cpu_description, time_interleaved

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: The astronaut's left eye, right eye, nose tip, mouth corners (px).
POINTS5 = np.array([[202.5, 101.0], [248.5, 103.5], [222.5, 125.0],
                    [204.0, 144.0], [241.0, 145.0]])
MODELS = dict(parsing='lapa/448', alignment='ibug300w/448')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--task', choices=sorted(MODELS), default='parsing')
    parser.add_argument('--faces', type=int, default=3,
                        help='faces of the several-faces photo')
    parser.add_argument('--reps', type=int, default=2,
                        help='timed rounds after the warm-up')
    parser.add_argument('--quick', action='store_true',
                        help='64-wide, 4-block networks: a smoke test')
    return parser.parse_args()


def build_release(task, path, quick):
    """The release's network from the authors' code, saved as they ship
    it; its classes and the widths used."""
    from facer.face_alignment.network import (FaRLVisualFeatures,
                                              MMSEG_UPerHead)
    from mmengine.registry import DefaultScope
    model = MODELS[task]
    outputs = 11 if task == 'parsing' else 68
    torch.manual_seed(0)
    if quick:
        from unittest import mock

        from facer.farl.model import VisualTransformer
        tiny = dict(input_resolution=224, patch_size=16, width=64, layers=4,
                    heads=1, output_dim=32)
        with mock.patch('facer.farl.load_farl',
                        lambda *a, **k: VisualTransformer(**tiny)):
            backbone = FaRLVisualFeatures('base', None, [0, 1, 2, 3], 448)
    else:
        backbone = FaRLVisualFeatures('base', None,
                                      forced_input_resolution=448)
    width = backbone.output_channels
    with DefaultScope.overwrite_default_scope('mmseg'):
        head = MMSEG_UPerHead(num_classes=outputs, in_channels=[width] * 4,
                              channels=width)
    backbone.eval(), head.eval()
    image = torch.rand(1, 3, 448, 448)
    with torch.no_grad():
        features, _ = backbone(image)
        if task == 'parsing':
            net = FaceParsingTransformer(
                torch.jit.trace(backbone, image, strict=False),
                torch.jit.trace(head, [features]))
            torch.jit.save(torch.jit.script(net), path)
        else:
            weights = io.BytesIO()
            torch.save(backbone.state_dict(), weights)
            torch.jit.save(torch.jit.trace(head, [features]), path,
                           _extra_files={'backbone': weights.getvalue()})
    return model, width


def farl_mm_model(task, model, src, dst, quick, width):
    cfg = Config.fromfile(osp.join(REPO, RELEASES[model].config))
    if quick:
        cfg.model.backbone.arch = dict(
            embed_dims=width, num_layers=4, num_heads=1,
            feedforward_channels=4 * width, output_dims=32)
        cfg.model.backbone.out_indices = (0, 1, 2, 3)
        cfg.model.neck.embed_dim = width
        head = cfg.model.get('decode_head') or cfg.model.head
        head.in_channels, head.channels = [width] * 4, width
    checkpoint, _ = release_checkpoint(src, model, cfg)
    torch.save(checkpoint, dst)
    return init_task_model(task, dst).eval()


def facer_model(task, model, src, quick):
    import facer
    build = facer.face_parser if task == 'parsing' else facer.face_aligner
    if not quick or task == 'parsing':
        return build(f'farl/{model}', 'cpu', model_path=src).eval()
    from unittest import mock

    from facer.farl.model import VisualTransformer
    tiny = dict(input_resolution=224, patch_size=16, width=64, layers=4,
                heads=1, output_dim=32)
    features = facer.face_alignment.network.FaRLVisualFeatures
    with mock.patch('facer.farl.load_farl',
                    lambda *a, **k: VisualTransformer(**tiny)), \
            mock.patch.object(features, 'get_default_output_indices',
                              staticmethod(lambda _: [0, 1, 2, 3])):
        return build(f'farl/{model}', 'cpu', model_path=src).eval()


def photo_with_faces(count):
    """The astronaut tiled ``count`` times side by side (RGB), and the 5
    points of each face."""
    from skimage.data import astronaut
    photo = astronaut()
    tiled = np.concatenate([photo] * count, axis=1)
    points = [POINTS5 + [photo.shape[1] * i, 0] for i in range(count)]
    return np.ascontiguousarray(tiled), points


def pipelines(task, ours, theirs, rgb, points):
    bgr = np.ascontiguousarray(rgb[..., ::-1])
    images = torch.from_numpy(rgb).permute(2, 0, 1)[None]
    data = dict(points=torch.from_numpy(np.stack(points)).float(),
                image_ids=torch.zeros(len(points), dtype=torch.long))

    def facer_call():
        with torch.inference_mode():
            out = theirs(images, dict(data))
        if task == 'parsing':
            return out['seg']['logits'].argmax(1)
        return out['alignment']

    if task == 'parsing':
        def farl_mm_call():
            return parse_faces(ours, bgr, points)[0]
    else:
        def farl_mm_call():
            return align_faces_by_points(ours, bgr, points)[0]
    return {'farl_mm': farl_mm_call, 'facer': facer_call}


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = MODELS[args.task]
        src = osp.join(tmp, RELEASES[model].file)
        _, width = build_release(args.task, src, args.quick)
        ours = farl_mm_model(args.task, model, src,
                             osp.join(tmp, 'farl_mm.pth'), args.quick, width)
        theirs = facer_model(args.task, model, src, args.quick)
    print(f'{args.task}, facer {model}, {"quick" if args.quick else "full"}'
          f' size, fp32, {cpu_description()}')
    print('| photo | farl_mm (s) | facer (s) | facer / farl_mm |')
    print('|---|---|---|---|')
    for faces in (1, args.faces):
        rgb, points = photo_with_faces(faces)
        fns = pipelines(args.task, ours, theirs, rgb, points)
        times, outs = time_interleaved(fns, args.reps + 1)
        med = {k: statistics.median(v[1:]) for k, v in times.items()}
        print(f'| {rgb.shape[1]}x{rgb.shape[0]}, {faces} face(s) | '
              f'{med["farl_mm"]:.2f} | {med["facer"]:.2f} | '
              f'**{med["facer"] / med["farl_mm"]:.2f}x** |')
        if faces == 1:
            agreement = same_outputs(args.task, outs)
    print(f'one face, farl_mm vs facer: {agreement}')


def same_outputs(task, outs):
    """How far the two pipelines' results are apart (one face)."""
    ours = torch.as_tensor(np.asarray(outs['farl_mm'])).squeeze()
    theirs = outs['facer'].squeeze()
    if task == 'parsing':
        same = (ours.long() == theirs.long()).double().mean().item()
        return f'labels agree on {same:.2%} of the photo'
    dist = (ours.double() - theirs.double()).norm(dim=-1).max().item()
    return f'landmarks at most {dist:.3f} px apart'


if __name__ == '__main__':
    main()
