"""farl_mm/datasets/shared_counter.py: counts added in worker processes
reach the main process; copies made outside a process start detach."""
import copy
import multiprocessing as mp
import pickle

from farl_mm.datasets.shared_counter import SharedCounter


def _add(counter, name, n):
    counter.add(name, n)


def test_worker_counts_reach_the_parent():
    counter = SharedCounter(['bad', 'ok'])
    counter.add('ok', 2)
    worker = mp.get_context('fork').Process(target=_add,
                                            args=(counter, 'bad', 3))
    worker.start()
    worker.join(timeout=30)
    assert worker.exitcode == 0
    assert counter.values().tolist() == [3, 2]


def test_copies_detach_with_the_values():
    counter = SharedCounter(['a', 'b'], values=[1, 5])
    for other in (copy.deepcopy(counter), pickle.loads(pickle.dumps(counter))):
        other.add('a', 10)
        assert other.values().tolist() == [11, 5]
    assert counter.values().tolist() == [1, 5]
