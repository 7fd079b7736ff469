"""User values -> canonical arrays: unit conversion, NaN and shape validation.

A plain number means the unit the name was declared with in its .nmm file; pint
quantities and brainunit-like objects (`.mantissa` + `.unit`) are converted.

Shapes. A value given for a parameter, an initial state or an input is laid out on the
run's (batch, node) grid (node = the model's `in_size`):

* a number: the same everywhere;
* an array of shape `in_size`: one value per node, the same in every batch element;
* an array of shape `(batch,)`: one value per batch element, the same on every node;
* an array of shape `(batch,) + in_size` (or `(batch, n_nodes)`): one value per batch element
  and node; an axis of length 1 is repeated along the run's axis, as in NumPy broadcasting.

A 1-D value whose length is both the number of nodes and the batch size could mean either;
it is refused (never guessed). `per_node(value)` and `per_batch(value)` say which is meant:

>>> import numpy as np
>>> broadcast_param(magnitude_in(per_node([1, 2]), None, "k"), "k", (2,), 2)
array([[1., 2.],
       [1., 2.]])
>>> broadcast_param(magnitude_in(per_batch([1, 2]), None, "k"), "k", (2,), 2)
array([[1., 1.],
       [2., 2.]])
"""
from __future__ import annotations

from typing import Dict, NamedTuple, Optional, Tuple

import numpy as np


def is_quantity(x) -> bool:
    return hasattr(x, "magnitude") and hasattr(x, "units") or (
        hasattr(x, "mantissa") and hasattr(x, "unit"))


def pint_quantity(x):
    """A quantity (pint's or brainunit's) as a quantity of the package's pint registry."""
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


class Layout:
    """A value with the axis it varies along said explicitly: see `per_node`, `per_batch`."""

    __slots__ = ("value", "axis")

    def __init__(self, value, axis: str):
        if isinstance(value, Layout):
            raise TypeError(f"per_{axis}() got a value already wrapped by per_{value.axis}()")
        self.value, self.axis = value, axis

    def __repr__(self):
        return f"per_{self.axis}({self.value!r})"


def per_node(value) -> Layout:
    """`value` (a number or an array of shape in_size, with or without a unit) is one value
    per node, the same in every batch element: `net.set_params(**{"coupling.k":
    bm.per_node([0, .05, .5, 2])})`. Equivalent to the array with a leading axis of length 1
    (shape `(1,) + in_size`)."""
    return Layout(value, "node")


def per_batch(value) -> Layout:
    """`value` (a 1-D sequence, with or without a unit) is one value per batch element, the
    same on every node: `net.set_params(**{"coupling.k": bm.per_batch([0, .05, .5, 2])})`
    then `run(..., batch_size=4)`. Equivalent to the array as a column (shape `(batch, 1)`)."""
    return Layout(value, "batch")


def _unit_mismatch(q, unit: Optional[str], name: str, where: str, doc: Optional[str],
                   hint: Optional[str]) -> ValueError:
    """The error for a quantity `q` given where `unit` is declared: what the value means, the
    unit it needs (a plain number for a dimensionless one) and the dimensions of both."""
    about = f" ({doc})" if doc else ""
    try:
        got_dim = f"{q.dimensionality}"
    except Exception:  # noqa: BLE001 - a unit pint cannot describe
        got_dim = ""
    if not unit or unit == "1":
        need = "is a plain number (dimensionless)"
    else:
        try:
            from ..frontend.units import registry

            target = "1" + unit if unit.startswith("/") else unit
            need_dim = f" ({registry().Quantity(1, target).dimensionality})"
        except Exception:  # noqa: BLE001
            need_dim = ""
        need = f"expects a value in {unit}{need_dim}"
    short = got_dim and got_dim != "dimensionless" and len(got_dim) <= 24   # [time], not SI soup
    got = f"{q:~}" + (f" ({got_dim})" if short else "")
    return ValueError(f"{name}{where}{about} {need}; got {got}" + (f". {hint}" if hint else ""))


