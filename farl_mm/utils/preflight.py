"""Stop a run at once when its data or weights are missing.

Without this, a missing annotation file surfaces as a bare assertion deep
in a dataset, and missing weights only after the data has loaded; both
leave the user to work out what produces the file. Every check here names
the path it looked at and the command that prepares it.
"""
import os.path as osp


class MissingInputError(FileNotFoundError):
    """A data or weight file a config needs is absent."""


def require(path, prepare, what='file'):
    """Raise :class:`MissingInputError` unless ``path`` exists.

    Args:
        path (str): File or directory the run needs.
        prepare (str): Command (or instruction) that creates it.
        what (str): What the path is, for the message (e.g. ``'weights'``).

    Returns:
        str: ``path``, for chaining.
    """
    if not osp.exists(path):
        raise MissingInputError(
            f'{what} not found: {osp.abspath(path)}\n'
            f'Prepare it with:\n    {prepare}')
    return path


def require_all(requirements):
    """:func:`require` each ``path -> prepare`` (or ``path -> (prepare,
    what)``) of a dict, reporting every missing path in one error."""
    missing = []
    for path, prepare in requirements.items():
        prepare, what = (prepare if isinstance(prepare, (tuple, list))
                         else (prepare, 'file'))
        try:
            require(path, prepare, what)
        except MissingInputError as err:
            missing.append(str(err))
    if len(missing) > 1:
        missing.insert(0, f'{len(missing)} inputs of this run are missing:')
    if missing:
        raise MissingInputError('\n'.join(missing))


# Where to get what a config reads, for the messages of
# :func:`check_config_inputs` (README sections and download pages).
README_DATA = 'README.md, "Data preparation"'
README_WEIGHTS = 'README.md, "Pretrained weights"'
WEIGHT_SOURCES = {
    'dalle_encoder.pth': 'https://download.openmmlab.com/mmselfsup/1.x/'
                         'target_generator_ckpt/dalle_encoder.pth',
}
SHARDS_PREPARE = ('python tools/dataset_converters/laion_face_shards.py '
                  '--folder DIR --out DATA_ROOT')


def _dataset_class(type_name):
    """The registered class (``None`` if unknown: the Runner will say
    so); a config may also hold the class itself."""
    from farl_mm.registry import DATASETS
    if not isinstance(type_name, str):
        return type_name
    return DATASETS.get(type_name)


def _dataset_inputs(dataset, found):
    """Add ``path -> (prepare, what)`` for a dataset config (and the
    datasets a wrapper holds) to ``found``."""
    if not isinstance(dataset, dict):
        return
    for key in ('dataset', 'datasets'):
        inner = dataset.get(key)
        for sub in (inner if isinstance(inner, (list, tuple)) else [inner]):
            _dataset_inputs(sub, found)
    cls = _dataset_class(dataset.get('type'))
    name = cls.__name__ if cls else str(dataset.get('type'))
    prepare = dataset.get('prepare') or getattr(cls, 'PREPARE', '') or \
        (SHARDS_PREPARE if 'LAION' in name else '')
    prepare = f'{prepare} (see {README_DATA})' if prepare else \
        f'see {README_DATA}'
    root = dataset.get('data_root') or ''
    if '://' in root:
        return  # remote storage: the dataset's backend checks it
    if root and not osp.isdir(root):
        found.setdefault(root, (prepare, f'{name} data_root'))
        return  # everything below it is missing too
    ann = dataset.get('ann_file')
    if isinstance(ann, str) and ann:
        found.setdefault(osp.join(root, ann), (prepare,
                                               f'{name} annotation file'))
    prefix = dataset.get('data_prefix')
    prefixes = prefix.values() if isinstance(prefix, dict) else [prefix]
    for path in prefixes:
        if isinstance(path, str) and path:
            found.setdefault(osp.join(root, path),
                             (prepare, f'{name} image/label folder'))


def _weight_inputs(node, found):
    """Local ``checkpoint`` files anywhere in a model config (backbone
    ``init_cfg``, a MIM target generator)."""
    if isinstance(node, dict):
        path = node.get('checkpoint')
        if isinstance(path, str) and path and '://' not in path:
            source = WEIGHT_SOURCES.get(osp.basename(path), README_WEIGHTS)
            found.setdefault(path, (f'download or convert it: see {source}',
                                    'weights'))
        for value in node.values():
            _weight_inputs(value, found)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _weight_inputs(value, found)


def config_inputs(cfg, train=True):
    """Every file a run of ``cfg`` reads before its first step, as
    ``path -> (how to get it, what it is)``: the datasets' roots,
    annotation files and folders, the model's local weights and the
    files of its ``farl_mm.PreflightHook`` entries (whose commands win).

    Args:
        cfg (Config): The run's config.
        train (bool): A training run (train and, unless disabled,
            validation data, init weights); else the test data only.
    """
    found = {}
    for hook in cfg.get('custom_hooks') or []:
        if isinstance(hook, dict) and str(hook.get('type', '')).endswith(
                'PreflightHook') and (train or not hook.get('train_only',
                                                            True)):
            for path, prepare in hook.get('files', {}).items():
                found[path] = (tuple(prepare)
                               if isinstance(prepare, (tuple, list))
                               else (prepare, 'file'))
    loaders = ('train_dataloader', 'val_dataloader') if train else \
        ('test_dataloader', )
    for key in loaders:
        loader = cfg.get(key)
        if isinstance(loader, dict):
            _dataset_inputs(loader.get('dataset'), found)
    if train:
        _weight_inputs(cfg.get('model'), found)
    return found


def check_config_inputs(cfg, train=True):
    """Raise one :class:`MissingInputError` naming every missing input of
    ``cfg`` (data and weights together) with where to get each, before
    the Runner builds anything."""
    require_all(config_inputs(cfg, train))
