"""Training-step speed of FaRL pretraining against open_clip's CLIP.

    python tools/analysis_tools/benchmark_train.py          # ViT-B/16
    python tools/analysis_tools/benchmark_train.py --quick  # tiny, smoke test
    python tools/analysis_tools/benchmark_train.py --scaling  # loss vs GPUs
    python tools/analysis_tools/benchmark_train.py --batch 8 --steps 5 \
        --bf16-steps 2 --bf16-depth 0                     # bigger, slower

One training step is ``zero_grad``, forward, loss, ``backward`` and an
AdamW ``step``, on the same normalised images and CLIP token ids, for:

- ``farl_itc``: ``farl_mm.FaRL`` with MIM off (``FaRLViT`` +
  ``CLIPTextTransformer`` + ``ContrastiveLoss``), called through
  ``FaRL.loss`` as the runner calls it;
- ``open_clip``: ``open_clip.model.CLIP`` with the same architecture
  (QuickGELU) and ``open_clip.loss.ClipLoss``, the same weights (open_clip's
  state dict converted by :func:`farl_mm.converters.convert_farl_state_dict`
  and loaded with ``strict=True``);
- ``farl_full``: ITC + MIM, the pretraining step (a second, masked pass of
  the image tower with 75 of 196 patches masked, the 1-block MIM head and
  the frozen DALL-E tokenizer at half the input size, random weights).

Before anything is timed, ``farl_itc`` and ``open_clip`` must give the same
loss (1e-4) and the same gradients of the image tower's first and the text
tower's last weights (1e-4 relative). Steps of the three models are
interleaved, in reversed order every other step, so that load from other
processes hits them alike; a step's time is the median of its steps and a
ratio is the median of the ratios of adjacent steps.

bf16 is ``torch.autocast('cpu', torch.bfloat16)`` around forward and loss.
On CPUs without avx512_bf16/AMX PyTorch's bf16 GEMMs run about 8x slower
than fp32 ones, so by default the bf16 case keeps ViT-B's widths but only
``--bf16-depth`` blocks in each tower (and the MIM head's one); the ratios
are per-block ratios (``--bf16-depth 0`` for the full depth).
"""
import argparse
import statistics
import time

import torch

import farl_mm  # noqa: F401
from farl_mm.converters import convert_farl_state_dict
from farl_mm.utils.benchmark import PRETRAIN_SETTINGS as SETTINGS
from farl_mm.utils.benchmark import (archs, autocast, build_farl, make_batch,
                                     paired_ratio, time_interleaved,
                                     total_loss)

TARGETS = dict(itc_vs_open_clip=1.0, full_vs_itc=2.2)
ATOL = 1e-4


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='tiny towers at 64 px (smoke test)')
    parser.add_argument('--batch', type=int, help='images per step')
    parser.add_argument('--steps', type=int, help='timed fp32 steps')
    parser.add_argument('--bf16-steps', type=int, help='timed bf16 steps')
    parser.add_argument('--depth', type=int, default=0,
                        help='blocks per tower in fp32 (0: the arch\'s)')
    parser.add_argument('--bf16-depth', type=int,
                        help='blocks per tower in bf16 (0: the arch\'s)')
    parser.add_argument('--bf16-full', action='store_true',
                        help='also time farl_full in bf16 with fewer blocks '
                        '(not a target; skipped by default)')
    parser.add_argument('--precisions', nargs='+', default=['fp32', 'bf16'],
                        choices=['fp32', 'bf16'])
    parser.add_argument('--tokenizer', default='dalle',
                        choices=['dalle', 'random-projection'],
                        help='MIM target generator of farl_full')
    parser.add_argument('--optimizer', default='fused',
                        choices=['fused', 'foreach', 'for-loop'],
                        help='AdamW implementation, the same for all models')
    parser.add_argument('--profile', action='store_true',
                        help='print torch.profiler tables of one step each')
    parser.add_argument('--scaling', action='store_true',
                        help='only the cost of the global-batch contrastive '
                        'loss per GPU count (paper scaling table)')
    parser.add_argument('--per-gpu', type=int, default=32,
                        help='--scaling: images per GPU')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


