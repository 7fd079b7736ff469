"""Random initial states (`state x = uniform(lo, hi)` / `normal(mean, std)` in a .nmm file),
drawn when the states are initialised, from the counter-based generator (Philox4x32-10) that
also draws the noise: a function of (seed, state, batch member, node), so a draw is
reproducible per seed, independent between nodes, batch members and states, and the same for a
batch member whether the batch runs at once or in chunks (`batch_offset`). The counter has
a step word no run reaches (2**32 - 1) and a stream word with the high half set, so it never
coincides with a noise draw.
"""
from __future__ import annotations

import numpy as np

from ..rng import philox4x32_numpy

_M32 = 0xFFFFFFFF
_INIT_STEP = 0xFFFFFFFF          # the counter's step word for initial values
_INIT_STREAM = 0xFFFF0000        # | state index: the counter's stream word
_INV_2_53 = 2.0 ** -53


def draw(spec, seed: int, state_index: int, batch_ids: np.ndarray, n_nodes: int) -> np.ndarray:
    """(len(batch_ids), n_nodes) draws of `spec` = ("uniform", lo, hi) or ("normal", mean,
    std), in the units of lo/hi (canonical)."""
    kind, a, b = spec
    seed = int(seed) & 0xFFFFFFFFFFFFFFFF
    batch = np.asarray(batch_ids, dtype=np.int64)[:, None] % (1 << 32)
    node = np.arange(n_nodes, dtype=np.int64)[None, :]
    r0, r1, r2, r3 = philox4x32_numpy(_INIT_STEP, batch, node, _INIT_STREAM | state_index,
                                      seed & _M32, seed >> 32)
    u1 = (((r0 >> np.uint64(5)) << np.uint64(26)) | (r1 >> np.uint64(6))).astype(float) * _INV_2_53
    if kind == "uniform":
        return a + (b - a) * u1                     # [a, b)
    if kind == "normal":
        u2 = (((r2 >> np.uint64(5)) << np.uint64(26)) | (r3 >> np.uint64(6))).astype(float) \
            * _INV_2_53
        z = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)   # Box-Muller
        return a + b * z
    raise ValueError(f"unknown random initial value {kind!r}")
