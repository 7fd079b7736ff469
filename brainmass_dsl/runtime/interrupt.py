"""Ctrl-C between kernel calls only: a run is interrupted at a step it has completed.

A Numba kernel cannot be stopped midway; Python raises the KeyboardInterrupt when the call
returns, possibly before the step counter has caught up with the states. `held_interrupt`
holds SIGINT over such a critical section and raises it after the section ends.
"""
from __future__ import annotations

import contextlib
import signal
import threading


@contextlib.contextmanager
def held_interrupt():
    """Hold SIGINT (Ctrl-C) until the block has finished, then deliver it as usual. Outside
    the main thread, or with SIGINT ignored or left to the OS, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):
        yield
        return
    caught = []
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        previous(signal.SIGINT, caught[0])
