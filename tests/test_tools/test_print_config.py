"""tools/misc/print_config.py: a config's ``_base_`` merged, with
``--cfg-options`` applied, printed and saved as a loadable config."""
from mmengine.config import Config

from tools.misc import print_config

CONFIG = 'configs/farl/lapa_upernet_tiny_synthetic.py'


def test_prints_the_resolved_config(tmp_path, capsys):
    saved = tmp_path / 'resolved.py'
    print_config.main([CONFIG, '--cfg-options', 'train_cfg.max_iters=7',
                       'model.decode_head.channels=48',
                       '--save-path', str(saved)])
    out = capsys.readouterr().out
    assert out.startswith('Config:\n')
    # from _base_ (configs/_base_/datasets/lapa.py via lapa_upernet.py)
    assert "type='farl_mm.LaPaDataset'" in out
    assert "type='farl_mm.FaceAlignWarp'" in out
    # the leaf's own value and the options
    assert 'max_iters=7' in out and 'max_iters=300' not in out
    assert 'channels=48' in out
    resolved = Config.fromfile(str(saved))
    assert resolved.train_cfg.max_iters == 7
    assert resolved.model.decode_head.channels == 48
    assert resolved.model.backbone.arch == 'tiny'
    assert resolved.train_dataloader.dataset.type == 'farl_mm.LaPaDataset'
