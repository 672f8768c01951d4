"""Inference speed of FaRLViT against open_clip's OpenAI-CLIP ViT-B/16.

    python tools/analysis_tools/benchmark_backbone.py [--timm]
    python tools/analysis_tools/benchmark_backbone.py --quick  # smoke test

Both models get the same random weights (open_clip's state dict converted by
:func:`farl_mm.converters.convert_farl_state_dict` and loaded with
``strict=True``), must agree to 1e-4 in fp32 before anything is timed, and
run in one process on the same inputs in ``eval()`` and
``torch.inference_mode()``, in fp32 and under ``torch.autocast('cpu',
torch.bfloat16)``, at 224 px (batch 8) and 448 px (batch 2, one
bicubic-resized position embedding loaded into both).

Timed iterations interleave the models and the matmul probes, in reversed
order every other iteration, so that load from other processes and drift
hit them alike. Throughput (img/s) comes from each model's fastest
iteration; the speed ratio is the median over iterations of the ratio of
the two adjacent runs. The matmul peak is the fastest ``x @ w.T`` on the
model's MLP shapes seen in the same loops; FaRLViT's GFLOP/s count the
matmuls of the forward pass (patch projection, qkv, QK^T, AV, attention
projection, MLP, final projection).

On CPUs without native bf16 (avx512_bf16 / AMX) PyTorch's bf16 matmuls fall
back to reference kernels about 8x slower than fp32; a bf16 case is then
timed once per model, which keeps the run near two minutes on two cores.
"""
import argparse
import time

import torch
import torch.nn as nn
from mmpretrain.models.utils import resize_pos_embed

import farl_mm  # noqa: F401
from farl_mm.converters import convert_farl_state_dict
from farl_mm.registry import MODELS
from farl_mm.utils.benchmark import (DTYPES, autocast, cpu_description,
                                     paired_ratio, time_interleaved)

TARGET_RATIO = {'fp32': 1.0, 'bf16': 1.1}  # farl_mm / open_clip throughput
TARGET_PEAK_FRACTION = 0.75  # of the matmul peak, fp32
ATOL = 1e-4

# FaRLViT arch, open_clip vision config, (img_size, batch) per case and
# timed iterations per model. A ViT-B bf16 forward takes ~15 s on CPUs
# without native bf16: one iteration, no warm-up (a first-call cost is lost
# in that, and the fp32 runs before it have set up the allocator).
SETTINGS = {
    'full': dict(arch='base', patch_size=16, sizes=((224, 8), (448, 2)),
                 clip=dict(layers=12, width=768, head_width=64),
                 iters=dict(fp32=4, bf16=1)),
    'quick': dict(arch='tiny', patch_size=16, sizes=((64, 4), (128, 2)),
                  clip=dict(layers=4, width=64, head_width=16),
                  iters=dict(fp32=20, bf16=5)),
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='tiny architecture at 64/128 px (smoke test)')
    parser.add_argument('--timm', action='store_true',
                        help='also time timm vit_base_patch16_clip_quickgelu')
    parser.add_argument('--iters', type=int, default=None,
                        help='timed iterations per model (default: 4 in '
                        'fp32, 1 in bf16)')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


# --------------------------------------------------------------------------
# Models sharing one set of weights
# --------------------------------------------------------------------------
def create_open_clip(setting, img_size):
    import open_clip
    if setting == 'full':
        return open_clip.create_model(
            'ViT-B-16-quickgelu', pretrained=None,
            force_image_size=img_size).visual
    from open_clip.model import _build_vision_tower
    cfg = SETTINGS[setting]
    arch = MODELS.get('FaRLViT').arch_zoo[cfg['arch']]
    return _build_vision_tower(
        arch['output_dims'],
        dict(cfg['clip'], patch_size=cfg['patch_size'], image_size=img_size),
        quick_gelu=True)


