import numpy as np
import pytest
from mmengine.dataset import BaseDataset

from farl_mm.datasets import few_shot_indices, few_shot_subset
from farl_mm.registry import DATASETS


def test_subsets_are_seeded_nested_and_sized():
    one = few_shot_indices(1000, 0.01, seed=0)
    ten = few_shot_indices(1000, 0.1, seed=0)
    assert len(one) == 10 and len(ten) == 100
    assert set(one) <= set(ten)
    assert one == few_shot_indices(1000, 0.01, seed=0)  # deterministic
    assert one != few_shot_indices(1000, 0.01, seed=1)
    assert one != list(range(10))                      # not just a prefix
    assert few_shot_indices(1000, 1.0) == list(range(1000))
    assert len(few_shot_indices(50, 0.01)) == 1        # at least one
    # the paper's Table 9 counts: CelebA (162,770; its 843 for 0.5% fits
    # no rounding of 813.85) and LFWA (6,263)
    assert [len(few_shot_indices(162770, f)) for f in (0.002, 0.01, 0.02)] \
        == [325, 1627, 3255]
    assert [len(few_shot_indices(6263, f)) for f in (0.05, 0.1, 0.2, 0.5)] \
        == [313, 626, 1252, 3131]


@pytest.mark.parametrize('fraction', [0, -0.1, 1.5])
def test_bad_fraction_is_refused(fraction):
    with pytest.raises(ValueError, match='fraction'):
        few_shot_indices(10, fraction)


class Numbers(BaseDataset):
    METAINFO = dict(classes=('a', 'b'))

    def load_data_list(self):
        return [dict(value=i) for i in range(200)]


@pytest.mark.parametrize('serialize', [False, True])
def test_subset_is_the_dataset_cut_down(serialize):
    data = few_shot_subset(Numbers(serialize_data=serialize), fraction=0.1,
                           seed=0)
    assert type(data) is Numbers and len(data) == 20
    kept = few_shot_indices(200, 0.1, seed=0)
    assert [data.get_data_info(i)['value'] for i in range(20)] == kept
    assert data[0]['value'] == kept[0]
    assert data.metainfo['classes'] == ('a', 'b')


def test_subset_from_a_config():
    data = DATASETS.build(dict(
        type='farl_mm.few_shot_subset', fraction=0.05, seed=3,
        dataset=dict(type=Numbers, serialize_data=False)))
    assert [data.get_data_info(i)['value'] for i in range(len(data))] == \
        few_shot_indices(200, 0.05, seed=3)


class FailsOnFirstKept(Numbers):
    """Its pipeline drops one sample, so training refetches another."""

    def prepare_data(self, idx):
        info = self.get_data_info(idx)
        return None if info['value'] == few_shot_indices(200, 0.1)[0] \
            else info


def test_refetch_of_a_failed_sample_stays_in_the_subset():
    data = few_shot_subset(FailsOnFirstKept(serialize_data=False), 0.1)
    kept = set(few_shot_indices(200, 0.1))
    np.random.seed(0)
    served = [data[0]['value'] for _ in range(30)]
    assert set(served) <= kept
