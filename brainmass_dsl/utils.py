"""Small NumPy utilities compatible with ``brainmass``'s top-level helpers."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

__all__ = ["sys2nd", "sigmoid", "bounded_input", "process_sequence", "delay_index"]


def sys2nd(A, a, u, x, v):
    """Second-order synaptic kernel RHS: ``A*a*u - 2*a*v - a**2*x``.

    With gain A (mV), rate a (1/ms), input u, PSP x (mV) and its derivative v
    (mV/ms) this is dv/dt (mV/ms**2), as in the Jansen-Rit model.

    >>> round(float(sys2nd(3.25, 0.1, 1.0, 0.5, 0.2)), 6)   # 0.325 - 0.04 - 0.005
    0.28
    """
    return A * a * u - 2 * a * v - a**2 * x


def sigmoid(x, vmax, v0, r):
    """Sigmoid firing rate ``vmax / (1 + exp(r*(v0 - x)))``, stable for large ``|x|``.

    E.g. x, v0 in mV, r in 1/mV, vmax in Hz -> rate in Hz.

    >>> float(sigmoid(6.0, 5.0, 6.0, 0.56))
    2.5
    >>> float(sigmoid(-1e6, 5.0, 6.0, 0.56)), float(sigmoid(1e6, 5.0, 6.0, 0.56))
    (0.0, 5.0)
    """
    from scipy.special import expit  # logistic 1/(1+exp(-z)); never overflows

    return vmax * expit(r * (np.asarray(x, dtype=float) - v0))


def bounded_input(x, bound=500.0):
    """Soft-clip an input to ``(-bound, bound)``: ``bound * tanh(x / bound)`` (same units as x).

    >>> round(float(bounded_input(1e9)), 6), round(float(bounded_input(1.0)), 6)
    (500.0, 0.999999)
    """
    return bound * np.tanh(np.asarray(x, dtype=float) / bound)


_REDUCERS: dict[str, Callable] = {
    "stack": lambda a: a,
    "last": lambda a: a[-1],
    "first": lambda a: a[0],
    "avg": lambda a: np.mean(a, axis=0),
    "mean": lambda a: np.mean(a, axis=0),
    "max": lambda a: np.max(a, axis=0),
    "min": lambda a: np.min(a, axis=0),
}


def _tree_map(fn, tree):
    """Apply ``fn`` to every leaf of nested tuples/lists/dicts, keeping the structure."""
    if isinstance(tree, Mapping):
        return type(tree)((k, _tree_map(fn, v)) for k, v in tree.items())
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):  # NamedTuple
        return type(tree)(*(_tree_map(fn, v) for v in tree))
    if isinstance(tree, (tuple, list)):
        return type(tree)(_tree_map(fn, v) for v in tree)
    return fn(tree)


def process_sequence(data, mode="stack"):
    """Reduce every leaf of a (nested) sequence result over its leading (time) axis.

    ``mode``: 'stack' (identity), 'last', 'first', 'avg'/'mean', 'max', 'min', or a
    callable applied to each leaf.

    >>> out = process_sequence({"x": np.array([1.0, 2.0, 6.0])}, "mean")
    >>> float(out["x"])
    3.0
    >>> a, [b] = process_sequence((np.arange(3), [np.arange(4)]), "last")
    >>> int(a), int(b)
    (2, 3)
    """
    if callable(mode):
        fn = mode
    elif mode in _REDUCERS:
        red = _REDUCERS[mode]
        fn = red if mode == "stack" else (lambda leaf: red(np.asarray(leaf)))
    else:
        raise ValueError(
            f"unknown mode {mode!r}; expected one of {sorted(_REDUCERS)} or a callable")
    return _tree_map(fn, data)


def delay_index(n):
    """Index matrix for delayed reads ``history[delay_steps[i, j], idx[i, j]]``: every row is arange(n).

    >>> delay_index(3).tolist()
    [[0, 1, 2], [0, 1, 2], [0, 1, 2]]
    """
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    n = int(n)
    return np.tile(np.arange(n), (n, 1))
