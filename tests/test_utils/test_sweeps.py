"""The sweeps' metric pick and markdown table; ``run_variant`` trains and
tests real configs in tests/test_tools/test_layer_study.py and
test_attributes.py (few-shot sweep)."""
import pytest

from farl_mm.utils import markdown_table, pick_metric


def test_pick_metric_named_or_first():
    metrics = {'mIoU': 50, 'f1_mean': 61.25}
    assert pick_metric(metrics) == ('mIoU', 50.0)
    assert pick_metric(metrics, 'f1_mean') == ('f1_mean', 61.25)
    with pytest.raises(KeyError, match=r"'NME'.*\['f1_mean', 'mIoU'\]"):
        pick_metric(metrics, 'NME')


def test_markdown_table_two_decimals():
    table = markdown_table(['level', 'mIoU'], [[1, 50.125], ['multi', 61.0]])
    assert table == ('| level | mIoU |\n|---|---|\n| 1 | 50.12 |\n'
                     '| multi | 61.00 |\n')
