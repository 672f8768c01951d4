"""close_process_group: the tools' clean exit from a distributed run."""
import torch.distributed as dist

from farl_mm.apis import close_process_group


def test_destroys_the_group_after_a_barrier(tmp_path):
    store = dist.FileStore(str(tmp_path / 'store'), 1)
    dist.init_process_group('gloo', store=store, rank=0, world_size=1)
    try:
        assert dist.is_initialized()
        close_process_group()
        assert not dist.is_initialized()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def test_is_a_no_op_without_a_group():
    assert not dist.is_initialized()
    close_process_group()
    assert not dist.is_initialized()
