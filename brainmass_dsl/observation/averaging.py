"""`TemporalAverage`: means over non-overlapping windows (brainmass's observation)."""
from __future__ import annotations

import numpy as np

from ..runtime.results import Result
from ._signal import read_signal, time_ms, whole_steps


def window_means(values: np.ndarray, w: int, name: str = "signal") -> np.ndarray:
    """Row k = mean of rows [k w, (k+1) w); a trailing partial window is dropped."""
    n = values.shape[0] // w
    if n < 1:
        raise ValueError(f"{name} has {values.shape[0]} samples, fewer than one averaging "
                         f"window of {w}")
    return values[:n * w].reshape((n, w) + values.shape[1:]).mean(axis=1)


class TemporalAverage:
    """Downsample by averaging over windows of `period` (ms or a time quantity; default 4 ms).

    `ta(signal, dt)`: `signal` has time on axis 0, shape (T, *rest), sampled every `dt`;
    the result has T // w rows, w = period / dt (which must be a whole number), row k the
    mean of samples [k w, (k+1) w); a trailing partial window is dropped; a quantity keeps
    its unit. `ta(result)` averages every variable of a `Result` (its sampling step is the
    spacing of `ts`) and returns a `Result` stamped at the end of each window.

    >>> import numpy as np
    >>> TemporalAverage(period=5.0)(np.arange(22.0), dt=1.0)    # 2 trailing samples dropped
    array([ 2.,  7., 12., 17.])
    """

    def __init__(self, period=4.0):
        self.period = period
        self.period_ms = time_ms(period, "period")

    def __repr__(self):
        return f"TemporalAverage(period={self.period!r})"

    def __call__(self, signal, dt=None):
        if isinstance(signal, Result):
            return self._on_result(signal, dt)
        sig = read_signal(signal, dt)
        w = whole_steps(self.period_ms, sig.dt, "period", "dt")
        out = window_means(sig.values, w)
        return out * sig.wrap if sig.wrap is not None else out

    def _on_result(self, result: Result, dt) -> Result:
        if not result.data:
            raise ValueError("signal: the result holds no variables")
        data, w = {}, 1
        for var in result.data:
            sig = read_signal(result, dt, var)
            w = whole_steps(self.period_ms, sig.dt, "period", "the result's sampling step")
            data[var] = window_means(sig.values, w, f"signal {var!r}")
        ts = np.asarray(result.ts, dtype=float)
        n = len(ts) // w
        meta = dict(result.meta, observation=repr(self))
        return Result(data, ts[w - 1:n * w:w], result.units, result.labels, meta)
