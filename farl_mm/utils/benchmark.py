"""What the benchmark scripts of ``tools/analysis_tools/`` share.

Timing that lets load from other processes hit the compared calls alike
(interleaved calls, ratios of adjacent calls), the precision and clock
choices, the task models the inference and frozen-backbone benchmarks time,
and the FaRL pretraining step the training, memory and GPU benchmarks step.
"""
import contextlib
import statistics
import time

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from farl_mm.registry import MODELS

DTYPES = {'fp32': torch.float32, 'bf16': torch.bfloat16}

#: The models of the released task configs (random weights when timed).
TASK_CONFIGS = {
    'parsing': 'configs/farl/lapa_upernet.py',
    'alignment': 'configs/farl/aflw19_upernet.py',
}
QUICK_TASK_CONFIGS = {
    'parsing': 'configs/farl/lapa_upernet_tiny_synthetic.py',
    'alignment': 'configs/farl/aflw19_upernet_tiny_synthetic.py',
}

# FaRLViT / CLIPTextTransformer arch names per setting of the pretraining
# step, the test sizes and benchmark_train.py's default number of timed
# steps (after one warm-up step per model).
PRETRAIN_SETTINGS = {
    'full': dict(arch='base', img_size=224, batch=4, steps=3, bf16_steps=1,
                 bf16_depth=1, mask_patches=75, dalle_hid=256),
    'quick': dict(arch='tiny', img_size=64, batch=4, steps=3, bf16_steps=2,
                  bf16_depth=0, mask_patches=6, dalle_hid=16),
}


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------
def autocast(precision):
    """CPU autocast to ``precision`` (a key of :data:`DTYPES`); none for
    fp32."""
    if precision == 'fp32':
        return contextlib.nullcontext()
    return torch.autocast('cpu', dtype=DTYPES[precision])


def time_interleaved(fns, iters, warmup=0):
    """Seconds of each call of each function, calls interleaved and the
    order reversed every other iteration; the first ``warmup`` iterations
    are not timed.

    Returns:
        tuple[dict, dict]: the times and each function's last output.
    """
    times, outs = {name: [] for name in fns}, {}
    for i in range(warmup + iters):
        order = list(fns) if i % 2 == 0 else list(fns)[::-1]
        for name in order:
            start = time.perf_counter()
            outs[name] = fns[name]()
            if i >= warmup:
                times[name].append(time.perf_counter() - start)
    return times, outs


def paired_ratio(times, num, den):
    """Median over iterations of ``num``'s time over ``den``'s."""
    return statistics.median(a / b for a, b in zip(times[num], times[den]))


def synchronize(device):
    """Wait for ``device`` (a name or ``torch.device``) if it is CUDA."""
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize(device)


def clock(device):
    """This process's CPU time when it is one CPU thread (time it was not
    running, e.g. while other jobs had the core, does not count), else
    wall-clock time."""
    if device == 'cpu' and torch.get_num_threads() == 1:
        return time.process_time
    return time.perf_counter


def timed(fn, device):
    """Seconds of one call of ``fn`` on ``device`` by :func:`clock`."""
    now = clock(device)
    synchronize(device)
    start = now()
    fn()
    synchronize(device)
    return now() - start


def cpu_description():
    """The CPU's model name, torch's threads and whether bf16 is native."""
    name, flags = 'unknown CPU', set()
    with contextlib.suppress(OSError), open('/proc/cpuinfo') as f:
        for line in f:
            key, _, value = line.partition(':')
            if key.strip() == 'model name':
                name = value.strip()
            elif key.strip() == 'flags':
                flags = set(value.split())
    native = [f for f in ('avx512_bf16', 'amx_bf16') if f in flags]
    return (f'{name}, {torch.get_num_threads()} threads, '
            f'native bf16: {", ".join(native) or "no (no avx512_bf16/AMX)"}')


