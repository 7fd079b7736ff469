"""Units for the forward models: unit arguments and values with or without a unit, via pint.

A unit argument may be a text (``"mV"``, ``"V/(A*m)"``, ``"fT"``), a pint unit or quantity, or a
brainunit-style unit (anything whose text pint reads). A value may be a plain number/array (read
in the unit the argument is declared with), a pint quantity or a brainunit-style quantity
(``.mantissa`` + ``.unit``).
"""
from __future__ import annotations

import numpy as np

from ..frontend.units import registry
from ..runtime.values import pint_quantity, is_quantity

__all__ = ["as_unit", "as_quantity", "magnitude_in", "unit_text"]


def as_unit(unit, name: str):
    """`unit` (text, pint unit/quantity, brainunit unit) as a pint Unit (ValueError naming
    `name`)."""
    ureg = registry()
    if isinstance(unit, ureg.Unit):
        return unit
    if is_quantity(unit):  # a quantity used as a unit (u.nA * u.meter in brainunit is one)
        q = pint_quantity(unit)
        if not np.isclose(float(np.asarray(q.magnitude)), 1.0):
            raise ValueError(f"{name}: expected a unit, got the quantity {q:~} (not of "
                             "magnitude 1)")
        return q.units
    text = getattr(unit, "symbol", None) or unit
    if not isinstance(text, str):
        text = str(text)
    try:
        q = ureg.Quantity(1.0, text.replace("^", "**"))
    except Exception as e:
        raise ValueError(f"{name}: {unit!r} is not a unit pint can read "
                         f"({e.__class__.__name__})") from None
    if q.magnitude != 1.0:
        raise ValueError(f"{name}: expected a unit, got {unit!r}")
    return q.units


def unit_text(unit) -> str:
    """Short ASCII text of a pint unit (``'mV / m / nA'``, ``'uV'``), '' for dimensionless."""
    text = f"{unit:~}".replace("\u00b5", "u").replace("\u03bc", "u")
    return "" if text in ("", "dimensionless") else text


def as_quantity(x, unit, name: str):
    """`x` as a pint quantity: a plain number/array is taken to be in `unit` (a pint Unit)."""
    ureg = registry()
    if is_quantity(x):
        return pint_quantity(x)
    if isinstance(x, str):
        raise TypeError(f"{name} must be a number or an array, not a string")
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers, got "
                        f"{type(x).__name__}") from None
    return ureg.Quantity(arr, unit)


def magnitude_in(x, unit, name: str, what: str = "") -> np.ndarray:
    """`x` as a float array in `unit` (a pint Unit); a plain value is taken to be in `unit`.

    A quantity of another dimension is a ValueError naming `name`, the unit expected (with
    `what`, e.g. 'sensor_unit / dipole_unit', saying where it comes from) and the unit given.
    """
    q = as_quantity(x, unit, name)
    try:
        arr = np.asarray(q.to(unit).magnitude, dtype=float)
    except Exception:
        expected = unit_text(unit) or "no unit"
        why = f" ({what})" if what else ""
        raise ValueError(f"{name} must be in a unit of {expected}{why}; got "
                         f"{unit_text(q.units) or 'no unit'}, of another dimension") from None
    return arr
