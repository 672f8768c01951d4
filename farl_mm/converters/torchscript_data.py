"""Read the tensors of a TorchScript archive as data: nothing in it runs.

``torch.jit.load`` compiles the archive's ``code/`` and calls each module's
``__setstate__``: code from the file. The released face models of the
authors' ``facer`` package are such archives, so this reader takes only
what a weights file needs:

- ``data.pkl``, unpickled with an allow-list: ``torch._utils.
  _rebuild_tensor_v2`` (and ``_rebuild_parameter``) rebuilt here from raw
  storages, ``collections.OrderedDict``, torch's storage types as dtype
  markers, TorchScript's list builders as identities, and every
  ``__torch__.*`` class as an inert :class:`ScriptRecord` that keeps its
  state as a plain dict (its ``__setstate__`` is never looked up). Any
  other global is refused.
- ``data/<key>``: the storages, little-endian raw bytes.
- ``extra/<name>``: the extra files, returned as bytes.

``code/`` and ``constants.pkl`` (constants of the compiled code, not
weights) are never read.
"""
import io
import pickle
import zipfile

import torch

#: torch's storage classes, as a pickle names them, and their dtypes.
STORAGE_DTYPES = {
    'FloatStorage': torch.float32, 'DoubleStorage': torch.float64,
    'HalfStorage': torch.float16, 'BFloat16Storage': torch.bfloat16,
    'LongStorage': torch.int64, 'IntStorage': torch.int32,
    'ShortStorage': torch.int16, 'CharStorage': torch.int8,
    'ByteStorage': torch.uint8, 'BoolStorage': torch.bool,
}


class NotATorchScriptArchive(ValueError):
    """The file is not a TorchScript archive (or not one read as data)."""


class ScriptRecord:
    """A ``__torch__.*`` object of the archive: its class name and state.

    Pickle creates it with ``cls.__new__`` and hands it its state; the
    state is kept as it came (a dict of attributes for a module).
    """

    torch_class = '?'

    def __setstate__(self, state):
        self.state = state

    def __repr__(self):
        return f'ScriptRecord({self.torch_class})'


def _record_type(module, name, cache={}):  # noqa: B006 - one type per name
    key = f'{module}.{name}'
    if key not in cache:
        cache[key] = type(name, (ScriptRecord, ), {'torch_class': key})
    return cache[key]


class _StorageType:
    def __init__(self, dtype):
        self.dtype = dtype


def _rebuild_tensor(storage, offset, size, stride, *_):
    """``torch._utils._rebuild_tensor_v2`` on a storage read here; bounds
    are checked by ``as_strided``."""
    return storage.as_strided(tuple(size), tuple(stride), offset).clone()


def _rebuild_parameter(data, *_):
    return data


def _identity(value, *_):
    return value


_ALLOWED = {
    ('torch._utils', '_rebuild_tensor_v2'): _rebuild_tensor,
    ('torch._utils', '_rebuild_tensor'): _rebuild_tensor,
    ('torch._utils', '_rebuild_parameter'): _rebuild_parameter,
    ('collections', 'OrderedDict'): dict,
    ('torch.jit._pickle', 'build_intlist'): _identity,
    ('torch.jit._pickle', 'build_doublelist'): _identity,
    ('torch.jit._pickle', 'build_boollist'): _identity,
    ('torch.jit._pickle', 'build_tensorlist'): _identity,
    ('torch.jit._pickle', 'build_genericlist'): _identity,
    ('torch.jit._pickle', 'restore_type_tag'): _identity,
}


class _DataUnpickler(pickle.Unpickler):

    def __init__(self, data, read_storage, name):
        super().__init__(io.BytesIO(data))
        self._read_storage = read_storage
        self._name = name

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module == 'torch' and name in STORAGE_DTYPES:
            return _StorageType(STORAGE_DTYPES[name])
        if module.startswith('__torch__'):
            return _record_type(module, name)
        raise pickle.UnpicklingError(
            f'{self._name}: refused global {module}.{name} (not a tensor, '
            'container or TorchScript object record); nothing was run')

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5
                and pid[0] == 'storage'
                and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError(
                f'{self._name}: unexpected persistent id {pid!r:.80}')
        _, kind, key, _location, numel = pid
        return self._read_storage(str(key), kind.dtype, int(numel))


def _archive_root(names):
    """The archive's top folder: the one holding ``data.pkl``."""
    roots = {n[:-len('/data.pkl')] for n in names if n.endswith('/data.pkl')
             and n.count('/') == 1}
    return roots.pop() if len(roots) == 1 else None


def describe_zip(names):
    """A few words on what a zip holds, for errors."""
    shown = sorted(names)[:6]
    return ', '.join(shown) + (' ...' if len(names) > 6 else '') \
        if names else 'nothing'


def is_torchscript(names):
    """TorchScript archives hold ``code/`` and ``constants.pkl`` beside
    ``data.pkl``; ``torch.save`` files do not."""
    root = _archive_root(names)
    return root is not None and f'{root}/constants.pkl' in names and any(
        n.startswith(f'{root}/code/') for n in names)


def read_torchscript(path):
    """The object tree and extra files of a TorchScript archive, as data.

    Args:
        path (str | file): The archive (a zip file).

    Returns:
        tuple[ScriptRecord, dict]: the root module's record (tensors as
        CPU tensors in its ``state``) and ``{name: bytes}`` of the extra
        files.

    Raises:
        NotATorchScriptArchive: Not a zip, not TorchScript, or a pickle
            needing a global outside the allow-list.
    """
    if not zipfile.is_zipfile(path):
        raise NotATorchScriptArchive(f'{path}: not a zip archive (a '
                                     'legacy torch.save pickle?)')
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        if not is_torchscript(names):
            raise NotATorchScriptArchive(
                f'{path}: not a TorchScript archive (no code/ and '
                f'constants.pkl beside data.pkl); it holds '
                f'{describe_zip(names)}')
        root = _archive_root(names)
        byteorder = f'{root}/byteorder'
        if byteorder in names and archive.read(byteorder) != b'little':
            raise NotATorchScriptArchive(
                f'{path}: big-endian storages are not supported')

        def read_storage(key, dtype, numel):
            raw = bytearray(archive.read(f'{root}/data/{key}'))
            size = torch.empty((), dtype=dtype).element_size()
            if len(raw) != numel * size:
                raise NotATorchScriptArchive(
                    f'{path}: storage {key} holds {len(raw)} bytes, not '
                    f'{numel} x {size}')
            return torch.frombuffer(raw, dtype=dtype) if raw else \
                torch.empty(0, dtype=dtype)

        data = archive.read(f'{root}/data.pkl')
        try:
            tree = _DataUnpickler(data, read_storage, path).load()
        except pickle.UnpicklingError as err:
            raise NotATorchScriptArchive(str(err)) from None
        extra = {n[len(f'{root}/extra/'):]: archive.read(n) for n in names
                 if n.startswith(f'{root}/extra/')}
    return tree, extra


def flatten_tensors(record, prefix=''):
    """``{dotted.name: tensor}`` of a module record, as a state dict names
    its parameters and buffers (submodules' attributes joined by dots)."""
    out = {}
    state = getattr(record, 'state', None)
    if not isinstance(state, dict):
        return out
    for name, value in state.items():
        if isinstance(value, torch.Tensor):
            out[prefix + name] = value
        elif isinstance(value, ScriptRecord):
            out.update(flatten_tensors(value, f'{prefix}{name}.'))
    return out
