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
    if missing:
        raise MissingInputError('\n'.join(missing))