# --------------------------------------------------------------------------
# Three models, one set of weights
# --------------------------------------------------------------------------
def build_open_clip(image, text, img_size, seed):
    """open_clip's CLIP with these archs; every tensor perturbed (CLIP's
    init leaves LayerNorms at 1/0 and biases at 0)."""
    from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg
    model = CLIP(
        image['output_dims'],
        vision_cfg=CLIPVisionCfg(
            layers=image['num_layers'], width=image['embed_dims'],
            head_width=image['embed_dims'] // image['num_heads'],
            mlp_ratio=image['feedforward_channels'] / image['embed_dims'],
            patch_size=16, image_size=img_size),
        text_cfg=CLIPTextCfg(
            context_length=77, vocab_size=49408, width=text['embed_dims'],
            heads=text['num_heads'], layers=text['num_layers'],
            mlp_ratio=text['feedforward_channels'] / text['embed_dims']),
        quick_gelu=True)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name != 'logit_scale':
                p.add_(0.02 * torch.randn(p.shape, generator=gen))
    return model


def build_models(setting, depth, img_size, tokenizer, seed):
    image, text = archs(setting, depth)
    ref = build_open_clip(image, text, img_size, seed)
    converted, _ = convert_farl_state_dict(ref.state_dict())
    itc = build_farl(image, text, img_size, False, setting, tokenizer)
    itc.load_state_dict(converted, strict=True)
    full = build_farl(image, text, img_size, True, setting, tokenizer)
    missing, unexpected = full.load_state_dict(converted, strict=False)
    if unexpected or any(not k.startswith(('mim_head.', 'backbone.mask'))
                         for k in missing):
        raise SystemExit(f'farl_full does not hold the same weights: '
                         f'missing {missing}, unexpected {unexpected}')
    return dict(farl_itc=itc.train(), open_clip=ref.train(),
                farl_full=full.train())


def loss_fns(models, images, tokens, samples):
    """Each model's scalar training loss on the batch."""
    from open_clip.loss import ClipLoss
    clip_loss = ClipLoss()

    def open_clip_loss():
        img, txt, scale = models['open_clip'](images, tokens)
        return clip_loss(img, txt, scale)

    def farl_loss(name):
        return total_loss(models[name].loss(images, samples))

    return dict(farl_itc=lambda: farl_loss('farl_itc'),
                open_clip=open_clip_loss,
                farl_full=lambda: farl_loss('farl_full'))


def check_same_model(models, fns):
    """fp32 losses and gradients of farl_itc and open_clip agree."""
    out = {}
    for name in ('farl_itc', 'open_clip'):
        models[name].zero_grad(set_to_none=True)
        loss = fns[name]()
        loss.backward()
        out[name] = loss.item()
    itc, ref = models['farl_itc'], models['open_clip']
    pairs = [(itc.backbone.patch_embed.projection.weight.grad,
              ref.visual.conv1.weight.grad),
             (itc.text_backbone.proj.grad, ref.text_projection.grad),
             (itc.logit_scale.grad, ref.logit_scale.grad)]
    for model in (itc, ref):
        model.zero_grad(set_to_none=True)
    loss_diff = abs(out['farl_itc'] - out['open_clip'])
    grad_diff = max(((a - b).abs().max() / b.abs().max().clamp_min(1e-12))
                    .item() for a, b in pairs)
    print(f'fp32 loss farl_itc {out["farl_itc"]:.6f} open_clip '
          f'{out["open_clip"]:.6f} |diff| {loss_diff:.1e}; max relative '
          f'gradient diff {grad_diff:.1e}')
    if loss_diff > ATOL or grad_diff > ATOL:
        raise SystemExit('farl_itc and open_clip differ: not the same '
                         'model, refusing to time them')


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------
def make_steps(models, fns, images, precision, optimizer):
    """One AdamW training step per model, as a function; and the MIM
    tokenizer's forward alone (part of ``farl_full``'s step)."""
    steps = {}
    impl = {'fused': dict(fused=True), 'foreach': dict(foreach=True),
            'for-loop': dict(foreach=False)}[optimizer]
    for name, model in models.items():
        opt = torch.optim.AdamW(
            [p for p in model.parameters() if p.requires_grad], lr=1e-6,
            weight_decay=0.05, **impl)

        def step(model=model, opt=opt, fn=fns[name]):
            opt.zero_grad(set_to_none=True)
            with autocast(precision):
                loss = fn()
            loss.backward()
            opt.step()
            return loss.item()
        steps[name] = step

    def tokenizer(full=models['farl_full'], images=images):
        with torch.no_grad(), autocast(precision):
            return full.target_generator(images)
    steps['tokenizer'] = tokenizer
    return steps


