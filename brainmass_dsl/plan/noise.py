"""The standard normals of one step, as one IR node.

A step of a noisy model reads `_z0, _z1, ...`: standard normals keyed by
(seed, step, batch element, node, stream). Backends draw them from the counter-based Philox
generator of `brainmass_dsl.rng` (a pair per call), so every backend and the NumPy
reference path draw the same numbers; with `substeps` r > 1 each normal is the normalised
sum of r normals of a finer counter grid (step g covers fine steps g r ... g r + r - 1), so a
run at dt and one at dt r follow the same Brownian path.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import sympy as sp


@dataclass(frozen=True)
class NoiseDraw:
    """`targets[k]` = the k-th standard normal of (seed, step, batch, node); streams are
    drawn in pairs: pair p gives streams 2p and 2p + 1 (`fast_normal_pair(..., p)`), an odd
    last stream alone (`fast_normal(..., 2p)`)."""

    targets: Tuple[sp.Symbol, ...]

    def __len__(self) -> int:
        return len(self.targets)

    def pairs(self) -> Tuple[Tuple[int, Tuple[sp.Symbol, ...]], ...]:
        """((counter stream, (target, target?)), ...) in drawing order.

        >>> z = sp.symbols("_z0:3", real=True)
        >>> NoiseDraw(z).pairs()
        ((0, (_z0, _z1)), (2, (_z2,)))
        """
        t = self.targets
        return tuple((k // 2 if k + 1 < len(t) else k, tuple(t[k:k + 2]))
                     for k in range(0, len(t), 2))
