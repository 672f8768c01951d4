"""Named counters that dataloader worker processes add to and the main
process reads, persistent workers or not."""
import multiprocessing as mp
from multiprocessing.context import get_spawning_popen

import numpy as np


class SharedCounter:
    """Integer counters in shared memory, one per name.

    A dataset's copies in dataloader workers (forked, or pickled to spawned
    ones) all add to the same memory, so the main process sees what every
    worker counted. Pickling outside a process start (``deepcopy``, saving)
    gives a detached copy of the values instead of failing.
    """

    def __init__(self, names, values=None):
        self.names = tuple(names)
        self.index = {name: i for i, name in enumerate(self.names)}
        # a spawn-context lock also works in forked children; a fork-context
        # one cannot be sent to spawned workers
        self._array = mp.get_context('spawn').Array('q', len(self.names))
        if values is not None:
            self._array[:] = list(values)

    def add(self, name, n=1):
        i = self.index[name]
        with self._array.get_lock():
            self._array[i] += n

    def values(self):
        """A snapshot, int64 array in the order of :attr:`names`."""
        with self._array.get_lock():
            return np.array(self._array[:], dtype=np.int64)

    def __getstate__(self):
        if get_spawning_popen() is None:
            return dict(names=self.names, values=self.values().tolist())
        return dict(names=self.names, array=self._array)

    def __setstate__(self, state):
        if 'array' in state:
            self.names = state['names']
            self.index = {name: i for i, name in enumerate(self.names)}
            self._array = state['array']
        else:
            self.__init__(state['names'], state['values'])
