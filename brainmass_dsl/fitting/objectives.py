"""`bm.objectives`: brainmass 0.1.1's objective builders, batched and with closed-form gradients.

Each builder returns an `Objective`: `obj(prediction, target)` -> loss (a float; a `(batch,)`
array for a prediction `(batch, time, regions)`), `obj.grad(prediction, target)` -> d loss /
d prediction (the prediction's shape), `obj.value_and_grad(...)`. Inputs are arrays
`(time, regions)` in any unit (pint quantities are read in the other argument's unit);
time-series losses (`timeseries_rmse`) are in that unit, the others are dimensionless
(`psd_distance`: decades of power). The formulas and gradient notes: docs/fitting.md.

>>> import numpy as np
>>> from brainmass_dsl import objectives
>>> x = np.zeros((10, 3))
>>> objectives.timeseries_rmse()(x + 2.0, x)
2.0
>>> loss = objectives.combine((2.0, objectives.timeseries_rmse()),
...                           (0.5, objectives.timeseries_rmse()))
>>> loss(x + 1.0, x)
2.5
"""
from __future__ import annotations

import numbers
from functools import partial

import numpy as np

from .core import Objective
from .fc import fc_corr, fc_rmse, functional_connectivity
from .densities import fcd_distribution, ks_distance, wasserstein_1d
from .fcd import fcd, fcd_ks, fcd_wasserstein
from .spectra import psd_distance

__all__ = ["Objective", "timeseries_rmse", "fc_corr", "fc_rmse", "cosine_sim", "fcd",
           "fcd_distribution", "ks_distance", "wasserstein_1d", "fcd_ks", "fcd_wasserstein",
           "combine", "psd_distance", "functional_connectivity"]


def _rmse_evaluate(P, Q, want_grad):
    D = P - Q
    m = D.shape[1] * D.shape[2]
    L = np.sqrt(np.einsum("btn,btn->b", D, D) / m)
    if not want_grad:
        return L, None
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(L[:, None, None] > 0, D / (m * L[:, None, None]), 0.0)
    return L, g


def _cosine_evaluate(P, Q, want_grad, as_loss, eps):
    Qb = np.broadcast_to(Q, P.shape)
    dot = np.einsum("btn,btn->b", P, Qb)
    npr = np.sqrt(np.einsum("btn,btn->b", P, P))
    ntg = np.sqrt(np.einsum("btn,btn->b", Qb, Qb))
    dp, dt = np.maximum(npr, eps), np.maximum(ntg, eps)
    c = dot / (dp * dt)
    values = 1.0 - c if as_loss else c
    if not want_grad:
        return values, None
    above = (npr > eps)[:, None, None]  # the norm, not the floor, is in the denominator
    g = Qb / (dp * dt)[:, None, None] - np.where(
        above, (dot / (npr ** 3 * dt))[:, None, None] * P, 0.0)
    return values, -g if as_loss else g


def timeseries_rmse() -> Objective:
    """sqrt(mean((prediction - target)^2)) over time and regions, in the prediction's unit.
    Its gradient at 0 (prediction == target) is taken as 0."""
    return Objective("timeseries_rmse()", _rmse_evaluate)


def cosine_sim(as_loss: bool = False, epsilon: float = 0.0) -> Objective:
    """Cosine similarity of the flattened prediction and target,
    p.t / (max(|p|, epsilon) max(|t|, epsilon)); with `as_loss`, 1 - cos. With the default
    epsilon = 0 a zero vector gives NaN (as brainmass).

    >>> cosine_sim()(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[2.0, 4.0], [6.0, 8.0]]))
    1.0
    """
    if not isinstance(epsilon, numbers.Real) or not epsilon >= 0:
        raise ValueError(f"cosine_sim: epsilon must be a number >= 0, got {epsilon!r}")
    eps = float(epsilon)
    name = f"cosine_sim(as_loss={bool(as_loss)}, epsilon={eps})"
    return Objective(name, partial(_cosine_evaluate, as_loss=bool(as_loss), eps=eps))


class Combined:
    """sum_k w_k obj_k(prediction, target): `combine`'s result, with `.grad` when every part
    has one."""

    def __init__(self, parts):
        self.parts = tuple(parts)

    def __call__(self, prediction, target=None):
        total = 0.0
        for w, obj in self.parts:
            total = total + w * obj(prediction, target)
        return total

    def value_and_grad(self, prediction, target=None):
        """(sum_k w_k obj_k, sum_k w_k d obj_k / d prediction)."""
        total, grad = 0.0, 0.0
        for i, (w, obj) in enumerate(self.parts):
            vg = getattr(obj, "value_and_grad", None)
            if vg is None:
                raise TypeError(f"combine: objective {i} ({obj!r}) has no gradient "
                                "(value_and_grad); only bm.objectives builders and combine() "
                                "results have one")
            v, g = vg(prediction, target)
            total, grad = total + w * v, grad + w * np.asarray(g)
        return total, grad

    def grad(self, prediction, target=None):
        """d loss / d prediction (the prediction's shape)."""
        return self.value_and_grad(prediction, target)[1]

    def __repr__(self):
        return "combine(" + ", ".join(f"({w!r}, {o!r})" for w, o in self.parts) + ")"


def combine(*weighted_objectives) -> Combined:
    """loss(prediction, target=None) = sum_k w_k obj_k(prediction, target), from pairs
    `(weight, objective)`; `.grad` chains the parts' gradients (each part must have one)."""
    if not weighted_objectives:
        raise ValueError("combine: give at least one (weight, objective) pair")
    parts = []
    for i, item in enumerate(weighted_objectives):
        if not isinstance(item, tuple) or len(item) != 2:
            raise TypeError(f"combine: argument {i} must be a (weight, objective) pair, got "
                            f"{item!r}")
        w, obj = item
        if isinstance(w, bool) or not isinstance(w, numbers.Real):
            raise TypeError(f"combine: the weight of pair {i} must be a real number, got {w!r}")
        if not callable(obj):
            raise TypeError(f"combine: the objective of pair {i} is not callable: {obj!r}")
        parts.append((float(w), obj))
    return Combined(parts)
