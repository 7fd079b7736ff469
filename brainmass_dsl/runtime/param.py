"""`Param`: mark a model parameter as trainable (brainmass's `brainstate.nn.Param(v, fit=True)`).

    net = bm.Network(bm.HopfStep(68, a=bm.Param(-0.05, lower=-0.1, upper=0.1)),
                     conn=W, k=bm.Param(0.2, lower=0.0, upper=1.0))
    bm.Fitter(net, predict=sim.prediction(...), objective=..., backend="nevergrad")

A `Param` wraps the initial value (a number, a per-node array or a quantity, as any parameter
value) with what a fit needs: `fit` (False: a constant, as a plain value), the box `lower`,
`upper` (the search box of the derivative-free backends) and the `transform` that maps an
unconstrained number u to the parameter (what the gradient backend optimises):

* `SigmoidT(lo, hi)`: lo + (hi - lo) * sigmoid(u) (the default when both bounds are given);
* `SoftplusT(lo)`: lo + softplus(u) (the default with only `lower`); `SoftplusT(hi, upper=True)`
  for hi - softplus(u) (only `upper`);
* `ExpT(lo)`: lo + exp(u);
* `ClipT(lo, hi)`: clip(u, lo, hi) (brainmass's ClipT: zero gradient outside the box);
* `IdentityT()`: u itself (no bounds).

A transform also gives the box of the derivative-free backends (brainmass: lower + width for
the sigmoid ones, lower/upper for ClipT) when `lower`/`upper` are not given. The model stores
the plain value (the run never sees the wrapper) and remembers the mark: `trainable(model)`.
Setting the parameter later with a plain value keeps the mark (as `Param.set_value`);
`Param(v, fit=False)` removes it.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

__all__ = ["Param", "Transform", "SigmoidT", "SoftplusT", "ExpT", "ClipT", "IdentityT",
           "trainable"]


class Transform:
    """value = forward(u) for an unconstrained u; `inverse(value)`; `dvalue_du(u)`;
    `bounds` = (lower, upper) of the values it reaches (None: unbounded)."""

    lower: Optional[float] = None
    upper: Optional[float] = None

    @property
    def bounds(self):
        return (self.lower, self.upper)

    def forward(self, u):
        raise NotImplementedError

    def inverse(self, value):
        raise NotImplementedError

    def dvalue_du(self, u):
        raise NotImplementedError

    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self):
        return hash((type(self).__name__, tuple(sorted(self.__dict__.items()))))


def logistic(u):
    """1 / (1 + exp(-u)), elementwise, without overflow."""
    u = np.asarray(u, dtype=float)
    return np.where(u >= 0, 1.0 / (1.0 + np.exp(-np.abs(u))),
                    np.exp(-np.abs(u)) / (1.0 + np.exp(-np.abs(u))))


class IdentityT(Transform):
    """value = u."""

    def forward(self, u):
        return np.asarray(u, dtype=float)

    def inverse(self, value):
        return np.asarray(value, dtype=float)

    def dvalue_du(self, u):
        return np.ones_like(np.asarray(u, dtype=float))

    def __repr__(self):
        return "IdentityT()"


class SigmoidT(Transform):
    """value = lower + (upper - lower) * sigmoid(u): always strictly inside (lower, upper).

    >>> t = SigmoidT(0.0, 2.0); float(t.forward(0.0)), round(float(t.inverse(1.5)), 12)
    (1.0, 1.098612288668)
    """

    def __init__(self, lower: float, upper: float):
        lower, upper = float(lower), float(upper)
        if not (math.isfinite(lower) and math.isfinite(upper) and lower < upper):
            raise ValueError(f"SigmoidT needs finite lower < upper, got ({lower}, {upper})")
        self.lower, self.upper = lower, upper

    def forward(self, u):
        return self.lower + (self.upper - self.lower) * logistic(u)

    def inverse(self, value):
        w = self.upper - self.lower
        # a value on (or beyond) a bound maps just inside it: u stays finite
        f = np.clip((np.asarray(value, dtype=float) - self.lower) / w, 1e-9, 1 - 1e-9)
        return np.log(f) - np.log1p(-f)

    def dvalue_du(self, u):
        s = logistic(u)
        return (self.upper - self.lower) * s * (1.0 - s)

    def __repr__(self):
        return f"SigmoidT({self.lower!r}, {self.upper!r})"


class SoftplusT(Transform):
    """value = bound + softplus(u) (or bound - softplus(u) with `upper=True`)."""

    def __init__(self, bound: float = 0.0, upper: bool = False):
        bound = float(bound)
        if not math.isfinite(bound):
            raise ValueError(f"SoftplusT needs a finite bound, got {bound}")
        self.sign = -1.0 if upper else 1.0
        self.bound = bound
        self.lower, self.upper = (None, bound) if upper else (bound, None)

    def forward(self, u):
        u = np.asarray(u, dtype=float)
        return self.bound + self.sign * (np.maximum(u, 0) + np.log1p(np.exp(-np.abs(u))))

    def inverse(self, value):
        d = np.maximum(self.sign * (np.asarray(value, dtype=float) - self.bound), 1e-12)
        return np.where(d > 30, d, np.log(np.expm1(np.minimum(d, 30))))

    def dvalue_du(self, u):
        return self.sign * logistic(u)

    def __repr__(self):
        return f"SoftplusT({self.bound!r}{', upper=True' if self.sign < 0 else ''})"


class ExpT(Transform):
    """value = lower + exp(u)."""

    def __init__(self, lower: float = 0.0):
        self.lower = float(lower)

    def forward(self, u):
        return self.lower + np.exp(np.asarray(u, dtype=float))

    def inverse(self, value):
        return np.log(np.maximum(np.asarray(value, dtype=float) - self.lower, 1e-300))

    def dvalue_du(self, u):
        return np.exp(np.asarray(u, dtype=float))

    def __repr__(self):
        return f"ExpT({self.lower!r})"


class ClipT(Transform):
    """value = clip(u, lower, upper) (gradient zero outside the box, as brainmass's ClipT)."""

    def __init__(self, lower: float, upper: float):
        lower, upper = float(lower), float(upper)
        if not lower < upper:
            raise ValueError(f"ClipT needs lower < upper, got ({lower}, {upper})")
        self.lower, self.upper = lower, upper

    def forward(self, u):
        return np.clip(np.asarray(u, dtype=float), self.lower, self.upper)

    def inverse(self, value):
        return np.clip(np.asarray(value, dtype=float), self.lower, self.upper)

    def dvalue_du(self, u):
        u = np.asarray(u, dtype=float)
        return ((u >= self.lower) & (u <= self.upper)).astype(float)

    def __repr__(self):
        return f"ClipT({self.lower!r}, {self.upper!r})"


_NAMED = {"sigmoid": SigmoidT, "softplus": SoftplusT, "exp": ExpT, "clip": ClipT,
          "identity": IdentityT}


def _make_transform(transform, lower, upper) -> Transform:
    if isinstance(transform, Transform):
        return transform
    if transform is None:
        if lower is not None and upper is not None:
            return SigmoidT(lower, upper)
        if lower is not None:
            return SoftplusT(lower)
        if upper is not None:
            return SoftplusT(upper, upper=True)
        return IdentityT()
    if isinstance(transform, str) and transform in _NAMED:
        if transform in ("sigmoid", "clip"):
            if lower is None or upper is None:
                raise ValueError(f"transform={transform!r} needs lower= and upper=")
            return _NAMED[transform](lower, upper)
        if transform == "softplus":
            if lower is None and upper is not None:
                return SoftplusT(upper, upper=True)
            return SoftplusT(0.0 if lower is None else lower)
        if transform == "exp":
            return ExpT(0.0 if lower is None else lower)
        return IdentityT()
    raise TypeError(f"transform must be one of {', '.join(map(repr, _NAMED))} or a Transform "
                    f"(SigmoidT(lo, hi), SoftplusT(lo), ExpT(lo), ClipT(lo, hi), IdentityT()), "
                    f"got {transform!r}")


class Param:
    """A parameter value marked for fitting (see the module documentation).

    `Param(value, fit=True, lower=None, upper=None, transform=None)`; `t=` is brainmass's
    name for `transform`. `value()` gives the value (as brainstate's Param).

    >>> p = Param(0.2, lower=0.0, upper=1.0); p.transform, p.bounds
    (SigmoidT(0.0, 1.0), (0.0, 1.0))
    """

    def __init__(self, value, fit: bool = True, lower=None, upper=None, transform=None, *,
                 t=None):
        if isinstance(value, Param):
            value = value.initial
        if t is not None:
            if transform is not None:
                raise TypeError("Param: give transform= or its brainmass name t=, not both")
            transform = t
        self.initial = value
        self.fit = bool(fit)
        lo = None if lower is None else float(lower)
        hi = None if upper is None else float(upper)
        if lo is not None and hi is not None and not lo < hi:
            raise ValueError(f"Param: lower={lo} must be below upper={hi}")
        self.transform = _make_transform(transform, lo, hi)
        tl, th = self.transform.bounds
        self.lower = lo if lo is not None else tl
        self.upper = hi if hi is not None else th
        mag = getattr(value, "magnitude", getattr(value, "mantissa", value))
        try:
            arr = np.asarray(mag, dtype=float)
        except (TypeError, ValueError):
            arr = None
        if arr is not None and ((self.lower is not None and (arr < self.lower).any()) or
                                (self.upper is not None and (arr > self.upper).any())):
            raise ValueError(f"Param: the initial value {value!r} is outside its box "
                             f"[{self.lower}, {self.upper}]")

    @property
    def bounds(self):
        return (self.lower, self.upper)

    def value(self):
        return self.initial

    def __repr__(self):
        extra = "" if self.fit else ", fit=False"
        box = "" if self.bounds == (None, None) else f", lower={self.lower}, upper={self.upper}"
        return f"Param({self.initial!r}{extra}{box}, transform={self.transform!r})"


def note_param(owner, key: str, value):
    """The plain value of `value` (a Param's initial value); remembers a Param's mark on
    `owner` under `key` (`fit=False` removes it). Used by the models' `set_params`."""
    if not isinstance(value, Param):
        return value
    marks = owner.__dict__.setdefault("_trainable", {})
    if value.fit:
        marks[key] = value
    else:
        marks.pop(key, None)
    return value.initial


def trainable(model) -> dict:
    """{parameter name: Param} of every parameter of `model` marked with `Param(fit=True)`
    (a Network's node parameters by name, its coupling parameters as "coupling.k", noise
    parameters with their prefix)."""
    out = {}
    node = model.__dict__.get("node")
    if node is not None:
        out.update(node.__dict__.get("_trainable", {}))
    out.update(model.__dict__.get("_trainable", {}))
    return out
