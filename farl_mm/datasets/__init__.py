from .synthetic import *  # noqa: F401,F403
