"""A sweep's grid: parameter names checked and made canonical, values converted to the
declared units and checked against the bounds, and the points (the product of the value
lists, or the lists paired)."""
from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import List, Optional

import numpy as np

from ..frontend.suggest import did_you_mean
from .model import Model
from .network import Network
from .values import Layout, check_bounds, is_quantity, magnitude_in

zip_ = zip  # the builtin, shadowed by the `zip` keyword argument of grid_points


def _canonical_name(model: Model, name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"grid keys must be parameter names, got {name!r}")
    if isinstance(model, Network):
        ckey = model._resolve_cparam(name)
        if ckey is not None:
            return ckey
    if name in model._param_index:
        return name
    known = list(getattr(model, "parameter_names", None) or model.param_names)
    hint = did_you_mean(name, known)
    raise TypeError(f"sweep: grid parameter {name!r} is not a parameter of {model.name}"
                    + (f"; {hint}" if hint else "")
                    + f" (parameters: {', '.join(known)})")


def _param_unit(model: Model, name: str) -> Optional[str]:
    if isinstance(model, Network) and name in model._cparam_index:
        return model._cparam_meta[model._cparam_index[name]]["unit"]
    return model._meta["parameters"][model._param_index[name]]["unit"]


def _param_factor(model: Model, name: str) -> float:
    if isinstance(model, Network) and name in model._cparam_index:
        return model._cparam_meta[model._cparam_index[name]]["factor"]
    return model._meta["parameters"][model._param_index[name]]["factor"]


def _values(model: Model, key: str, name: str, values) -> List[np.ndarray]:
    if isinstance(values, (str, bytes, Mapping)):
        raise TypeError(f"grid[{key!r}] must be a list of values, got {type(values).__name__}")
    if is_quantity(values):
        mag = values.magnitude if hasattr(values, "magnitude") else values.mantissa
        seq = list(values) if np.ndim(mag) > 0 else [values]
    elif np.ndim(values) == 0 and not isinstance(values, (list, tuple)):
        seq = [values]
    else:
        try:
            seq = list(values)
        except TypeError:
            seq = [values]
    if not seq:
        raise ValueError(f"grid[{key!r}] has no values")
    unit = _param_unit(model, name)
    out = []
    n = model.n_nodes
    bounds = model.param_bounds().get(name)
    for i, v in enumerate(seq):
        if isinstance(v, Layout) and v.axis == "batch":
            raise TypeError(f"grid[{key!r}]: a grid value is one value per grid point already; "
                            "give the list itself, not per_batch(...)")
        if isinstance(v, Layout):
            v = v.value
        arr = magnitude_in(v, unit, f"grid[{key!r}]", model.name)
        if arr.shape not in ((), tuple(model.in_size), (n,)):
            raise ValueError(f"grid[{key!r}]: each value must be a number or a per-node array "
                             f"of shape {tuple(model.in_size)}, got shape {arr.shape}")
        check_bounds(arr, _param_factor(model, name), bounds,
                     f"grid[{key!r}][{i}] (parameter {name!r})", model.name, unit,
                     model.in_size)
        out.append(arr.reshape(model.in_size) if arr.ndim else arr)
    return out


def grid_points(model: Model, grid: Mapping, zip: bool = False):
    """(names, {name: [value per point]}, grid shape) of a sweep grid (see `runtime.sweep`)."""
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError("grid must be a non-empty mapping of parameter names to value lists")
    names, lists = [], []
    for key, values in grid.items():
        name = _canonical_name(model, key)
        if name in names:
            raise ValueError(f"grid names {key!r} and {_grid_key_for(grid, model, name)!r} "
                             f"are the same parameter {name!r}")
        names.append(name)
        lists.append(_values(model, key, name, values))
    if zip:
        lengths = {len(v) for v in lists}
        if len(lengths) != 1:
            raise ValueError("zip=True needs value lists of equal lengths, got " + ", ".join(
                f"{n}: {len(v)}" for n, v in itertools.zip_longest(names, lists)))
        shape = (len(lists[0]),)
        index = [(i,) * len(names) for i in range(shape[0])]
    else:
        shape = tuple(len(v) for v in lists)
        index = list(itertools.product(*(range(len(v)) for v in lists)))
    per_point = {name: [vals[ix[k]] for ix in index] for k, (name, vals) in
                 enumerate(zip_(names, lists))}
    return names, per_point, shape


def _grid_key_for(grid: Mapping, model: Model, name: str) -> str:
    for key in grid:
        try:
            if _canonical_name(model, key) == name:
                return key
        except TypeError:
            pass
    return name


def stack_values(values: List[np.ndarray], in_size) -> np.ndarray:
    """(P,) when every value is a number, else (P,) + in_size."""
    if all(v.ndim == 0 for v in values):
        return np.array([float(v) for v in values])
    return np.stack([np.broadcast_to(v, tuple(in_size)) for v in values]).astype(float)