def perturbed(model, seed):
    """open_clip's init leaves LayerNorms at 1/0; perturb every tensor."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.02 * torch.randn(p.shape, generator=gen))
    return model


def with_pos_embed_for(reference, setting, img_size):
    """An open_clip tower for ``img_size`` with the bicubic-resized
    position embedding of ``reference``."""
    patch = SETTINGS[setting]['patch_size']
    state = dict(reference.state_dict())
    state['positional_embedding'] = resize_pos_embed(
        state['positional_embedding'][None], reference.grid_size,
        (img_size // patch, img_size // patch), 'bicubic',
        num_extra_tokens=1)[0]
    resized = create_open_clip(setting, img_size)
    resized.load_state_dict(state)
    return resized


class FaRLEmbedding(nn.Module):
    """FaRLViT returning the projected class token like open_clip."""

    def __init__(self, setting, img_size, reference):
        super().__init__()
        self.backbone = MODELS.build(dict(
            type='FaRLViT', arch=SETTINGS[setting]['arch'],
            img_size=img_size, out_indices=(-1, ), out_type='embedding'))
        clip_state = {'visual.' + k: v
                      for k, v in reference.state_dict().items()}
        converted, _ = convert_farl_state_dict(clip_state, parts=('image', ))
        self.backbone.load_state_dict(
            {k[len('backbone.'):]: v for k, v in converted.items()},
            strict=True)

    def forward(self, x):
        return self.backbone(x)[-1]


class TimmEmbedding(nn.Module):
    """timm's CLIP ViT, loaded through timm's own OpenAI-CLIP converter."""

    def __init__(self, setting, img_size, reference):
        super().__init__()
        import timm
        from timm.models.vision_transformer import checkpoint_filter_fn
        arch = MODELS.get('FaRLViT').arch_zoo[SETTINGS[setting]['arch']]
        self.vit = timm.create_model(
            'vit_base_patch16_clip_quickgelu_224', pretrained=False,
            img_size=img_size, embed_dim=arch['embed_dims'],
            depth=arch['num_layers'], num_heads=arch['num_heads'],
            mlp_ratio=arch['feedforward_channels'] / arch['embed_dims'],
            num_classes=arch['output_dims'])
        clip_state = {'visual.' + k: v
                      for k, v in reference.state_dict().items()}
        self.vit.load_state_dict(
            checkpoint_filter_fn(clip_state, self.vit), strict=True)

    def forward(self, x):
        return self.vit(x)


def build_models(setting, with_timm, seed):
    """``{img_size: {name: model}}``, all holding the same weights."""
    sizes = [size for size, _ in SETTINGS[setting]['sizes']]
    base = perturbed(create_open_clip(setting, sizes[0]), seed)
    models = {}
    for size in sizes:
        ref = base if size == sizes[0] else with_pos_embed_for(
            base, setting, size)
        group = {'farl_mm': FaRLEmbedding(setting, size, ref),
                 'open_clip': ref}
        if with_timm:
            group['timm'] = TimmEmbedding(setting, size, ref)
        models[size] = {name: m.eval() for name, m in group.items()}
    return models


# --------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------
def max_diffs(outs, to='farl_mm'):
    return {name: (out.float() - outs[to].float()).abs().max().item()
            for name, out in outs.items() if name != to}


def matmul_probes(tokens, dims, hidden, dtype):
    """``x @ w.T`` (nn.Linear's layout) on the two MLP shapes.

    Returns:
        tuple[dict, int]: functions by name and the FLOPs of each call.
    """
    probes = {}
    for k, n in ((dims, hidden), (hidden, dims)):
        x, w = torch.randn(tokens, k).to(dtype), torch.randn(n, k).to(dtype)
        probes[f'mm {tokens}x{k}x{n}'] = lambda x=x, w=w: torch.mm(x, w.t())
    return probes, 2 * tokens * dims * hidden


def vit_flops(arch, img_size, patch_size):
    """Forward FLOPs (2 x multiply-accumulates) of the matmuls per image.

    Norms, softmax, activations and additions are left out.
    """
    C, F = arch['embed_dims'], arch['feedforward_channels']
    hw = (img_size // patch_size)**2
    N = hw + 1  # with the class token
    macs = hw * 3 * patch_size**2 * C  # patch projection
    macs += arch['num_layers'] * (
        N * C * 3 * C  # qkv
        + 2 * N * N * C  # QK^T and AV, all heads
        + N * C * C  # attention projection
        + 2 * N * C * F)  # MLP
    macs += C * arch['output_dims']  # final projection
    return 2 * macs


def run_case(group, precision, size, batch, setting, iters):
    """Time one (precision, size) case; returns a dict of results."""
    cfg = SETTINGS[setting]
    arch = MODELS.get('FaRLViT').arch_zoo[cfg['arch']]
    x = torch.randn(batch, 3, size, size)
    fns = {name: (lambda m=m: m(x)) for name, m in group.items()}
    tokens = batch * ((size // cfg['patch_size'])**2 + 1)
    probes, probe_flops = matmul_probes(
        tokens, arch['embed_dims'], arch['feedforward_channels'],
        DTYPES[precision])
    with torch.inference_mode():
        ref_out = group['farl_mm'](x) if precision != 'fp32' else None
        with autocast(precision):
            times, outs = time_interleaved({**fns, **probes}, iters)
    best = {name: min(times[name]) for name in fns}
    flops = vit_flops(arch, size, cfg['patch_size']) * batch
    # open_clip time / model time, paired by iteration
    speed = {name: paired_ratio(times, 'open_clip', name) for name in fns}
    result = dict(
        precision=precision, size=size, batch=batch, best=best,
        iters=iters, speed=speed,
        ips={name: batch / t for name, t in best.items()},
        ratio=speed['farl_mm'],
        gflops=flops / best['farl_mm'] / 1e9,
        peak=max(probe_flops / min(times[p]) / 1e9 for p in probes))
    if ref_out is not None:  # how far each bf16 output is from fp32 FaRLViT
        result['drift'] = {name: (out.float() - ref_out).abs().max().item()
                           for name, out in outs.items() if name in fns}
    return result


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------
def print_report(results, peaks):
    print('\n| precision | px x batch | model | img/s | ms/iter | iters | '
          'speed vs open_clip | GFLOP/s | % of matmul peak |')
    print('|---|---|---|---|---|---|---|---|---|')
    for r in results:
        for name, ips in r['ips'].items():
            flops = pct = ''
            if name == 'farl_mm':
                flops = f'{r["gflops"]:.1f}'
                pct = f'{r["gflops"] / peaks[r["precision"]]:.0%}'
            print(f'| {r["precision"]} | {r["size"]}x{r["batch"]} | {name} | '
                  f'{ips:.2f} | {r["best"][name] * 1e3:.0f} | {r["iters"]} | '
                  f'{r["speed"][name]:.2f}x | {flops} | {pct} |')
    for precision, peak in peaks.items():
        print(f'matmul peak {precision}: {peak:.1f} GFLOP/s')
    for r in results:
        if 'drift' in r:
            shown = ', '.join(f'{k} {v:.1e}' for k, v in r['drift'].items())
            print(f'{r["precision"]} {r["size"]} px max |output - fp32 '
                  f'farl_mm|: {shown}')
    print()
    for r in results:
        precision, target = r['precision'], TARGET_RATIO[r['precision']]
        verdict = 'PASS' if r['ratio'] >= target else 'MISS'
        print(f'{verdict} {precision} {r["size"]} px: farl_mm / open_clip '
              f'{r["ratio"]:.2f}x (target >= {target:.1f}x)')
        if precision == 'fp32':
            frac = r['gflops'] / peaks['fp32']
            verdict = 'PASS' if frac >= TARGET_PEAK_FRACTION else 'MISS'
            print(f'{verdict} fp32 {r["size"]} px: farl_mm {r["gflops"]:.1f} '
                  f'GFLOP/s = {frac:.0%} of matmul peak (target >= '
                  f'{TARGET_PEAK_FRACTION:.0%})')


def main():
    args = parse_args()
    setting = 'quick' if args.quick else 'full'
    start = time.perf_counter()
    print(f'torch {torch.__version__}; {cpu_description()}')
    torch.manual_seed(args.seed)
    models = build_models(setting, args.timm, args.seed)

    # Same weights: fp32 outputs agree; this also warms up the fp32 runs.
    for size, batch in SETTINGS[setting]['sizes']:
        x = torch.randn(batch, 3, size, size)
        with torch.inference_mode():
            diffs = max_diffs({k: m(x) for k, m in models[size].items()})
        shown = ', '.join(f'{k} {v:.1e}' for k, v in diffs.items())
        print(f'{size} px fp32 max |output - farl_mm|: {shown}')
        if max(diffs.values()) > ATOL:
            raise SystemExit(f'outputs differ by more than {ATOL}: not the '
                             'same model, refusing to time it')
    print(f'built and checked in {time.perf_counter() - start:.0f} s')

    results = []
    for precision in DTYPES:
        for size, batch in SETTINGS[setting]['sizes']:
            results.append(run_case(
                models[size], precision, size, batch, setting,
                args.iters or SETTINGS[setting]['iters'][precision]))
    peaks = {}
    for r in results:
        peaks[r['precision']] = max(peaks.get(r['precision'], 0), r['peak'])
    print_report(results, peaks)
    if args.quick:
        print('(--quick: tiny architecture; the targets are for ViT-B)')
    print(f'\ntotal {time.perf_counter() - start:.0f} s')


if __name__ == '__main__':
    main()
