"""What a sweep gives back: `SweepResult`, assembled from its batches' outputs."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Dict

import numpy as np


class SweepResult(Mapping):
    """What `sweep` returns: the grid and, per monitor (or per `reduce` output), an array
    with one row per grid point.

    `names` the swept parameters; `points[p]` the dict of grid point p; `params[name]` the
    values at every point ((n_points,) or (n_points,) + in_size); `shape` the grid's shape
    (the list lengths; (n_points,) with zip=True); `res[name]` (n_points, time, node...)
    per monitor, or reduce's per-point values; `ts` the sample times (ms); `units`; `meta`.
    """

    def __init__(self, names, points, params, shape, data, ts, units, meta):
        self.names = tuple(names)
        self.points = list(points)
        self.params = dict(params)
        self.shape = tuple(shape)
        self.data = dict(data)
        self.ts = ts
        self.units = dict(units)
        self.meta = dict(meta)

    @property
    def n_points(self) -> int:
        return len(self.points)

    def __getitem__(self, key):
        if key == "ts":
            return self.ts
        return self.data[key]

    def __iter__(self):
        yield from self.data
        yield "ts"

    def __len__(self):
        return len(self.data) + 1

    def grid(self, key: str) -> np.ndarray:
        """`res[key]` with its point axis unfolded into the grid's axes."""
        arr = self.data[key]
        return arr.reshape(self.shape + arr.shape[1:])

    def point(self, p: int) -> Dict[str, Any]:
        """Every result of grid point p (and its parameter values under "params")."""
        out = {k: v[p] for k, v in self.data.items()}
        out["params"] = self.points[p]
        return out

    def __repr__(self):
        grid = " x ".join(f"{n}[{s}]" for n, s in zip(self.names, self.shape)) \
            if not self.meta.get("zip") else f"zip({', '.join(self.names)})[{self.shape[0]}]"
        if self.meta.get("complete") is False:
            grid = f"{', '.join(self.names)}: {self.n_points} finished points"
        shapes = ", ".join(f"{k}: {v.shape}" for k, v in self.data.items())
        return f"SweepResult({grid}; {shapes})"


def assemble(names, per_point, params, shape, outs, indices, meta) -> "SweepResult":
    """A SweepResult of the grid points `indices` from their batches' outputs (in order)."""
    data = {k: np.concatenate([o["data"][k] for o in outs]) for k in outs[0]["data"]}
    points = [{n: (float(per_point[n][p]) if per_point[n][p].ndim == 0 else per_point[n][p])
               for n in names} for p in indices]
    if len(indices) != len(next(iter(per_point.values()))):
        meta["point_index"] = list(indices)
        params = {n: params[n][indices] for n in names}
    return SweepResult(tuple(names), points, params, shape, data, outs[0]["ts"],
                       outs[0]["units"], meta)
