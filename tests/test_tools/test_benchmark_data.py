"""``benchmark_data.py --quick`` times the real pretraining pipeline on
shards it writes itself, stage by stage."""
from tools.analysis_tools import benchmark_data


def test_quick_benchmark_times_every_stage_of_the_pipeline(capsys):
    result = benchmark_data.main(['--quick'])
    out = capsys.readouterr().out
    # the config's ALIGN pipeline ran, on the 64 - 4 samples after warm-up
    assert list(result['stages']) == [
        'tar read', 'decode', 'FaceAlignCrop', 'CLIPTokenize',
        'BlockMaskGenerator', 'PackInputs']
    assert result['count'] == 60
    assert all(ms > 0 for ms in result['stages'].values())
    assert 'wrote 64 synthetic samples of 256 px' in out
    assert result['rate'] > 0 and result['wall_rate'] > 0
    verdict = 'PASS' if result['rate'] >= 200 else 'MISS'
    assert f'{verdict} {result["rate"]:.1f} samples per CPU-second' in out
