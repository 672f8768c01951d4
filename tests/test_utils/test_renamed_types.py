"""farl_mm.utils.renamed_types: configs saved before a rename still build."""
import pytest
from mmengine.registry import DATASETS

import farl_mm  # noqa: F401  (registers the new names)
from farl_mm.utils.renamed_types import RENAMED_TYPES, update_renamed_types
from farl_mm.utils.saved_config import read_saved_config

OLD_TEXT = """\
test_dataloader = dict(dataset=dict(
    type='farl_mm.Face300WDataset', data_root='data/300w',
    pipeline=[dict(type='LoadImage')]))
train_dataloader = dict(dataset=dict(
    type='farl_mm.FewShotDataset', fraction=0.1, seed=0,
    dataset=dict(type='farl_mm.CelebAAttributes', split='train')))
custom_hooks = [dict(type='farl_mm.FairFace'), dict(type='FairFace')]
"""


def test_saved_config_gets_the_new_names():
    cfg = read_saved_config(OLD_TEXT, 'old.pth')
    assert cfg.test_dataloader.dataset.type == 'farl_mm.FaRLFace300WDataset'
    subset = cfg.train_dataloader.dataset
    assert subset.type == 'farl_mm.few_shot_subset'
    assert (subset.fraction, subset.seed) == (0.1, 0)
    assert subset.dataset.type == 'farl_mm.CelebADataset'
    assert cfg.test_dataloader.dataset.pipeline == [dict(type='LoadImage')]
    # only farl_mm's names: an unscoped name may be another library's
    assert [h['type'] for h in cfg.custom_hooks] == [
        'farl_mm.FairFaceDataset', 'FairFace']


def test_the_same_for_a_config_saved_as_a_dict():
    cfg = read_saved_config({'d': [({'type': 'farl_mm.WFLWDataset'},)]},
                            'old.pth')
    assert cfg.d[0][0]['type'] == 'farl_mm.FaRLWFLWDataset'


@pytest.mark.parametrize('old,new', sorted(RENAMED_TYPES.items()))
def test_every_new_name_is_registered_and_no_old_one(old, new):
    assert DATASETS.get(new) is not None
    with pytest.raises(KeyError):
        DATASETS.build(dict(type=old))


def test_input_is_not_changed():
    node = {'type': 'farl_mm.FairFace'}
    assert update_renamed_types(node) == {'type': 'farl_mm.FairFaceDataset'}
    assert node == {'type': 'farl_mm.FairFace'}
