"""read_saved_config: a checkpoint's config text read as data, identical to
executing it when it is plain data, refused (and never run) otherwise."""
import os.path as osp

import pytest
from mmengine.config import Config

from farl_mm.utils.saved_config import UnsafeConfigError, read_saved_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.parametrize('config', [
    'farl/lapa_upernet_tiny_synthetic.py',  # mmseg
    'farl/aflw19_upernet_tiny_synthetic.py',  # mmpose
    'farl/fairface.py',  # mmpretrain, a head per task
    'farl/farl_vit-tiny_synthetic-shards_pretrain.py',
    'backbone_swap/vit-base-p16_farl_in1k_mmpretrain.py',  # dict({'.x': ..})
])
def test_shipped_configs_read_as_executing_them_would(config):
    text = Config.fromfile(osp.join(REPO, 'configs', config)).pretty_text
    executed = Config.fromstring(text, '.py').to_dict()
    read = read_saved_config(text, 'ckpt.pth').to_dict()
    assert read == executed
    assert repr(read) == repr(executed)  # tuples stay tuples, 1.0 a float


def test_plain_data_forms():
    text = ('a = dict(x=-1, y=+2.5, z=(1, [2, {3}]), w=None, t=True)\n'
            "b = {'k.v': a, 3: 'x'}\n"
            "c = dict({'.cls': dict(m=0.0)}, lr=1e-3)\n"
            '__hidden = 1\n')
    cfg = read_saved_config(text, 'ckpt.pth')
    assert cfg.a.to_dict() == dict(x=-1, y=2.5, z=(1, [2, {3}]), w=None,
                                   t=True)
    assert cfg.b['k.v'] == cfg.a and cfg.b[3] == 'x'
    assert cfg.c.to_dict() == {'.cls': dict(m=0.0), 'lr': 1e-3}
    assert '__hidden' not in cfg
    assert read_saved_config(dict(model=dict(type='X')), 'c').model.type \
        == 'X'


@pytest.mark.parametrize('line, shown', [
    ("__import__('os').system('touch MARKER')", '__import__'),
    ("model = dict(type=__import__('os').system('touch MARKER'))",
     '__import__'),
    ("import os; os.system('touch MARKER')", 'import os'),
    ('x = (lambda: 1)()', 'lambda'),
    ('x = [i for i in range(3)]', 'for i in range'),
    ("x = f'{open(\"MARKER\", \"w\")}'", 'open'),
    ('x = dict.__class__', '__class__'),
    ("x = {'a': 1}['a']", "['a']"),
    ('x = dict(**y)', '**y'),
    ('x = [*y]', '*y'),
    ('x = 1 + 2', '1 + 2'),
    ('x = undefined_name', 'undefined_name'),
    ("dict = 'rebound'\nx = dict(a=1)", 'dict(a=1)'),
    ('x = -"a"', '-\'a\''),
    ('x: int = 1', 'x: int = 1'),
    ('x = y = 1', 'x = y = 1'),
    ('x = ...', '...'),
    ('x = (1', 'not Python'),
    ('x = {[1]: 2}', 'unhashable'),
    ('filename = 1', 'filename'),  # reserved by mmengine
])
def test_anything_but_data_is_refused_and_never_run(tmp_path, monkeypatch,
                                                    line, shown):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnsafeConfigError) as err:
        read_saved_config(f"ok = dict(a=1)\n{line}\n", 'evil.pth')
    message = str(err.value)
    assert message.startswith('evil.pth: its saved config (meta.cfg) was '
                              'not read')
    assert shown in message and '--configs' in message
    assert not (tmp_path / 'MARKER').exists()


def test_control_executing_the_text_runs_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Config.fromstring("x = __import__('os').system('touch MARKER')\n", '.py')
    assert (tmp_path / 'MARKER').exists()
