"""The one way a config changes its input size: its base's pipeline with
every crop size set to the new one.

mmengine runs a config's bases before the config itself, so a leaf that
sets a size variable does not rebuild the pipelines its base built from
it; and mmengine drops functions from a config, so a base cannot hand its
leaves one. A leaf imports this instead, after its ``_base_`` line (an
import above it makes mmengine read the file as a new-style config), sets
its model's size and passes its base's pipelines through :func:`at_size`
(configs/farl/lapa_upernet_ft_448.py). mmengine drops imported functions
from the resolved config, so a saved config holds the pipelines only.
"""

def at_size(pipeline, size, codec=None):
    """``pipeline`` cropping faces at ``size`` px: farl_mm's
    ``FaceAlignWarp``, mmpose's ``TopdownAffine`` and the heatmap codec of
    ``GenerateTarget`` take the new size; other steps are kept.

    Args:
        pipeline (list[dict]): transform configs, e.g. a base's
            ``train_dataloader.dataset.pipeline``; left unchanged.
        size (int): the new side of the square crop.
        codec (dict, optional): the heatmap codec of ``GenerateTarget``.
            By default its ``input_size`` becomes ``(size, size)`` and its
            heatmaps keep their size; pass one to change those too (the
            model's head decodes with the same codec).

    Returns:
        list[dict]: new transform configs; the ones without a crop size
        are the same objects.
    """
    out = []
    for t in pipeline:
        name = t['type'].split('.')[-1]  # with or without its scope
        if name == 'FaceAlignWarp':
            t = dict(t, size=size)
        elif name == 'TopdownAffine':
            t = dict(t, input_size=(size, size))
        elif name == 'GenerateTarget':
            t = dict(t, encoder=codec or dict(t['encoder'],
                                              input_size=(size, size)))
        out.append(t)
    return out
