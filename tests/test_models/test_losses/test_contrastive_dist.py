"""The global-batch contrastive loss (farl_mm.models.losses.contrastive):
single-process numbers and the
2-process (gloo, DDP) equivalence with one process on the whole batch."""
import math
import os
import socket
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from farl_mm.models.losses.contrastive import ContrastiveLoss

# Each rank builds the same seeded encoders and batch, takes its half of the
# batch, trains one DDP step and saves its loss, accuracy and gradients.
WORKER = r'''
import sys
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
sys.path.insert(0, {test_dir!r})
from test_contrastive_dist import Pair, batch
dist.init_process_group('gloo')
rank, world = dist.get_rank(), dist.get_world_size()
for local_loss in (False, True):
    model = DistributedDataParallel(Pair(local_loss))
    images, texts = batch()
    rows = slice(rank * 4, (rank + 1) * 4)
    loss, acc = model(images[rows], texts[rows])
    loss.backward()
    torch.save(dict(loss=loss.detach(), acc=acc, grads={{
        n: p.grad for n, p in model.module.named_parameters()}}),
        f'{out}/rank{{rank}}_local{{int(local_loss)}}.pth')
dist.destroy_process_group()
'''


class Pair(torch.nn.Module):
    """Two linear 'encoders' and a learnable temperature, seeded."""

    def __init__(self, local_loss):
        super().__init__()
        torch.manual_seed(0)
        self.image = torch.nn.Linear(6, 4)
        self.text = torch.nn.Linear(5, 4)
        self.logit_scale = torch.nn.Parameter(torch.tensor(math.log(10.)))
        self.loss = ContrastiveLoss(local_loss=local_loss)

    def forward(self, images, texts):
        return self.loss(self.image(images), self.text(texts),
                         self.logit_scale.exp())


def batch():
    gen = torch.Generator().manual_seed(1)
    return torch.randn(8, 6, generator=gen), torch.randn(8, 5, generator=gen)


def test_single_process_matches_hand_written_clip_loss():
    img = torch.tensor([[1., 0.], [0., 2.], [1., 1.]])
    txt = torch.tensor([[2., 0.], [1., 1.], [0., 1.]])
    scale = torch.tensor(2.)
    loss, acc = ContrastiveLoss()(img, txt, scale)
    # cosine similarities, by hand
    r = 1 / math.sqrt(2)
    sims = torch.tensor([[1., r, 0.], [0., r, 1.], [r, 1., r]])
    logits = scale * sims
    labels = torch.arange(3)
    expected = (F.cross_entropy(logits, labels) +
                F.cross_entropy(logits.t(), labels)) / 2
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    # argmax per image row: [0, 2, 1] -> only the first is right
    assert acc.item() == pytest.approx(1 / 3)
    # a perfectly aligned batch with a large scale has a near-zero loss
    eye = torch.eye(3)
    small, acc = ContrastiveLoss()(eye, eye * 5, torch.tensor(100.))
    assert small.item() < 1e-6 and acc.item() == 1.0


def test_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match='same shape'):
        ContrastiveLoss()(torch.ones(2, 4), torch.ones(3, 4), torch.ones(()))


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_gloo_ranks_equal_one_process_on_the_whole_batch(tmp_path):
    test_dir = os.path.dirname(os.path.abspath(__file__))
    code = WORKER.format(test_dir=test_dir, out=str(tmp_path))
    env = dict(os.environ, MASTER_ADDR='127.0.0.1',
               MASTER_PORT=str(_free_port()), WORLD_SIZE='2',
               OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    procs = [subprocess.Popen([sys.executable, '-c', code],
                              env=dict(env, RANK=str(r)),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for r in range(2)]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), '\n'.join(outs)

    images, texts = batch()
    for local_loss in (False, True):
        ref = Pair(local_loss)
        ref_loss, ref_acc = ref(images, texts)
        ref_loss.backward()
        ranks = [torch.load(tmp_path / f'rank{r}_local{int(local_loss)}.pth')
                 for r in range(2)]
        losses = torch.stack([r['loss'] for r in ranks])
        if local_loss:  # each rank: its rows; their mean: the whole batch
            assert not torch.allclose(losses[0], losses[1])
            torch.testing.assert_close(losses.mean(), ref_loss.detach())
        else:  # every rank computes the whole batch's loss
            for loss in losses:
                torch.testing.assert_close(loss, ref_loss.detach())
            for rank in ranks:
                torch.testing.assert_close(rank['acc'], ref_acc)
        for name, param in ref.named_parameters():
            assert param.grad.abs().sum() > 0
            for rank in ranks:  # DDP averaged them: the same on each rank
                torch.testing.assert_close(
                    rank['grads'][name], param.grad, rtol=1e-5, atol=1e-6,
                    msg=f'{name} (local_loss={local_loss})')
