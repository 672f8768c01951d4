"""model-index.yml / configs/farl/metafile.yml: what `mim search` reads.

Every recipe in configs/farl is listed once under its own name, its config
loads, and the metadata that can be read off the config (schedule length,
input size, initial weights, checkpoint selection) agrees with it. Every
entry has the fields OpenMMLab's metafiles carry; Results hold only numbers
measured here (none yet: the paper's are "Paper Results"); Weights are set
exactly for the authors' released models, with their conversion command."""
import os.path as osp
import re
from glob import glob
from numbers import Number

import pytest
import yaml
from mmengine import Config
from modelindex.load_model_index import load

from farl_mm.converters.facer import RELEASES, URL

ROOT = osp.join(osp.dirname(__file__), '..', '..')
METAFILE = osp.join(ROOT, 'configs', 'farl', 'metafile.yml')
# Studies with their own READMEs, not FaRL models: Table 1 swaps in other
# backbones, Table 3 ablates the pretraining (their tests build them); the
# authors' released models, converted, are not recipes (their README).
NOT_LISTED = ('ablations', 'table1', 'released')
FARL_WEIGHTS = 'checkpoints/farl_b16_ep64.pth'

RELEASED_COLLECTION = 'FaRL released (facer)'

with open(METAFILE) as f:
    INDEX = yaml.safe_load(f)
MODELS = INDEX['Models']
RECIPES = [m for m in MODELS if m['In Collection'] != RELEASED_COLLECTION]
RELEASED = [m for m in MODELS if m['In Collection'] == RELEASED_COLLECTION]


def test_mim_loads_the_index():
    """The same loader as `mim search`, with none of its check errors."""
    index = load(osp.join(ROOT, 'model-index.yml'))
    # OpenMMLab's paths (README, Config) are relative to the repository
    # root, modelindex resolves README relative to the metafile: check it
    # the OpenMMLab way.
    errors = [e for e in index.check(silent=True) if 'README' not in e]
    assert errors == []
    for collection in index.collections:
        assert osp.isfile(osp.join(ROOT, collection.readme))
    names = [model.name for model in index.models]
    assert names == [m['Name'] for m in MODELS]
    collections = {c.name for c in index.collections}
    for model in index.models:
        # mim's table: iterates results (null would crash), joins list
        # metadata as strings and looks up the collection by name.
        assert model.in_collection in collections
        for result in model.results:
            assert isinstance(result.task, str)
            assert isinstance(result.dataset, str)
            assert result.metrics and all(
                isinstance(v, Number) for v in result.metrics.values())
        for value in model.metadata.data.values():
            if isinstance(value, list):
                assert value and all(isinstance(v, str) for v in value)


def test_every_farl_config_listed_once_by_its_name():
    names = [m['Name'] for m in MODELS]
    assert len(names) == len(set(names))
    for m in RECIPES:
        assert m['Config'] == f"configs/farl/{m['Name']}.py"
    for m in RELEASED:
        assert m['Config'] == f"configs/farl/released/{m['Name']}.py"
    released = glob(osp.join(ROOT, 'configs', 'farl', 'released', '*.py'))
    assert {f"configs/farl/released/{osp.basename(p)}" for p in released} \
        == {m['Config'] for m in RELEASED}
    shipped = {
        osp.relpath(p, ROOT).replace(osp.sep, '/')
        for p in glob(osp.join(ROOT, 'configs', 'farl', '**', '*.py'),
                      recursive=True)
        if osp.relpath(p, osp.join(ROOT, 'configs', 'farl')).split(
            osp.sep)[0] not in NOT_LISTED}
    assert shipped == {m['Config'] for m in RECIPES}


def test_every_entry_has_the_openmmlab_fields():
    for c in INDEX['Collections']:
        assert c['Paper']['URL'].startswith('https://'), c['Name']
        assert c['Code']['URL'].startswith('https://'), c['Name']
        assert osp.isfile(osp.join(ROOT, c['README'])), c['Name']
    for m in MODELS:
        assert osp.isfile(osp.join(ROOT, m['Config'])), m['Name']
        for field in ('Training Data', 'Architecture', 'Training Resources',
                      'Input Size'):
            assert m['Metadata'].get(field), (m['Name'], field)
        assert m['License'] in ('Apache-2.0', 'MIT'), m['Name']
        assert m['Frameworks'] == ['PyTorch'], m['Name']
        # nothing has been evaluated on a real dataset here yet
        assert m['Results'] == [], m['Name']
        assert 'Weights' in m, m['Name']


