"""Registry names that changed, so configs saved in older checkpoints still
build.

A checkpoint carries the config it was trained with (``meta['cfg']``);
``tools/test.py`` and the ``init_*`` functions build its test dataset and
pipeline from it. Types renamed since are mapped here, once, when a saved
config is read (:func:`farl_mm.utils.saved_config.read_saved_config`).
``AlignFaceByLandmarks`` is not here: its arguments changed too, so it stays
registered as a translating function beside ``FaceAlignWarp``.
"""

RENAMED_TYPES = {
    # issue 16: registry names equal class names
    'farl_mm.AFLW19Dataset': 'farl_mm.FaRLAFLW19Dataset',
    'farl_mm.Face300WDataset': 'farl_mm.FaRLFace300WDataset',
    'farl_mm.WFLWDataset': 'farl_mm.FaRLWFLWDataset',
    'farl_mm.CelebAAttributes': 'farl_mm.CelebADataset',
    'farl_mm.LFWAAttributes': 'farl_mm.LFWADataset',
    'farl_mm.FairFace': 'farl_mm.FairFaceDataset',
    # issue 16: few-shot subsets through mmengine's get_subset
    'farl_mm.FewShotDataset': 'farl_mm.few_shot_subset',
}


def update_renamed_types(node):
    """``node`` with every ``type`` value renamed as above (a new object;
    dicts, lists and tuples are walked)."""
    if isinstance(node, dict):
        out = {k: update_renamed_types(v) for k, v in node.items()}
        if isinstance(out.get('type'), str):
            out['type'] = RENAMED_TYPES.get(out['type'], out['type'])
        return out
    if isinstance(node, (list, tuple)):
        return type(node)(update_renamed_types(v) for v in node)
    return node
