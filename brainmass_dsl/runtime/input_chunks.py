"""A callable input over one chunk of steps, as the kernel's (k, I, B, N) input array.

`Simulator.run(inputs=f)` calls `f(i, t)` (step index, time in ms) for every step of a
chunk, but converts what it returns once per chunk: the values of each input are stacked,
their unit converted in one call (a pint or brainunit quantity per step cost ~0.3 ms, so a
Jansen-Rit node took ~3 s per simulated second) and laid out on the (batch, node) grid by one
gather (`layout_index`). Values that cannot be stacked (shapes or units that change from step
to step, `bm.per_node`/`bm.per_batch` wrappers) are converted step by step as before, with
the same results.

A callable marked with `vectorized_input` is called ONCE per chunk instead, with the chunk's
step indices (int64 array) and times (ms, float array), and returns values with a leading
time axis (or a value that does not vary): `bm.vectorized_input(lambda i, t: 220 + 50 *
np.sin(2 * np.pi * 0.01 * t))`. Its answer is checked against per-step calls at the chunk's
first, middle and last steps (a ValueError if they disagree). Unmarked callables are never
called with arrays: a callable with state (a generator, a random draw per call) keeps its
per-step meaning.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from .values import Layout, broadcast_param, is_quantity, magnitude_in


def vectorized_input(fn: Callable) -> Callable:
    """Mark the input callable `fn(i, t)` as working on arrays: `Simulator.run` then calls it
    once per chunk of steps with arrays of step indices and times (ms) instead of once per
    step. Its values have a leading time axis, or are constant (see the module doc)."""
    if not callable(fn):
        raise TypeError(f"vectorized_input takes a callable (i, t), got {type(fn).__name__}")
    fn.vectorized = True
    return fn


def layout_index(row_shape, name: str, in_size, batch: int, owner: str) -> np.ndarray:
    """(batch, n_nodes) indices into a flattened value of `row_shape`: where each grid value
    comes from when `broadcast_param` lays the value out (same rules, same errors)."""
    size = int(np.prod(row_shape, dtype=np.int64))
    idx = broadcast_param(np.arange(size, dtype=float).reshape(row_shape), name, in_size, batch,
                          owner)
    return idx.astype(np.int64)


def _same_unit(values: Sequence) -> Optional[str]:
    """'pint' / 'brainunit' when every value is a quantity of that kind in one unit (the
    first value's), else None."""
    first = values[0]
    if hasattr(first, "magnitude") and hasattr(first, "units"):
        # pint builds a Unit object per `.units` read; its container compares as cheaply
        key = "_units" if hasattr(first, "_units") else "units"
        u = getattr(first, key)
        if all(type(v) is type(first) and getattr(v, key) == u for v in values):
            return "pint"
        return None
    if hasattr(first, "mantissa") and hasattr(first, "unit"):
        u = first.unit
        if all(hasattr(v, "unit") and v.unit == u for v in values):
            return "brainunit"
    return None


class _Stacked:
    """A brainunit-like quantity made of a stack of mantissas and the shared unit."""

    def __init__(self, mantissa, unit):
        self.mantissa, self.unit = mantissa, unit


def stack_values(values: Sequence, unit: Optional[str], name: str,
                 owner: str) -> Optional[np.ndarray]:
    """The values of one input at k steps as one (k,) + row-shape array in `unit` (one
    conversion), or None when they cannot be stacked (the caller goes step by step)."""
    first = values[0]
    if any(isinstance(v, Layout) for v in values):
        return None
    try:
        if is_quantity(first):
            kind = _same_unit(values)
            if kind == "pint":
                mags = np.asarray([np.asarray(v.magnitude, dtype=float) for v in values])
                q = first.units._REGISTRY.Quantity(mags, first.units)
            elif kind == "brainunit":
                q = _Stacked(np.asarray([np.asarray(v.mantissa, dtype=float) for v in values]),
                             first.unit)
            else:
                return None
            return magnitude_in(q, unit, name, owner)
        if any(is_quantity(v) for v in values):
            return None
        arr = np.asarray(values, dtype=float)
    except (ValueError, TypeError):    # ragged shapes, objects: step by step
        return None
    if arr.size and np.isnan(arr).any():
        return None                    # the step-by-step path says which step
    return arr


def per_step_columns(m, results: List, positional: Sequence[str]) -> Dict[str, tuple]:
    """{input: (step positions, values)} of k per-step `results` of an input callable (each
    a dict by name or a tuple filling `positional`); None values keep the default."""
    columns: Dict[str, tuple] = {}
    for s, r in enumerate(results):
        items = r.items() if isinstance(r, dict) else zip(positional, r)
        for name, v in items:
            if v is not None:
                steps, values = columns.setdefault(name, ([], []))
                steps.append(s)
                values.append(v)
    return columns


def fill_chunk(m, k: int, B: int, columns: Dict[str, tuple]) -> np.ndarray:
    """The (k, I, B, N) canonical input array of a chunk: defaults, and for each input of
    `columns` {name: (step positions, values)} its values, where `values` is a list of
    per-step values or an array (len(steps),) + shape already in the input's declared unit."""
    base = m.input_array((), {}, B)
    out = np.broadcast_to(base, (k,) + base.shape).copy()
    unknown = [n for n in columns if n not in m.input_names]
    if unknown:                        # the per-step path raises the usual error
        m.input_array((), {unknown[0]: None}, B)
    for name, (steps, values) in columns.items():
        j = m.input_names.index(name)
        unit = m.unit_of(name)
        label = f"input {name!r}"
        factor = _input_factor(m, name)
        arr = values if isinstance(values, np.ndarray) else \
            stack_values(values, unit, label, m.name)
        idx = None
        if arr is not None and arr.ndim >= 1:
            try:
                idx = layout_index(arr.shape[1:], label, m.in_size, B, m.name)
            except ValueError:
                idx = None
        if idx is not None:
            out[steps, j] = arr.reshape(len(arr), -1)[:, idx] * factor
            continue
        if isinstance(values, np.ndarray):
            values = list(values)
        for s, v in zip(steps, values):     # step by step (errors name the value)
            out[s, j] = broadcast_param(magnitude_in(v, unit, label, m.name), label, m.in_size,
                                        B, m.name) * factor
    return out


def _input_factor(m, name: str) -> float:
    """The factor from input `name`'s declared unit to the kernel's canonical unit."""
    node = getattr(m, "node", None) or m
    return node._meta["inputs"][node.input_names.index(name)]["factor"]


def vectorised_columns(m, f: Callable, call: Callable, s0: int, k: int, dt: float,
                       positional: Sequence[str]) -> Optional[Dict[str, tuple]]:
    """The chunk's input columns (as `fill_chunk` takes them) from ONE call of `f` with the
    chunk's step indices (int64 array) and times (ms), or None when `f` does not work on
    arrays: it raised, answered in another form, or disagreed with the per-step calls
    `call(i, t)` at the chunk's first, middle and last steps. Only for callables marked with
    `vectorized_input` (a callable with state would see its calls change)."""
    if k < 4:
        return None
    steps = np.arange(s0, s0 + k, dtype=np.int64)
    try:
        with np.errstate(all="ignore"):
            r = f(steps, steps * dt)
        if isinstance(r, dict):
            answer = dict(r)
        else:
            vals = list(r) if isinstance(r, (tuple, list)) else [r]
            if len(vals) > len(positional):
                return None
            answer = dict(zip(positional, vals))
        answer = {n: v for n, v in answer.items() if v is not None}
        if any(n not in m.input_names or isinstance(v, Layout) for n, v in answer.items()):
            return None
        columns = {}
        for name, v in answer.items():
            arr = magnitude_in(v, m.unit_of(name), f"input {name!r}", m.name)
            columns[name] = arr
    except Exception:  # noqa: BLE001 - not written for arrays: per-step calls
        return None
    checks = (0, k // 2, k - 1)
    varies: Dict[str, bool] = {}
    for s in checks:
        ref = call(int(steps[s]), float(steps[s]) * dt)
        ref = ref if isinstance(ref, dict) else dict(zip(positional, ref))
        ref = {n: v for n, v in ref.items() if v is not None}
        if set(ref) != set(columns):
            return None
        for name, v in ref.items():
            if isinstance(v, Layout):
                return None
            try:
                want = magnitude_in(v, m.unit_of(name), f"input {name!r}", m.name)
            except (TypeError, ValueError):
                return None
            got = columns[name]
            if got.shape == want.shape:          # did not vary with time: a constant
                row, moved = got, False
            elif got.shape == (k,) + want.shape:
                row, moved = got[s], True
            else:
                return None
            if varies.setdefault(name, moved) != moved or \
                    not np.allclose(row, want, rtol=1e-12, atol=0.0):
                return None
    return {name: (slice(None), arr if varies[name] else np.broadcast_to(arr, (k,) + arr.shape))
            for name, arr in columns.items()}