def profile_steps(steps, precision, rows=12):
    from torch.profiler import ProfilerActivity, profile
    for name in ('farl_itc', 'open_clip'):
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            steps[name]()
        print(f'\n--- {precision} {name}: top ops by self CPU time ---')
        print(prof.key_averages().table(sort_by='self_cpu_time_total',
                                        row_limit=rows))


def run_case(args, setting, precision):
    cfg = SETTINGS[setting]
    depth = args.depth if precision == 'fp32' else (
        cfg['bf16_depth'] if args.bf16_depth is None else args.bf16_depth)
    batch = args.batch or cfg['batch']
    iters = (args.steps or cfg['steps']) if precision == 'fp32' else (
        args.bf16_steps or cfg['bf16_steps'])
    models = build_models(setting, depth, cfg['img_size'], args.tokenizer,
                          args.seed)
    images, tokens, samples = make_batch(setting, batch, cfg['img_size'],
                                         args.seed)
    fns = loss_fns(models, images, tokens, samples)
    if precision == 'fp32':
        check_same_model(models, fns)
    steps = make_steps(models, fns, images, precision, args.optimizer)
    if precision == 'bf16' and depth and not args.bf16_full:
        # a shallow model's full / itc ratio is no target (INFO only), and
        # farl_full is the slowest step without native bf16: skip it
        del steps['farl_full'], steps['tokenizer']
    # bf16 is slow without native support: its warm-up is the fp32 one
    # (allocator) plus the check above; a first-call cost stays in it.
    print(f'timing {precision}: {iters} steps of each model', flush=True)
    times, _ = time_interleaved(steps, iters,
                                warmup=1 if precision == 'fp32' else 0)
    if args.profile:
        profile_steps(steps, precision)
    image, text = archs(setting, depth)
    full = 'farl_full' in times
    no_tok = full and {
        'farl_full': [f - t for f, t in zip(times['farl_full'],
                                            times['tokenizer'])],
        'farl_itc': times['farl_itc']}
    nan = float('nan')
    return dict(precision=precision, batch=batch, iters=iters,
                depth=f'{image["num_layers"]}/{text["num_layers"]}',
                full_depth=not depth, img_size=cfg['img_size'],
                ms={k: statistics.median(v) * 1e3 for k, v in times.items()},
                itc_vs_open_clip=paired_ratio(times, 'farl_itc',
                                              'open_clip'),
                full_vs_itc=paired_ratio(times, 'farl_full', 'farl_itc')
                if full else nan,
                full_wo_tokenizer=paired_ratio(no_tok, 'farl_full',
                                               'farl_itc') if full else nan)


def _cell(value, fmt):
    """A table cell; '-' for a step that was not timed (nan)."""
    return '-' if value != value else format(value, fmt)


def print_report(results, arch):
    print('\n| precision | arch (image/text blocks) | px x batch | steps | '
          'farl_itc ms | open_clip ms | farl_full ms | of which tokenizer '
          'ms | itc / open_clip | full / itc | full w/o tokenizer / itc |')
    print('|---|---|---|---|---|---|---|---|---|---|---|')
    nan = float('nan')
    for r in results:
        ms = r['ms']
        cells = [_cell(ms.get(k, nan), '.0f') for k in (
            'farl_itc', 'open_clip', 'farl_full', 'tokenizer')]
        cells += [_cell(r[k], '.2f') + 'x' * (r[k] == r[k]) for k in (
            'itc_vs_open_clip', 'full_vs_itc', 'full_wo_tokenizer')]
        print(f'| {r["precision"]} | {arch} ({r["depth"]}) | '
              f'{r["img_size"]}x{r["batch"]} | {r["iters"]} | '
              + ' | '.join(cells) + ' |')
    print()
    for r in results:
        for key, label in (('itc_vs_open_clip', 'farl_itc / open_clip'),
                           ('full_vs_itc', 'farl_full / farl_itc')):
            if r[key] != r[key]:  # nan: not timed
                continue
            verdict = 'PASS' if r[key] <= TARGETS[key] else 'MISS'
            if key == 'full_vs_itc' and not r['full_depth']:
                verdict = 'INFO'  # fixed costs dominate a shallow model
            print(f'{verdict} {r["precision"]} {label} step time '
                  f'{r[key]:.2f}x (target <= {TARGETS[key]:.1f}x; '
                  f'{r["depth"]} blocks)')


