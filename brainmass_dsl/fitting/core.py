"""The objective object and the arrays it reads.

An objective scores a prediction against a target: `obj(prediction, target)` -> loss, and
`obj.grad(prediction, target)` -> d loss / d prediction (same shape as the prediction, in
closed form with NumPy). Inputs are arrays `(time, regions)`; a prediction with a leading
batch axis `(batch, time, regions)` gives one loss per batch member in one vectorised call,
against a target `(time, regions)` (shared) or `(batch, time, regions)` (one each).

Units. A pint (or brainunit) quantity is read as its magnitude in the unit of the other
argument (the target is converted to the prediction's unit); a plain array next to a
quantity is read in that quantity's unit. Arguments of different dimensionality are refused
(ValueError). Losses are plain floats; a gradient is per unit of the prediction.

Note: the project's `Result` arrays are `(time, [batch,] node)`; a batched run's array is
turned into the objectives' `(batch, time, regions)` by `np.moveaxis(x, 1, 0)`.
"""
from __future__ import annotations

from typing import Callable, Optional, Tuple

import numpy as np

from ..runtime.values import is_quantity, pint_quantity


def _float_array(x, what: str, name: str) -> np.ndarray:
    try:
        a = np.asarray(x)
    except Exception as e:  # pragma: no cover - odd array-likes
        raise TypeError(f"{name}: {what} is not an array ({type(x).__name__}): {e}") from None
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name}: {what} must hold real numbers, got dtype {a.dtype}")
    return a.astype(np.float64, copy=False)


def magnitudes(prediction, target, name: str) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """(prediction, target) as float64 arrays, a quantity read in the other's unit."""
    pq = is_quantity(prediction)
    tq = target is not None and is_quantity(target)
    if pq and tq:
        p, t = pint_quantity(prediction), pint_quantity(target)
        if p.dimensionality != t.dimensionality:
            raise ValueError(f"{name}: prediction is in {p.units:~} but target in {t.units:~} "
                             f"(dimensions {p.dimensionality} and {t.dimensionality})")
        prediction, target = p.magnitude, t.to(p.units).magnitude
    else:
        if pq:
            prediction = pint_quantity(prediction).magnitude
        if tq:
            target = pint_quantity(target).magnitude
    p = _float_array(prediction, "prediction", name)
    t = None if target is None else _float_array(target, "target", name)
    return p, t


def as_batches(prediction, target, name: str, *, same_time: bool = True, min_time: int = 1,
               min_regions: int = 1):
    """(P (B, T, N), Q (1 or B, Tq, N), batched) with the shapes checked."""
    p, t = magnitudes(prediction, target, name)
    if p.ndim not in (2, 3):
        raise ValueError(f"{name}: prediction must be (time, regions) or (batch, time, regions); "
                         f"got shape {p.shape}")
    batched = p.ndim == 3
    P = p if batched else p[None]
    if P.shape[0] == 0:
        raise ValueError(f"{name}: prediction has an empty batch axis (shape {p.shape})")
    if t is None:
        Q = None
    else:
        if t.ndim not in (2, 3):
            raise ValueError(f"{name}: target must be (time, regions) or (batch, time, regions); "
                             f"got shape {t.shape}")
        if t.ndim == 3 and not batched:
            raise ValueError(f"{name}: target has a batch axis (shape {t.shape}) but prediction "
                             f"has none (shape {p.shape})")
        Q = t if t.ndim == 3 else t[None]
        if Q.shape[0] not in (1, P.shape[0]):
            raise ValueError(f"{name}: target's batch size {Q.shape[0]} != prediction's "
                             f"{P.shape[0]}")
        if Q.shape[2] != P.shape[2]:
            raise ValueError(f"{name}: prediction has {P.shape[2]} regions but target "
                             f"{Q.shape[2]} (shapes {p.shape} and {t.shape})")
        if same_time and Q.shape[1] != P.shape[1]:
            raise ValueError(f"{name}: prediction has {P.shape[1]} time points but target "
                             f"{Q.shape[1]} (shapes {p.shape} and {t.shape})")
    for what, a in (("prediction", P), ("target", Q)):
        if a is None:
            continue
        if a.shape[1] < min_time:
            raise ValueError(f"{name}: {what} needs at least {min_time} time points, got "
                             f"{a.shape[1]}")
        if a.shape[2] < min_regions:
            raise ValueError(f"{name}: {what} needs at least {min_regions} regions, got "
                             f"{a.shape[2]}")
    return P, Q, batched


#: evaluate(P, Q, want_grad) -> (losses (B,), d losses / d P (B, T, N) or None)
Evaluate = Callable[[np.ndarray, Optional[np.ndarray], bool],
                    Tuple[np.ndarray, Optional[np.ndarray]]]


class Objective:
    """A loss or score of a prediction against a target, with its gradient.

    `obj(prediction, target)` -> a float (a `(batch,)` array for a batched prediction);
    `obj.grad(prediction, target)` -> d obj / d prediction, an array of the prediction's
    shape; `obj.value_and_grad(prediction, target)` -> both from one pass.
    """

    def __init__(self, name: str, evaluate: Evaluate, *, same_time: bool = True,
                 min_time: int = 1, min_regions: int = 1, check: Optional[Callable] = None):
        self.name = name
        self._evaluate = evaluate
        self._shape_rules = dict(same_time=same_time, min_time=min_time,
                                 min_regions=min_regions)
        self._check = check

    def _prepare(self, prediction, target):
        if target is None:
            raise TypeError(f"{self.name}: a target is needed: {self.name}(prediction, target)")
        P, Q, batched = as_batches(prediction, target, self.name, **self._shape_rules)
        if self._check is not None:
            self._check(P, Q)
        return P, Q, batched

    def __call__(self, prediction, target=None):
        P, Q, batched = self._prepare(prediction, target)
        with np.errstate(divide="ignore", invalid="ignore"):
            values, _ = self._evaluate(P, Q, False)
        return values if batched else float(values[0])

    def value_and_grad(self, prediction, target=None):
        """(loss, d loss / d prediction) in one pass."""
        P, Q, batched = self._prepare(prediction, target)
        with np.errstate(divide="ignore", invalid="ignore"):
            values, grad = self._evaluate(P, Q, True)
        return (values, grad) if batched else (float(values[0]), grad[0])

    def grad(self, prediction, target=None):
        """d loss / d prediction: an array of the prediction's shape (per its unit)."""
        return self.value_and_grad(prediction, target)[1]

    def __repr__(self):
        return f"<objective {self.name}>"


def chunks(n: int, per_item: int, budget: int = 2 ** 24):
    """Slices of range(n) whose items together hold about `budget` floats at most."""
    size = max(1, budget // max(per_item, 1))
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))
