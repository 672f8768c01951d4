from .tool_args import add_runner_args, build_runner, load_config

__all__ = ['add_runner_args', 'load_config', 'build_runner']
