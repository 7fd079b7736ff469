"""Ctrl-C between kernel calls only: a run is interrupted at a step it has completed.

A Numba kernel cannot be stopped midway; Python raises the KeyboardInterrupt when the call
returns, possibly before the step counter has caught up with the states. `held_interrupt`
holds SIGINT over such a critical section and raises it after the section ends.
"""
from __future__ import annotations

import signal
import threading

try:                      # the C module: no enum conversions (the `signal` wrappers cost
    import _signal as _sig  # ~8 us a call, too much for Model.update's every step)
except ImportError:       # pragma: no cover - other Pythons
    _sig = signal
_SIGINT = int(signal.SIGINT)


class held_interrupt:
    """Hold SIGINT (Ctrl-C) until the block has finished, then deliver it as usual. Outside
    the main thread, or with SIGINT ignored or left to the OS, nothing changes. (A class,
    not a generator: it runs on every `Model.update`.)"""

    __slots__ = ("_previous", "_caught")

    def _hold(self, signum, frame):
        self._caught = frame if frame is not None else True

    def __enter__(self):
        self._previous = self._caught = None
        if threading.current_thread() is threading.main_thread():
            previous = _sig.getsignal(_SIGINT)
            if callable(previous):
                self._previous = previous
                _sig.signal(_SIGINT, self._hold)
        return self

    def __exit__(self, exc_type, exc, tb):
        previous = self._previous
        if previous is None:
            return False
        _sig.signal(_SIGINT, previous)
        if self._caught is not None and exc_type is None:
            previous(_SIGINT, self._caught if self._caught is not True else None)
        return False
