"""Print a config as the runner sees it, ``_base_`` files merged, as
mmseg's / mmpretrain's print_config::

    python tools/misc/print_config.py CONFIG [--cfg-options KEY=VALUE ...]
        [--save-path OUT.py]

``farl_mm`` is imported first, so the config's ``custom_imports`` and its
Python lines (``from farl_mm.utils.pipeline_size import at_size``) find
the mmcv-lite stand-in in place.
"""
import argparse

import farl_mm  # noqa: F401,I001  (compatibility patches first, registries)
from mmengine.config import Config, DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Print the full config')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value')
    parser.add_argument('--save-path',
                        help='also write the resolved config to this file')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    print(f'Config:\n{cfg.pretty_text}')
    if args.save_path:
        cfg.dump(args.save_path)
        print(f'Config saved to {args.save_path}')
    return cfg


if __name__ == '__main__':
    main()
