"""The parameters a fit changes: from `bm.Param` marks and the `search_space`.

A fit's parameters are the model's parameters marked `bm.Param(..., fit=True)` plus those
named in `search_space={name: (lower, upper)}` (which also overrides a mark's box). Names are
those of `Network.set_params`: node parameters ("a"), coupling parameters ("coupling.k",
"<term>.<name>", or the bare name when it is unique: "k"), noise parameters ("noise.sigma",
"noise_x.sigma"), and a coupling term's connectivity ("coupling.weights", an (N, N)
matrix: the gradient backend only). A parameter whose current value is one number is ONE scalar of the fit; one
whose value is per node (shape in_size, e.g. `HopfStep(68, a=np.full(68, -0.05))`, or bounds
given per node) is fitted per node (in_size numbers). Values and boxes are in the parameter's
declared (physical) units.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple

import numpy as np

from ..frontend.suggest import did_you_mean
from ..runtime.param import Param, SigmoidT, Transform, logistic, trainable
from ..runtime.values import check_bounds

__all__ = ["Trainable", "SearchSpace", "resolve_search_space"]


@dataclass
class Trainable:
    """One fitted parameter: canonical name, shape (() or in_size), box, transform, start."""

    name: str
    shape: Tuple[int, ...]
    lower: Optional[np.ndarray]
    upper: Optional[np.ndarray]
    transform: Transform
    initial: np.ndarray

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1


def _param_names(model) -> List[str]:
    return list(getattr(model, "parameter_names", None) or model.param_names)


def _canonical(model, name) -> str:
    if not isinstance(name, str):
        raise TypeError(f"parameter names must be strings, got {name!r}")
    if name in getattr(model, "weight_names", ()):
        return name
    resolve = getattr(model, "_resolve_cparam", None)
    if resolve is not None:
        ckey = resolve(name)
        if ckey is not None:
            return ckey
    if name in model._param_index:
        return name
    known = _param_names(model)
    hint = did_you_mean(name, known)
    raise ValueError(f"{name!r} is not a parameter of {model.name}"
                     + (f"; {hint}" if hint else "") + f" (parameters: {', '.join(known)})")


def _is_weights(model, name: str) -> bool:
    return name in getattr(model, "weight_names", ())


def _shape(model, name: str) -> Tuple[int, ...]:
    """The shape of a per-element value of `name`: in_size, or (N, N) for the weights."""
    if _is_weights(model, name):
        return (model.n_nodes, model.n_nodes)
    return tuple(model.in_size)


def _factor(model, name: str) -> float:
    if _is_weights(model, name):
        return 1.0
    if name in getattr(model, "_cparam_index", {}):
        return model._cparam_meta[model._cparam_index[name]]["factor"]
    return model._meta["parameters"][model._param_index[name]]["factor"]


def _box(value, what: str, shape) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a number or a per-node array, got {value!r}") from None
    if arr.shape not in ((), tuple(shape)):
        per = "per node" if len(shape) == 1 else "per entry"
        raise ValueError(f"{what} must be a number or {per} (shape {tuple(shape)}), got "
                         f"shape {arr.shape}")
    return arr


class SearchSpace:
    """The ordered trainables of a fit and the maps between {name: value} and one flat
    vector (what the derivative-free optimisers see)."""

    def __init__(self, model, trainables: List[Trainable]):
        self.model = model
        self.items = trainables
        self.names = [t.name for t in trainables]
        self.size = sum(t.size for t in trainables)

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)

    def bounds(self, backend: str) -> Tuple[np.ndarray, np.ndarray]:
        """(lower, upper) flat vectors; ValueError naming a parameter without a finite box."""
        lo, hi = [], []
        for t in self.items:
            if t.lower is None or t.upper is None:
                raise ValueError(
                    f"backend {backend!r} needs a finite box for every fitted parameter; "
                    f"{t.name!r} has none: give search_space={{{t.name!r}: (lower, upper)}} "
                    "or bm.Param(value, lower=..., upper=...)")
            lo.append(np.broadcast_to(t.lower, t.shape).ravel())
            hi.append(np.broadcast_to(t.upper, t.shape).ravel())
        return np.concatenate(lo), np.concatenate(hi)

    def flatten(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.concatenate([np.broadcast_to(np.asarray(values[t.name], dtype=float),
                                               t.shape).ravel() for t in self.items])

    def unflatten(self, x) -> Dict[str, np.ndarray]:
        x = np.asarray(x, dtype=float)
        out, i = {}, 0
        for t in self.items:
            v = x[i:i + t.size]
            out[t.name] = float(v[0]) if not t.shape else v.reshape(t.shape).copy()
            i += t.size
        return out

    def initial(self) -> Dict[str, np.ndarray]:
        return {t.name: (float(t.initial) if not t.shape else t.initial.copy())
                for t in self.items}

    # the gradient backend works on unconstrained u: value = transform(u)
    def to_unconstrained(self, values: Mapping) -> Dict[str, np.ndarray]:
        return {t.name: np.asarray(t.transform.inverse(np.broadcast_to(
            np.asarray(values[t.name], dtype=float), t.shape)), dtype=float)
            for t in self.items}

    def to_values(self, u: Mapping) -> Dict[str, np.ndarray]:
        out = {}
        for t in self.items:
            v = np.asarray(t.transform.forward(u[t.name]), dtype=float)
            out[t.name] = float(v) if not t.shape else v
        return out

    def current(self) -> Dict[str, np.ndarray]:
        """The model's current values of the trainables."""
        return {t.name: _value(self.model, t.name, t.shape) for t in self.items}

    def apply(self, values: Mapping, model=None) -> None:
        """Set {name: value} on the model (plain values: the Param marks stay)."""
        (model or self.model).set_params(**{n: values[n] for n in self.names if n in values})

    def describe(self, values: Mapping) -> str:
        """'a=-0.05, coupling.k=0.2' (per-node values shortened)."""
        parts = []
        for t in self.items:
            v = np.asarray(values[t.name], dtype=float)
            if v.ndim == 0:
                parts.append(f"{t.name}={float(v):.6g}")
            else:
                shown = np.array2string(v.ravel()[:4], precision=4, separator=", ")
                parts.append(f"{t.name}={shown[:-1]}{', ...]' if v.size > 4 else ']'}")
        return ", ".join(parts)


