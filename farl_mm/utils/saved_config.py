"""A checkpoint's saved config, read as data: nothing in it runs.

An mmengine Runner saves its config in ``meta['cfg']`` as Python text
(``Config.pretty_text``): module-level assignments of literals, containers
and ``dict(...)`` calls. ``Config.fromstring(text, '.py')`` would execute
that text, so a downloaded checkpoint could run any code through it. Here
it is parsed with :mod:`ast` and only those forms are accepted; anything
else (another call, an attribute, an import, a comprehension, ...) is
refused before any of it is evaluated.
"""
import ast
import copy
import numbers

from mmengine.config import Config

from .renamed_types import update_renamed_types

PASS_A_CONFIG = ("Pass the model's config file instead (demo/face_demo.py "
                 '--configs, or the config argument of the init_* function).')


class UnsafeConfigError(ValueError):
    """A saved config that is not plain data (it would have to be run)."""


class _NotData(Exception):
    """What made the text more than data (turned into the user's error)."""


def read_saved_config(cfg, source, hint=PASS_A_CONFIG):
    """The :class:`~mmengine.config.Config` of a checkpoint's ``meta['cfg']``,
    with types renamed since mapped to their new names.

    Args:
        cfg (str | dict): The saved config: mmengine's ``pretty_text``, or
            already a dict.
        source (str): The checkpoint, named in errors.
        hint (str): What the error tells the user to do instead.

    Raises:
        UnsafeConfigError: The text holds anything but module-level
            assignments of plain data (nothing of it is run).
    """
    try:
        if isinstance(cfg, dict):
            return Config(update_renamed_types(cfg))
        if not isinstance(cfg, str):
            raise _NotData(f'it is a {type(cfg).__name__}, not config text')
        return Config(update_renamed_types(_assignments(cfg)))
    # KeyError: a name mmengine reserves; TypeError: an unhashable key;
    # RecursionError: nesting deeper than the parser goes
    except (_NotData, KeyError, TypeError, RecursionError) as err:
        raise UnsafeConfigError(
            f'{source}: its saved config (meta.cfg) was not read: {err}. '
            "farl_mm reads a checkpoint's config as data (literals, lists, "
            f'dicts, dict(...)) and never runs it. {hint}') from None


def _assignments(text):
    """``name -> value`` of the text's assignments, without dunder names
    (as ``Config.fromstring``)."""
    try:
        tree = ast.parse(text)
    except SyntaxError as err:
        raise _NotData(
            f'line {err.lineno} is not Python ({err.msg})') from None
    names = {}
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            raise _NotData(_where(stmt))
        names[stmt.targets[0].id] = _value(stmt.value, names)
    return {k: v for k, v in names.items() if not k.startswith('__')}


_CONTAINERS = {ast.List: list, ast.Tuple: tuple, ast.Set: set}


def _value(node, names):
    """The value of one expression of plain data; ``names`` are those
    assigned before it."""
    if isinstance(node, ast.Constant) and node.value is not ...:
        return node.value
    if type(node) in _CONTAINERS and not any(
            isinstance(e, ast.Starred) for e in node.elts):
        return _CONTAINERS[type(node)](_value(e, names) for e in node.elts)
    if isinstance(node, ast.Dict) and None not in node.keys:  # no **x
        return {_value(k, names): _value(v, names)
                for k, v in zip(node.keys, node.values)}
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == 'dict' and 'dict' not in names
            and len(node.args) <= 1 and all(k.arg for k in node.keywords)):
        # dict(k=v, ...), and dict({...}) where keys are not identifiers
        items = _value(node.args[0], names) if node.args else {}
        if isinstance(items, dict):
            return dict(items, **{k.arg: _value(k.value, names)
                                  for k in node.keywords})
    if isinstance(node, ast.UnaryOp) and isinstance(
            node.op, (ast.USub, ast.UAdd)):
        operand = _value(node.operand, names)
        if isinstance(operand, numbers.Number):
            return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Name) and node.id in names:
        return copy.deepcopy(names[node.id])
    raise _NotData(_where(node))


def _where(node):
    code = ast.unparse(node)
    code = code if len(code) <= 80 else code[:77] + '...'
    return f'line {node.lineno}: `{code}` is not plain data'
