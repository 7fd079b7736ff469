"""Shared checks of the observation models: times in ms, whole-step ratios, signals given as
arrays, unit-carrying quantities or a saved `Result`."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..runtime.results import Result
from ..runtime.values import is_quantity, magnitude_in


def time_ms(x, name: str) -> float:
    """A positive finite time in ms (a plain number is ms, a quantity is converted)."""
    try:
        arr = magnitude_in(x, "ms", name)
    except TypeError as e:
        raise ValueError(f"{name}: {e}") from None
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single time, got shape {arr.shape}")
    value = float(arr)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a positive finite time, got {value} ms")
    return value


def whole_steps(period_ms: float, step_ms: float, name: str, step_name: str) -> int:
    """round(period / step), refusing a period that is not a whole multiple of the step.

    >>> whole_steps(1000.0, 4.0, "period", "downsample_period")
    250
    >>> whole_steps(1001.0, 4.0, "period", "downsample_period")
    Traceback (most recent call last):
    ValueError: period = 1001 ms must be a whole multiple of downsample_period = 4 ms (the ratio is 250.25)
    """
    ratio = period_ms / step_ms
    w = int(round(ratio))
    if w < 1 or abs(ratio - w) > 1e-6:
        raise ValueError(f"{name} = {period_ms:g} ms must be a whole multiple of {step_name} = "
                         f"{step_ms:g} ms (the ratio is {ratio:.6g})")
    return w


def finite_number(x, name: str) -> float:
    try:
        value = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {x!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def finite_array(x, name: str) -> np.ndarray:
    """`x` as a float array (magnitude of a quantity), refusing NaN and inf with the place."""
    arr = np.asarray(x.magnitude if hasattr(x, "magnitude") else
                     x.mantissa if hasattr(x, "mantissa") else x, dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i[0]) for i in np.nonzero(bad))
        raise ValueError(f"{name} must be finite: {int(bad.sum())} NaN/inf value(s), the first "
                         f"at index {where}")
    return arr


@dataclass
class Signal:
    """A time series (time on axis 0) with its sampling step and where it came from."""
    values: np.ndarray             # (T, *rest), finite
    dt: float                      # ms between samples
    t0: float                      # ms: the start of the first sample's step
    unit: Optional[str]            # of the values, when known
    wrap: Optional[object] = None  # the input quantity's unit object, to give it back


def read_signal(signal, dt, var: Optional[str] = None) -> Signal:
    """An array, a quantity or a `Result` (one of its variables: `var`) as a `Signal`.

    For a `Result` the sampling step is the spacing of its regular `ts` (unless `dt` is
    given) and `t0 = ts[0] - dt`; for arrays `dt` is required."""
    if isinstance(signal, Result):
        keys = list(signal.data)
        if var is None:
            if len(keys) != 1:
                raise ValueError(f"var: the result holds {', '.join(keys)}; name the one to "
                                 f"observe, e.g. var={keys[0]!r}")
            var = keys[0]
        if var not in signal.data:
            raise ValueError(f"var: the result has no {var!r} (it holds {', '.join(keys)})")
        ts = np.asarray(signal.ts, dtype=float)
        if dt is None:
            if len(ts) < 2:
                raise ValueError("dt: a result with fewer than two samples has no sampling "
                                 "step; give dt=")
            steps = np.diff(ts)
            dt_ms = float(steps[0])
            if not (dt_ms > 0 and np.allclose(steps, dt_ms, rtol=1e-9, atol=1e-12 * abs(ts).max())):
                raise ValueError("signal: the result's times are not regular; give dt= and "
                                 "check its ts")
        else:
            dt_ms = time_ms(dt, "dt")
        values = finite_array(signal.data[var], f"signal {var!r}")
        t0 = float(ts[0]) - dt_ms if len(ts) else 0.0
        return Signal(values, dt_ms, t0, signal.units.get(var))
    if var is not None:
        raise ValueError("var: only a Result has named variables; pass the array itself")
    if dt is None:
        raise ValueError("dt: the sampling step of the signal is required (ms or a time "
                         "quantity)")
    dt_ms = time_ms(dt, "dt")
    wrap, unit = None, None
    if is_quantity(signal):
        wrap = signal.units if hasattr(signal, "units") else signal.unit
        unit = str(wrap)
    values = finite_array(signal, "signal")
    if values.ndim < 1:
        raise ValueError("signal must have a time axis (axis 0), got a scalar")
    return Signal(values, dt_ms, 0.0, unit, wrap)