def magnitude_in(x, unit: Optional[str], name: str, owner: str = "", *,
                 doc: Optional[str] = None, hint: Optional[str] = None) -> np.ndarray:
    """`x` as a float array in `unit` (a plain number is taken to be in `unit`). `doc` (what
    the value means) and `hint` go into the error for a quantity in the wrong unit.

    `per_node(v)` comes back as shape `(1,) + v.shape`, `per_batch(v)` as `(len(v), 1)`:
    arrays whose length-1 axis `broadcast_param` repeats over the run's nodes or batch.
    """
    where = f" of {owner}" if owner else ""
    if isinstance(x, Layout):
        arr = magnitude_in(x.value, unit, name, owner, doc=doc, hint=hint)
        if arr.ndim == 0:
            return arr
        if x.axis == "node":
            return arr.reshape((1,) + arr.shape)
        if arr.ndim != 1:
            raise ValueError(f"{name}{where}: per_batch() takes one value per batch element "
                             f"(a 1-D sequence), got shape {arr.shape}; for values per batch "
                             "element and node give a (batch,) + in_size array")
        return arr.reshape(-1, 1)
    if is_quantity(x):
        q = pint_quantity(x)
        target = unit if unit and unit != "1" else "dimensionless"
        if target.startswith("/"):
            target = "1" + target
        try:
            arr = np.asarray(q.to(target).magnitude, dtype=float)
        except Exception:  # noqa: BLE001 - pint's DimensionalityError and friends
            raise _unit_mismatch(q, unit, name, where, doc, hint) from None
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


def _layout_help(n: int, in_size: Tuple[int, ...]) -> str:
    return (f"write bm.per_node(value) for one value per node (the same in every batch "
            f"element), bm.per_batch(value) for one value per batch element (the same on every "
            f"node), or an array of shape {(n,) + tuple(in_size)} indexed (batch, node)")


def _fits(shape: Tuple[int, ...], target: Tuple[int, ...]) -> bool:
    """`shape` has target's rank and each axis is target's length or 1 (broadcasts)."""
    return len(shape) == len(target) and all(s in (1, t) for s, t in zip(shape, target))


def check_shape(arr: np.ndarray, name: str, in_size: Tuple[int, ...], owner: str = "") -> None:
    """Refuse, when a value is set, shapes that no batch size could accept."""
    in_size = tuple(in_size)
    n = int(np.prod(in_size))
    shape = arr.shape
    if arr.ndim <= 1 or shape == in_size:
        return
    if (len(shape) == len(in_size) + 1 and _fits(shape[1:], in_size)) or             (len(shape) == 2 and shape[1] in (1, n)):
        return
    where = f" of {owner}" if owner else ""
    raise ValueError(f"{name}{where} has shape {shape}; expected a scalar, {in_size} (per "
                     f"node), (B,) (per batch element) or (B,) + {in_size}")


def broadcast_param(arr: np.ndarray, name: str, in_size: Tuple[int, ...], batch: int,
                    owner: str = "") -> np.ndarray:
    """Broadcast a parameter value to (batch, n_nodes) (the rules: see the module doc).

    Accepted shapes: () scalar, in_size (per node), (batch,) (per batch element), and
    (batch,) + in_size or (batch, n_nodes), where an axis of length 1 is repeated. A 1-D
    array whose length equals both n_nodes and batch (> 1) is ambiguous: a ValueError.
    """
    in_size = tuple(in_size)
    n = int(np.prod(in_size)) if in_size else 1
    shape = arr.shape
    where = f" of {owner}" if owner else ""
    if shape == () or shape == (1,):
        return np.full((batch, n), float(arr.reshape(())), dtype=float)
    per_node = shape == in_size or (len(in_size) == 1 and shape == (n,))
    if per_node and shape == (batch,):
        raise ValueError(f"{name}{where} is ambiguous: a 1-D value of length {n} could be one "
                         f"value per node ({n} nodes) or one per batch element (batch size "
                         f"{batch}); " + _layout_help(batch, in_size))
    if per_node:
        return np.broadcast_to(arr.reshape(1, n), (batch, n)).copy()
    if shape == (batch,):
        return np.broadcast_to(arr.reshape(batch, 1), (batch, n)).copy()
    full = (batch,) + in_size
    if _fits(shape, full):
        return np.broadcast_to(arr, full).reshape(batch, n).astype(float, copy=True)
    if _fits(shape, (batch, n)):
        return np.broadcast_to(arr, (batch, n)).astype(float, copy=True)
    expected = ["()", f"{in_size} (per node)", f"({batch},) (per batch element)",
                f"{full} (per batch element and node; an axis of length 1 is repeated)"]
    hint = ""
    if arr.ndim == 2 and shape[1] == 1 and shape[0] != batch:
        hint = f" (per_batch() gave {shape[0]} values but the batch has {batch} elements)"
    raise ValueError(f"{name}{where} has shape {shape}{hint}; expected one of "
                     + ", ".join(expected))


