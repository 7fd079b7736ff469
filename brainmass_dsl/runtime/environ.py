"""The simulation environment (as brainstate's `environ`): the time step and friends.

    bm.environ.set(dt=0.1)              # ms
    with bm.environ.context(dt=0.05):   # temporarily
        model.update()
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Dict

_local = threading.local()
_GLOBAL: Dict[str, Any] = {}


def _stack():
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


def set(**values) -> None:  # noqa: A001 - brainstate's name
    """Set environment values globally, e.g. `set(dt=0.1)` (dt in ms or a time quantity)."""
    for k, v in values.items():
        if k == "dt":
            from .values import to_ms

            v = to_ms(v, "dt")
            if not v > 0:
                raise ValueError(f"dt must be positive, got {v} ms")
        _GLOBAL[k] = v


def get(key: str, default: Any = None) -> Any:
    """The innermost context's value of `key`, else the global one, else `default`."""
    for frame in reversed(_stack()):
        if key in frame:
            return frame[key]
    return _GLOBAL.get(key, default)


def get_dt() -> float:
    """The time step in ms; ValueError if none was set."""
    dt = get("dt")
    if dt is None:
        raise ValueError("no time step: call bm.environ.set(dt=0.1) (ms), use "
                         "`with bm.environ.context(dt=...)`, or pass dt= to the Simulator")
    return dt


@contextmanager
def context(**values):
    """Temporarily override environment values (thread-local)."""
    frame = dict(values)
    if "dt" in frame:
        from .values import to_ms

        frame["dt"] = to_ms(frame["dt"], "dt")
    _stack().append(frame)
    try:
        yield
    finally:
        _stack().pop()


def reset() -> None:
    _GLOBAL.clear()
    _stack().clear()
