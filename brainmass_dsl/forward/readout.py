"""`LeadfieldReadout` (brainmass): a unitless, normalised lead-field readout.

    y = cy0 * (L_hat @ x) - y0,  applied over every leading axis of x (last axis = sources)

`L_hat` is `lm` (M sensors, R sources) with each row normalised (``'l1'``: divided by the sum of
its absolute values, which is what brainmass's ``normalize=True`` does; ``'l2'``: by its
Euclidean norm; False/None: not at all), then, with `demean`, the mean over the rows (sensors)
subtracted from each column (an average reference).
"""
from __future__ import annotations

import numpy as np

from .units import as_quantity, registry, unit_text

__all__ = ["LeadfieldReadout", "normalize_leadfield"]

_NORMS = {True: "l1", "l1": "l1", "l2": "l2", False: None, None: None}


def _norm_mode(normalize):
    try:
        return _NORMS[normalize]
    except (KeyError, TypeError):
        raise ValueError(f"normalize must be True/'l1', 'l2', False or None, got "
                         f"{normalize!r}") from None


def normalize_leadfield(lm: np.ndarray, normalize=True, demean: bool = True) -> np.ndarray:
    """`L_hat` of an (M, R) matrix (see the module docstring)."""
    mode = _norm_mode(normalize)
    lm = np.asarray(lm, dtype=float)
    if mode is not None:
        norms = (np.abs(lm).sum(axis=1) if mode == "l1" else np.sqrt((lm ** 2).sum(axis=1)))
        zero = np.flatnonzero(norms == 0)
        if zero.size:
            raise ValueError(f"lm: row(s) {zero.tolist()} are all zero and cannot be "
                             f"normalised ({mode}); drop those sensors or use normalize=False")
        lm = lm / norms[:, None]
    if demean:
        lm = lm - lm.mean(axis=0, keepdims=True)
    return lm


def _value(x, name: str) -> np.ndarray:
    """A number/array, or a parameter object with a `.value()` method (brainmass's Param)."""
    v = x.value() if callable(getattr(x, "value", None)) else x
    try:
        return np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, an array or a parameter with .value(), got "
                        f"{type(x).__name__}") from None


class LeadfieldReadout:
    """`lm` (M, R) lead field (unitless), `y0` bias and `cy0` gain (numbers, (M,) arrays or
    parameter objects with `.value()`), `normalize` (True/'l1', 'l2', False/None), `demean`."""

    def __init__(self, lm, y0, cy0, normalize=True, demean: bool = True):
        self.normalize = normalize
        self.demean = bool(demean)
        mode = _norm_mode(normalize)
        q = as_quantity(lm, registry().dimensionless, "lm")
        if mode is None and not q.dimensionless:
            raise ValueError(f"lm must be unitless when normalize is {normalize!r} (the readout "
                             f"is unitless); got a lead field in {unit_text(q.units)}: "
                             "normalise it or pass its magnitude")
        lm_arr = np.asarray(q.magnitude if mode is not None else q.to("").magnitude, float)
        if lm_arr.ndim != 2:
            raise ValueError(f"lm must be (M, R) (sensors x sources), got shape {lm_arr.shape}")
        if not np.isfinite(lm_arr).all():
            raise ValueError("lm contains NaN or infinite values")
        self.lm = lm_arr
        self.lm_normalized = normalize_leadfield(lm_arr, normalize, self.demean)
        self.y0, self.cy0 = y0, cy0
        M = lm_arr.shape[0]
        for name, v in (("y0", y0), ("cy0", cy0)):
            shape = _value(v, name).shape
            if shape not in ((), (1,), (M,)):
                raise ValueError(f"{name} must be a number or one value per sensor ({M},), "
                                 f"got shape {shape}")

    def update(self, x) -> np.ndarray:
        """Readout (..., M) of sources `x` (..., R)."""
        x = np.asarray(x, dtype=float)
        R = self.lm.shape[1]
        if x.ndim == 0 or x.shape[-1] != R:
            raise ValueError(f"x must have the R = {R} sources (lm's columns) on its last "
                             f"axis, got shape {x.shape}")
        return _value(self.cy0, "cy0") * (x @ self.lm_normalized.T) - _value(self.y0, "y0")

    __call__ = update