# ---------------------------------------------------------------------------- declared bounds
class Bounds(NamedTuple):
    """A parameter's declared bounds `in [lo, hi]` / `in (lo, hi)`: lo, hi in canonical units,
    `text` as written in the .nmm file (e.g. "(0 ms, inf)")."""

    lo: float
    hi: float
    lo_closed: bool
    hi_closed: bool
    text: str

    def inside(self, canonical: np.ndarray) -> np.ndarray:
        lo_ok = canonical >= self.lo if self.lo_closed else canonical > self.lo
        hi_ok = canonical <= self.hi if self.hi_closed else canonical < self.hi
        return lo_ok & hi_ok


def block_bounds(rb, prefix: str = "") -> Dict[str, Bounds]:
    """{prefix + parameter name: Bounds} for every parameter of a (resolved) block that
    declares bounds."""
    from ..frontend import declared_bounds

    return {prefix + name: Bounds(*b) for name, b in declared_bounds(rb).items()}


def _index_text(idx: Tuple[int, ...], shape: Tuple[int, ...], in_size) -> str:
    """Where `idx` of a parameter array of `shape` is: node / batch member (as
    `broadcast_param` reads the shapes)."""
    if in_size is not None:
        in_size = tuple(in_size)
        n = int(np.prod(in_size))
        node = lambda ix: str(ix[0]) if len(ix) == 1 else str(tuple(ix))
        if shape == in_size or (len(in_size) == 1 and shape == (n,)):
            return f"node {node(idx)}"
        if shape[1:] == in_size or (len(shape) == 2 and shape[1] == n):
            return f"batch member {idx[0]}, node {node(idx[1:])}"
        if len(shape) == 1:
            return f"batch member {idx[0]}"
    return f"index {idx[0] if len(idx) == 1 else idx}"


def check_bounds(arr: np.ndarray, factor: float, bounds: Optional[Bounds], name: str,
                 owner: str = "", unit: Optional[str] = None, in_size=None) -> None:
    """ValueError naming `name`, the first offending index (as a node / batch member when
    `in_size` is given) and the bounds if any element of `arr` (declared units; `arr * factor`
    is what the kernel sees) lies outside `bounds`."""
    if bounds is None:
        return
    arr = np.asarray(arr, dtype=float)
    bad = ~bounds.inside(arr * factor)
    if not bad.any():
        return
    where = f" of {owner}" if owner else ""
    u = f" {unit}" if unit and unit != "1" else ""
    if arr.ndim == 0:
        raise ValueError(f"{name}{where} = {float(arr):g}{u} is outside its declared bounds "
                         f"{bounds.text}")
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    more = int(bad.sum()) - 1
    raise ValueError(f"{name}{where} is outside its declared bounds {bounds.text} at "
                     f"{_index_text(idx, arr.shape, in_size)} (value {float(arr[idx]):g}{u}, "
                     f"in an array of shape {arr.shape})"
                     + (f" and at {more} other index{'es' if more > 1 else ''}" if more else ""))
