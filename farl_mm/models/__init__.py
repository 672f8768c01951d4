from .algorithms import *  # noqa: F401,F403
from .backbones import *  # noqa: F401,F403
from .estimators import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .segmentors import *  # noqa: F401,F403
from .target_generators import *  # noqa: F401,F403
from .text import *  # noqa: F401,F403
