"""tools/analysis_tools/get_flops.py: its count of a tiny FaRLViT equals
the hand count, attention products included."""
from tools.analysis_tools import get_flops

TINY = dict(embed=64, layers=4, patch=16, size=64)


def hand_count(embed, layers, patch, size):
    """Multiply-adds of a ViT on one image: patch projection, per layer
    qkv + output projection (4 N C^2), MLP (8 N C^2, 4x wide), Q K^T and
    A V (2 N^2 C); plus mmengine's 5 N C per layer norm (pre-norm and two
    per layer)."""
    tokens = (size // patch) ** 2 + 1
    patches = (tokens - 1) * embed * 3 * patch * patch
    per_layer = 12 * tokens * embed ** 2 + 2 * tokens ** 2 * embed
    norms = (2 * layers + 1) * 5 * tokens * embed
    return patches + layers * per_layer + norms


def test_tiny_farl_vit_matches_the_hand_count(tmp_path, capsys):
    config = tmp_path / 'tiny_vit.py'
    config.write_text(
        "custom_imports = dict(imports=['farl_mm'])\n"
        "model = dict(type='farl_mm.FaRLViT', arch='tiny', img_size=64, "
        "init_cfg=None)\n")
    flops, params = get_flops.main([str(config)])
    expected = hand_count(**TINY)
    assert flops == expected == 4325696
    assert params == 254592
    out = capsys.readouterr().out
    assert 'Input shape: (1, 3, 64, 64)' in out
    assert f'Flops: {expected / 1e9:.4g} GFLOPs' in out


def test_b16_hand_count_is_the_papers_figure():
    """The hand count itself: ViT-B/16 at 224 px is FaRL's ~17.6 GFLOPs."""
    flops = hand_count(embed=768, layers=12, patch=16, size=224)
    assert round(flops / 1e9, 1) == 17.6


def test_parsing_config_runs_at_its_own_size(capsys):
    """The tiny LaPa parsing model (FaceParser, UperNet head), 128 px from
    its backbone's img_size: more than its backbone alone."""
    flops, _ = get_flops.main(['configs/farl/lapa_upernet_tiny_synthetic.py'])
    assert 'Input shape: (1, 3, 128, 128)' in capsys.readouterr().out
    backbone = hand_count(embed=64, layers=4, patch=16, size=128)
    assert flops > backbone