def test_weights_exactly_where_the_authors_released_them():
    """Recipes: null (nothing trained here); released models: the facer
    file, with the facer2mm command that makes it a farl_mm checkpoint."""
    assert all(m['Weights'] is None for m in RECIPES)
    keys = set()
    for m in RELEASED:
        key = re.search(r'--model (\S+)$', m['Converted With']).group(1)
        release = RELEASES[key]
        keys.add(key)
        assert m['Weights'] == URL + release.file
        assert m['Config'] == release.config
        assert m['Converted With'] == (
            f'python tools/model_converters/facer2mm.py {release.file} '
            f"checkpoints/{m['Name']}.pth --model {key}")
        assert m['License'] == 'MIT'  # facer's licence
    assert keys == set(RELEASES)


@pytest.mark.parametrize('model', RELEASED, ids=[m['Name'] for m in RELEASED])
def test_released_input_size_agrees_with_config(model):
    cfg = Config.fromfile(osp.join(ROOT, model['Config']))
    assert cfg.model.backbone.img_size == model['Metadata']['Input Size']


def test_paper_numbers_name_their_table():
    for m in RECIPES:
        if m.get('Paper Results'):
            assert 'paper Table' in m['Metadata']['Reported Numbers'], (
                m['Name'])
            assert 'not reproduced' in m['Metadata']['Reported Numbers']
        else:
            assert 'Reported Numbers' not in m['Metadata'], m['Name']


def test_config_readme_quotes_the_same_numbers():
    """configs/farl/README.md's "Paper" column and the metafile agree."""
    with open(osp.join(ROOT, 'configs', 'farl', 'README.md')) as f:
        rows = {m.group(1): m.group(2) for m in re.finditer(
            r'^\| \[([\w.-]+)\.py\]\(\./[\w.-]+\.py\) \|[^|]*\|([^|]*)\|',
            f.read(), re.M)}
    for m in RECIPES:
        paper = re.sub(r'<[^>]+>', '', rows[m['Name']])
        numbers = [float(x) for x in re.findall(r'\d+\.\d+', paper)]
        if 'Downstream' in m:  # quotes its downstream configs' numbers
            continue
        metrics = [v for r in m.get('Paper Results', [])
                   for v in r['Metrics'].values()]
        assert numbers == metrics, m['Name']
        table = re.search(r'Table (\w+)', paper)
        if metrics:
            assert f'Table {table.group(1)},' in \
                m['Metadata']['Reported Numbers'], m['Name']
        else:
            assert table is None and 'n/a' in paper, m['Name']


@pytest.mark.parametrize('model', RECIPES, ids=[m['Name'] for m in RECIPES])
def test_metadata_agrees_with_config(model):
    cfg = Config.fromfile(osp.join(ROOT, model['Config']))
    meta = model['Metadata']
    loop = cfg.train_cfg
    if 'Iterations' in meta:
        assert loop.max_iters == meta['Iterations']
    else:
        assert loop.max_epochs == meta['Epochs']
    backbone = cfg.model.backbone
    assert backbone.img_size == meta['Input Size']
    assert meta['Batch Size'] % cfg.train_dataloader.batch_size == 0
    init = meta['Initialisation']
    if init == 'random':
        assert backbone.get('init_cfg') is None
    else:
        assert backbone.init_cfg.checkpoint == FARL_WEIGHTS
        assert backbone.frozen_stages == (12 if init.endswith('frozen')
                                          else -1), init
    save_best = cfg.default_hooks.checkpoint.get('save_best') \
        if 'default_hooks' in cfg else None
    if meta['Checkpoint Selection'].startswith('best f1_mean'):
        assert save_best == 'f1_mean'
    else:
        assert meta['Checkpoint Selection'].startswith('final')
        assert save_best is None
    ema = any(h['type'] == 'EMAHook' for h in cfg.get('custom_hooks', []))
    assert ema == meta['Checkpoint Selection'].endswith('(EMA weights)')