def _value(model, name: str, shape) -> np.ndarray:
    v = model.get_param(name)
    mag = getattr(v, "magnitude", getattr(v, "mantissa", v))
    arr = np.asarray(mag, dtype=float)
    if arr.shape not in ((), tuple(shape)):
        arr = arr.reshape(shape) if arr.size == int(np.prod(shape) or 1) else arr
    return arr


def resolve_search_space(model, search_space: Optional[Mapping] = None) -> SearchSpace:
    """The fit's trainables (see the module documentation). ValueError for an unknown name
    (with the valid ones), a bad box, or nothing to fit."""
    marks = trainable(model)
    space = dict(search_space or {})
    if search_space is not None and not isinstance(search_space, Mapping):
        raise TypeError(f"search_space must be a dict {{name: (lower, upper)}}, got "
                        f"{type(search_space).__name__}")
    boxes: Dict[str, tuple] = {}
    for key, box in space.items():
        name = _canonical(model, key)
        if name in boxes:
            raise ValueError(f"search_space names the parameter {name!r} twice")
        if isinstance(box, Param):
            boxes[name] = (box.lower, box.upper, box.transform)
            continue
        if not isinstance(box, (tuple, list)) or len(box) != 2:
            raise ValueError(f"search_space[{key!r}] must be a (lower, upper) pair, got {box!r}")
        lo = _box(box[0], f"search_space[{key!r}] lower", _shape(model, name))
        hi = _box(box[1], f"search_space[{key!r}] upper", _shape(model, name))
        if not np.all(lo < hi):
            raise ValueError(f"search_space[{key!r}]: lower must be below upper, got {box!r}")
        boxes[name] = (lo, hi, None)
    names = list(marks) + [n for n in boxes if n not in marks]
    if not names:
        raise ValueError(f"nothing to fit: mark parameters of {model.name} with "
                         "bm.Param(value, fit=True, lower=..., upper=...) or name them in "
                         f"search_space={{name: (lower, upper)}} (parameters: "
                         f"{', '.join(_param_names(model))})")
    items = []
    bounds = model.param_bounds()
    for name in names:
        cur = np.asarray(_value(model, name, _shape(model, name)), dtype=float)
        mark = marks.get(name)
        if name in boxes:
            lo, hi, tr = boxes[name]
        else:
            lo, hi, tr = mark.lower, mark.upper, mark.transform
        lo = None if lo is None else np.asarray(lo, dtype=float)
        hi = None if hi is None else np.asarray(hi, dtype=float)
        per_node = cur.ndim > 0 or (lo is not None and lo.ndim > 0) or \
            (hi is not None and hi.ndim > 0)
        shape = _shape(model, name) if per_node else ()
        if cur.size == 1 and per_node:
            cur = np.full(shape, float(cur.reshape(())))
        if tr is None:      # a search_space box: a sigmoid onto it (per node if need be)
            if lo.ndim == 0 and hi.ndim == 0:
                tr = SigmoidT(float(lo), float(hi))
            else:
                tr = _ArraySigmoid(np.broadcast_to(lo, shape), np.broadcast_to(hi, shape))
        for what, edge in (("lower", lo), ("upper", hi)):
            if edge is None:
                continue
            try:
                check_bounds(np.broadcast_to(edge, shape) if shape else edge,
                             _factor(model, name), bounds.get(name),
                             f"the search box's {what} edge for {name!r}", model.name,
                             None, None if _is_weights(model, name) else model.in_size)
            except ValueError as e:
                raise ValueError(f"{e} (the box must lie within the declared bounds)") from None
        if (lo is not None and (cur < lo).any()) or (hi is not None and (cur > hi).any()):
            cur = np.clip(cur, lo if lo is not None else -np.inf,
                          hi if hi is not None else np.inf)
        items.append(Trainable(name, shape, lo, hi, tr, cur.reshape(shape) if shape else cur))
    return SearchSpace(model, items)


class _ArraySigmoid(Transform):
    """lower + (upper - lower) * sigmoid(u) with per-node boxes."""

    def __init__(self, lower: np.ndarray, upper: np.ndarray):
        self.lower, self.upper = np.asarray(lower, float), np.asarray(upper, float)

    def forward(self, u):
        return self.lower + (self.upper - self.lower) * logistic(u)

    def inverse(self, value):
        f = np.clip((np.asarray(value, dtype=float) - self.lower) / (self.upper - self.lower),
                    1e-9, 1 - 1e-9)
        return np.log(f) - np.log1p(-f)

    def dvalue_du(self, u):
        s = logistic(u)
        return (self.upper - self.lower) * s * (1.0 - s)

    def __repr__(self):
        return "SigmoidT(per-node box)"
