"""User values -> canonical arrays: unit conversion, NaN and shape validation.

A plain number means the unit the name was declared with in its .nmm file; pint
quantities and brainunit-like objects (`.mantissa` + `.unit`) are converted.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np


def is_quantity(x) -> bool:
    return hasattr(x, "magnitude") and hasattr(x, "units") or (
        hasattr(x, "mantissa") and hasattr(x, "unit"))


def _pint_quantity(x):
    from ..frontend.units import registry

    ureg = registry()
    if hasattr(x, "magnitude") and hasattr(x, "units"):
        if getattr(x, "_REGISTRY", None) is ureg:
            return x
        return ureg.Quantity(np.asarray(x.magnitude), str(x.units))
    unit = x.unit
    text = str(getattr(unit, "symbol", None) or unit)
    text = text.replace("^", "**")
    return ureg.Quantity(np.asarray(x.mantissa), text)


def magnitude_in(x, unit: Optional[str], name: str, owner: str = "") -> np.ndarray:
    """`x` as a float array in `unit` (a plain number is taken to be in `unit`)."""
    where = f" of {owner}" if owner else ""
    if is_quantity(x):
        q = _pint_quantity(x)
        target = unit if unit and unit != "1" else "dimensionless"
        if target.startswith("/"):
            target = "1" + target
        try:
            arr = np.asarray(q.to(target).magnitude, dtype=float)
        except Exception as e:
            raise ValueError(f"{name}{where} expects a value in {unit or 'no unit'}, got "
                             f"{q.units:~}: {e.__class__.__name__}") from None
    else:
        if isinstance(x, str):
            raise TypeError(f"{name}{where} must be a number or an array, not a string")
        try:
            arr = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"{name}{where} must be a number or an array of numbers, got "
                            f"{type(x).__name__}") from None
    if arr.size and np.isnan(arr).any():
        raise ValueError(f"{name}{where} contains NaN")
    return arr


def to_ms(x, name: str = "time") -> float:
    """A duration or time step in ms (numbers are ms)."""
    arr = magnitude_in(x, "ms", name)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got shape {arr.shape}")
    return float(arr)


def broadcast_param(arr: np.ndarray, name: str, in_size: Tuple[int, ...], batch: int,
                    owner: str = "") -> np.ndarray:
    """Broadcast a parameter value to (batch, n_nodes).

    Accepted shapes: () scalar, in_size (per node), (batch,) (per batch element), and
    (batch,) + in_size. A 1-D array whose length equals both n_nodes and batch is per node.
    """
    n = int(np.prod(in_size)) if in_size else 1
    shape = arr.shape
    where = f" of {owner}" if owner else ""
    if shape == () or arr.size == 1 and arr.ndim <= 1 and shape in ((1,),):
        return np.full((batch, n), float(arr.reshape(())), dtype=float)
    if shape == tuple(in_size) or (len(in_size) == 1 and shape == (n,)):
        return np.broadcast_to(arr.reshape(1, n), (batch, n)).copy()
    if shape == (batch,):
        return np.broadcast_to(arr.reshape(batch, 1), (batch, n)).copy()
    if shape == (batch,) + tuple(in_size) or shape == (batch, n):
        return arr.reshape(batch, n).astype(float, copy=True)
    expected = ["()", f"{tuple(in_size)} (per node)", f"({batch},) (per batch element)",
                f"{(batch,) + tuple(in_size)} (per batch element and node)"]
    raise ValueError(f"{name}{where} has shape {shape}; expected one of " + ", ".join(expected))