def task_config(task, quick=False):
    """The config of ``task`` (a key of :data:`TASK_CONFIGS`; ``quick``:
    its tiny version), its default scope made current."""
    cfg = Config.fromfile(
        (QUICK_TASK_CONFIGS if quick else TASK_CONFIGS)[task])
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    return cfg


# --------------------------------------------------------------------------
# The pretraining step
# --------------------------------------------------------------------------
def archs(setting, depth):
    """Image and text arch dicts, with ``depth`` blocks if non-zero."""
    name = PRETRAIN_SETTINGS[setting]['arch']
    image = dict(MODELS.get('FaRLViT').arch_zoo[name])
    text = dict(MODELS.get('CLIPTextTransformer').arch_zoo[name])
    image.pop('out_indices', None)
    if depth:
        image['num_layers'] = text['num_layers'] = depth
    return image, text


def build_farl(image, text, img_size, mim, setting, tokenizer):
    """``farl_mm.FaRL`` with these archs; with ``mim``, the 1-block MIM
    head and the ``'dalle'`` or ``'random-projection'`` target
    generator."""
    cfg = PRETRAIN_SETTINGS[setting]
    model = dict(
        type='farl_mm.FaRL',
        backbone=dict(type='farl_mm.MaskedFaRLViT' if mim else
                      'farl_mm.FaRLViT', arch=image, img_size=img_size,
                      out_indices=(-1, ), out_type='embedding'),
        text_backbone=dict(type='farl_mm.CLIPTextTransformer', arch=text))
    if mim:
        model['mim_head'] = dict(
            type='farl_mm.MIMHead', embed_dims=image['embed_dims'],
            num_heads=image['num_heads'], vocab_size=8192, depth=1)
        model['target_generator'] = dict(
            type='farl_mm.DALLETokenizer', size=img_size // 2,
            n_hid=cfg['dalle_hid']) if tokenizer == 'dalle' else dict(
            type='farl_mm.RandomProjectionTokenizer', patch_size=16,
            vocab_size=8192)
    return MODELS.build(model)


def make_batch(setting, batch, img_size, seed):
    """Normalised images, CLIP-like token ids and BEiT-style masks."""
    from mmpretrain.structures import DataSample
    gen = torch.Generator().manual_seed(seed)
    images = torch.randn(batch, 3, img_size, img_size, generator=gen)
    tokens = torch.zeros(batch, 77, dtype=torch.long)
    grid = img_size // 16
    masks = torch.zeros(batch, grid * grid, dtype=torch.bool)
    n_mask = min(PRETRAIN_SETTINGS[setting]['mask_patches'], grid * grid)
    for row in range(batch):
        n = int(torch.randint(5, 60, (1, ), generator=gen))
        tokens[row, 0] = 49406
        tokens[row, 1:n + 1] = torch.randint(1, 49000, (n, ), generator=gen)
        tokens[row, n + 1] = 49407
        masks[row, torch.randperm(grid * grid, generator=gen)[:n_mask]] = 1
    masks = masks.view(batch, grid, grid)
    samples = []
    for t, m in zip(tokens, masks):
        sample = DataSample()
        sample.set_field(t, 'text_tokens')
        sample.set_field(m, 'mask')
        samples.append(sample)
    return images, tokens, samples


def total_loss(losses):
    """The sum of the ``loss*`` terms, as the Runner optimises."""
    return sum(v for k, v in losses.items() if k.startswith('loss'))


def build_pretrain(setting, depth, batch, tokenizer, with_cp=False):
    """The FaRL pretraining model of ``setting`` in train mode (``depth``
    blocks per tower, 0: the setting's), a batch, and the trainable
    parameters: what the memory and GPU benchmarks step."""
    img_size = PRETRAIN_SETTINGS[setting]['img_size']
    image, text = archs(setting, depth)
    model = build_farl(image, text, img_size, True, setting, tokenizer)
    model.backbone.with_cp = model.text_backbone.with_cp = with_cp
    images, _, samples = make_batch(setting, batch, img_size, 0)
    params = [p for p in model.parameters() if p.requires_grad]
    return model.train(), images, samples, params