# --------------------------------------------------------------------------
# Scaling of the global-batch contrastive loss, on paper
# --------------------------------------------------------------------------
def step_flops(setting, batch, tokenizer):
    """FLOPs (forward + backward) of one ITC+MIM step, counted by
    ``FlopCounterMode`` on a real step at ``batch``."""
    from torch.utils.flop_counter import FlopCounterMode
    cfg = SETTINGS[setting]
    image, text = archs(setting, 0)
    model = build_farl(image, text, cfg['img_size'], True, setting,
                       tokenizer).train()
    images, _, samples = make_batch(setting, batch, cfg['img_size'], 0)
    counter = FlopCounterMode(display=False)
    with counter:
        losses = model.loss(images, samples)
        (losses['loss_itc'] + losses['loss_mim']).backward()
    return counter.get_total_flops()


def per_rank_loss(world, per_gpu, dims, local_loss):
    """One rank's ContrastiveLoss forward + backward with ``world`` ranks.

    The all-gather is replaced by concatenating this rank's features with
    other ranks' (leaf tensors, so their gradients are computed too, as
    ``all_gather``'s backward needs them): the arithmetic of one rank.
    """
    from unittest import mock

    from farl_mm.models.losses import contrastive
    img = torch.randn(per_gpu, dims, requires_grad=True)
    txt = torch.randn(per_gpu, dims, requires_grad=True)
    others = [torch.randn((world - 1) * per_gpu, dims, requires_grad=True)
              for _ in range(2)]
    pending = list(others)

    def gather(feats):
        return torch.cat([feats, pending.pop(0)]) if world > 1 else feats

    loss_fn = contrastive.ContrastiveLoss(local_loss=local_loss)
    with mock.patch.object(contrastive, 'gather_features', gather), \
            mock.patch.object(contrastive.dist, 'get_rank', lambda: 0):
        start = time.perf_counter()
        loss, _ = loss_fn(img, txt, torch.tensor(100.))
        loss.backward()
        return time.perf_counter() - start


def contrastive_scaling(args, setting):
    per_gpu = args.per_gpu
    dims = archs(setting, 0)[0]['output_dims']
    worlds = (1, 2, 4) if setting == 'quick' else (1, 2, 4, 8, 16, 32, 64)
    model_flops = step_flops(setting, 1, args.tokenizer) * per_gpu
    print(f'one ITC+MIM step at {per_gpu} images: '
          f'{model_flops / 1e12:.2f} TFLOP (FlopCounterMode at batch 1 x '
          f'{per_gpu})')
    print('\n| GPUs | global batch | full loss ms | local_loss ms | '
          'full loss FLOP share | local FLOP share | all-gather MiB per '
          'rank | at 50 GB/s, ms |')
    print('|---|---|---|---|---|---|---|---|')
    for world in worlds:
        batch = world * per_gpu
        ms = {}
        for local in (False, True):
            per_rank_loss(world, per_gpu, dims, local)  # warm-up
            ms[local] = 1e3 * statistics.median(
                per_rank_loss(world, per_gpu, dims, local)
                for _ in range(5))
        # forward: logits (1 matmul full, 2 local); backward: 2x forward
        full = 3 * 2 * batch * batch * dims
        local = 3 * 2 * 2 * per_gpu * batch * dims
        # fp32 image and text features, received by all-gather forward
        # and sent by its reduce-scatter backward
        nbytes = 2 * 2 * (world - 1) * per_gpu * dims * 4
        print(f'| {world} | {batch} | {ms[False]:.1f} | {ms[True]:.1f} | '
              f'{100 * full / model_flops:.3g}% | '
              f'{100 * local / model_flops:.3g}% | '
              f'{nbytes / 2**20:.2f} | {nbytes / 50e9 * 1e3:.3f} |')


def main():
    args = parse_args()
    setting = 'quick' if args.quick else 'full'
    start = time.perf_counter()
    torch.manual_seed(args.seed)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads')
    if args.scaling:
        contrastive_scaling(args, setting)
        print(f'\ntotal {time.perf_counter() - start:.0f} s')
        return
    results = [run_case(args, setting, p) for p in args.precisions]
    print_report(results, SETTINGS[setting]['arch'])
    if args.quick:
        print('(--quick: tiny towers; the targets are for ViT-B/16)')
    print(f'\ntotal {time.perf_counter() - start:.0f} s')


if __name__ == '__main__':
    main()
