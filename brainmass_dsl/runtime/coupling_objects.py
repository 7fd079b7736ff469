"""brainmass's coupling classes and functional couplings, on top of the coupling blocks.

    c = bm.DiffusiveCoupling("x", conn=W, k=0.2)      # brainmass: DiffusiveCoupling(x, y, conn, k)
    net = bm.Network(bm.HopfStep(8), coupling=c)       # the same as coupling="diffusive", k=0.2
    net.coupling.k.value()                             # 0.2, as brainmass's Param
    bm.diffusive_coupling(x_delayed, y, W, k=0.2)      # the closed form on arrays

A coupling object names a coupling block of `models/coupling/couplings.nmm` and carries its
parameter values, the connectivity (`conn`) and the coupled variable (`x`: a state name or an
expression of the node's states, where brainmass takes a prefetched state). A `Network` given
one runs that block; `Network.coupling` is the object of its main term, bound to the network
(reading and setting `net.coupling.k` reads and sets the network's "coupling.k").

The functional forms (`diffusive_coupling`, ...) evaluate brainmass's closed forms with NumPy
on per-connection values `x[..., i, j]` = x_j(t - d_ij) (or flattened `(..., N_out * N_in)`),
with brainmass's argument names, order and defaults (catalogue section 3).
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from .connectivity import laplacian_connectivity
from .model import ParamView
from .values import magnitude_in

__all__ = ["CouplingObject", "DiffusiveCoupling", "AdditiveCoupling", "SigmoidalCoupling",
           "HyperbolicTangentCoupling", "SigmoidalJansenRitCoupling", "LaplacianConnParam",
           "diffusive_coupling", "additive_coupling", "sigmoidal_coupling",
           "hyperbolic_tangent_coupling", "sigmoidal_jansen_rit_coupling", "coupling_object"]


class CouplingObject:
    """A coupling block with parameter values, connectivity and coupled variable.

    Subclasses set `block` (the coupling block's name) and `defaults` (brainmass's defaults,
    in its argument order). Parameters read as `obj.k.value()` (brainmass's Param API).
    """

    block: str = ""
    defaults: Dict[str, float] = {}

    def __init__(self, x: Optional[str] = None, conn=None, **params):
        if x is not None and not isinstance(x, str):
            raise TypeError(f"{type(self).__name__}: x must be the coupled variable's name (a "
                            f"state of the node, or an expression of its states), got "
                            f"{type(x).__name__}; brainmass's prefetched states become names "
                            "here, e.g. x='rE'")
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s) "
                            f"{', '.join(unknown)} (parameters: {', '.join(self.defaults)})")
        self.x = x
        self.conn = conn
        self._values: Dict[str, Any] = dict(self.defaults)
        self._values.update(params)
        self._network = None
        self._term = "coupling"

    # ------------------------------------------------------------ parameters
    @property
    def params(self) -> Dict[str, Any]:
        """The parameter values (brainmass's defaults unless given)."""
        if self._network is not None:
            return {k: self.get_param(k) for k in self.defaults}
        return dict(self._values)

    def get_param(self, name: str):
        if name not in self.defaults:
            raise TypeError(f"{type(self).__name__} has no parameter {name!r} "
                            f"(parameters: {', '.join(self.defaults)})")
        if self._network is not None:
            return self._network.get_param(f"{self._term}.{name}")
        return self._values[name]

    def set_params(self, **values) -> None:
        for name, v in values.items():
            self.get_param(name)
            if self._network is not None:
                self._network.set_params(**{f"{self._term}.{name}": v})
            else:
                self._values[name] = v

    def __getattr__(self, name: str):
        if name.startswith("_") or name not in type(self).defaults:
            raise AttributeError(name)
        return ParamView(self, name)

    def __setattr__(self, name: str, value) -> None:
        if name in type(self).defaults and "_values" in self.__dict__:
            self.set_params(**{name: value})
        else:
            object.__setattr__(self, name, value)

    def bound(self, network, term: str = "coupling") -> "CouplingObject":
        """A copy that reads and writes the parameters of `network`'s term `term`."""
        obj = type(self).__new__(type(self))
        obj.__dict__.update(self.__dict__)
        obj._network, obj._term = network, term
        return obj

    # ------------------------------------------------------------ evaluation
    def __call__(self, delayed_x, y=None):
        """The coupling current of per-connection values `delayed_x` (..., N_out, N_in)."""
        if self.conn is None:
            raise ValueError(f"{type(self).__name__} has no conn= to evaluate with")
        return self._evaluate(delayed_x, y)

    def _evaluate(self, delayed_x, y):
        raise NotImplementedError

    def __repr__(self):
        vals = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        where = f", x={self.x!r}" if self.x else ""
        return f"{type(self).__name__}({vals}{where})"


class DiffusiveCoupling(CouplingObject):
    """c_i = k * sum_j conn_ij (x_j(t - d_ij) - y_i) (brainmass `DiffusiveCoupling(x, y, conn, k)`).

    `y` is the receiving node's own value; in a network it is the same coupled variable as
    `x` (without delay), so `y` may be omitted or must name the same variable.
    """

    block = "DiffusiveCoupling"
    defaults = {"k": 1.0}

    def __init__(self, x: Optional[str] = None, y: Optional[str] = None, conn=None, k=1.0):
        if y is not None and not isinstance(y, str):
            raise TypeError(f"DiffusiveCoupling: y must be the coupled variable's name, got "
                            f"{type(y).__name__}")
        if y is not None and x is not None and y != x:
            raise ValueError(f"DiffusiveCoupling: y={y!r} differs from x={x!r}; a network "
                             "couples one variable (x_j - x_i)")
        super().__init__(x if x is not None else y, conn, k=k)

    def _evaluate(self, delayed_x, y):
        if y is None:
            raise TypeError("DiffusiveCoupling(...)(delayed_x, y): y (the receiving values) "
                            "is required")
        return diffusive_coupling(delayed_x, y, self.conn, self.get_param("k"))


class AdditiveCoupling(CouplingObject):
    """c_i = k * sum_j conn_ij x_j(t - d_ij) + b (brainmass `AdditiveCoupling(x, conn, k, b)`)."""

    block = "AdditiveCoupling"
    defaults = {"k": 1.0, "b": 0.0}

    def __init__(self, x: Optional[str] = None, conn=None, k=1.0, b=0.0):
        super().__init__(x, conn, k=k, b=b)

    def _evaluate(self, delayed_x, y):
        return additive_coupling(delayed_x, self.conn, self.get_param("k"), self.get_param("b"))


class SigmoidalCoupling(CouplingObject):
    """c_i = k / (1 + exp(-slope (a sum_j conn_ij x_j + b - midpoint))) (brainmass)."""

    block = "SigmoidalCoupling"
    defaults = {"k": 1.0, "a": 1.0, "b": 0.0, "slope": 1.0, "midpoint": 0.0}

    def __init__(self, x: Optional[str] = None, conn=None, k=1.0, a=1.0, b=0.0, slope=1.0,
                 midpoint=0.0):
        super().__init__(x, conn, k=k, a=a, b=b, slope=slope, midpoint=midpoint)

    def _evaluate(self, delayed_x, y):
        return sigmoidal_coupling(delayed_x, self.conn, **self.params)


class HyperbolicTangentCoupling(CouplingObject):
    """c_i = k tanh(scale sum_j conn_ij x_j) (brainmass `HyperbolicTangentCoupling`)."""

    block = "HyperbolicTangentCoupling"
    defaults = {"k": 0.5, "scale": 2.0}

    def __init__(self, x: Optional[str] = None, conn=None, k=0.5, scale=2.0):
        super().__init__(x, conn, k=k, scale=scale)

    def _evaluate(self, delayed_x, y):
        return hyperbolic_tangent_coupling(delayed_x, self.conn, **self.params)


class SigmoidalJansenRitCoupling(CouplingObject):
    """c_i = k sum_j conn_ij (cmin + (cmax - cmin) / (1 + exp(r (midpoint - x_j)))) (brainmass;
    TVB's SigmoidalJansenRit). x in mV, the result a rate in 1/ms (cmax 0.005 = 5 Hz)."""

    block = "SigmoidalJansenRitCoupling"
    defaults = {"k": 1.0, "cmin": 0.0, "cmax": 0.005, "midpoint": 6.0, "r": 0.56}

    def __init__(self, x: Optional[str] = None, conn=None, k=1.0, cmin=0.0, cmax=0.005,
                 midpoint=6.0, r=0.56):
        super().__init__(x, conn, k=k, cmin=cmin, cmax=cmax, midpoint=midpoint, r=r)

    def _evaluate(self, delayed_x, y):
        return sigmoidal_jansen_rit_coupling(delayed_x, self.conn, **self.params)


class _GenericCoupling(CouplingObject):
    """`Network.coupling` for a coupling block without a brainmass class (e.g. KuramotoCoupling
    or a user's own): its parameters, bound to the network."""

    def _evaluate(self, delayed_x, y):
        raise TypeError(f"{self.block} has no closed form here; run it in a Network")


_CLASSES = {c.block: c for c in (DiffusiveCoupling, AdditiveCoupling, SigmoidalCoupling,
                                 HyperbolicTangentCoupling, SigmoidalJansenRitCoupling)}


def coupling_object(network, term: str, block_name: str, param_names, coupled: str):
    """The coupling object of `network`'s term `term` (block `block_name`), bound to it."""
    cls = _CLASSES.get(block_name)
    if cls is None:
        cls = type(block_name, (_GenericCoupling,), {
            "block": block_name, "defaults": {p: None for p in param_names},
            "__module__": __name__})
    obj = cls.__new__(cls)
    object.__setattr__(obj, "_values", {})
    object.__setattr__(obj, "x", coupled)
    object.__setattr__(obj, "conn", None)
    object.__setattr__(obj, "_network", None)
    object.__setattr__(obj, "_term", term)
    return obj.bound(network, term)


# ---------------------------------------------------------------- LaplacianConnParam
class LaplacianConnParam:
    """brainmass's `LaplacianConnParam(W, t, reg, mask, fit, normalize, eps, return_diag)`: the
    graph Laplacian of `W` (times `mask`) as a connectivity; `value()` gives it.

    Passed as `Network(conn=...)` it is used as it is (with `coupling="additive"` or
    `"laplacian"`): its diagonal acts without delay. brainmass starts from the Laplacian of
    `exp(W) * W` (its parameter is initialised to W and exponentiated, against its own
    docstring); here it is the Laplacian of W. It is not trainable here (`t`, `reg` and
    `fit` are accepted and ignored; use `bm.Param` on a coupling's `k` to fit).
    """

    def __init__(self, W, t=None, reg=None, mask=None, fit: bool = True, normalize=None,
                 eps: float = 1e-12, return_diag: bool = False):
        w = magnitude_in(W, None, "W")
        if mask is not None:
            m = magnitude_in(mask, None, "mask")
            if m.shape != w.shape:
                raise ValueError(f"mask must have W's shape {w.shape}, got {m.shape}")
            w = w * m
        self.W = np.array(w, dtype=float)
        self.mask = mask
        self.normalize, self.eps, self.return_diag = normalize, eps, return_diag
        self.t, self.reg, self.fit = t, reg, fit
        laplacian_connectivity(self.W, normalize=normalize, eps=eps)   # validates

    def value(self):
        """The Laplacian (and the row sums when `return_diag`), as brainmass's `value()`."""
        return laplacian_connectivity(self.W, normalize=self.normalize, eps=self.eps,
                                      return_diag=self.return_diag)

    def matrix(self) -> np.ndarray:
        """The Laplacian alone."""
        return laplacian_connectivity(self.W, normalize=self.normalize, eps=self.eps)

    def __repr__(self):
        return f"LaplacianConnParam(N={self.W.shape[0]}, normalize={self.normalize!r})"


# ---------------------------------------------------------------- functional forms
def _values(x, name: str = "delayed_x") -> np.ndarray:
    if callable(x) and not hasattr(x, "magnitude") and not isinstance(x, np.ndarray):
        x = x()
    return np.asarray(magnitude_in(x, None, name), dtype=float)


def _conn2d(conn, square: bool, n_out: Optional[int] = None) -> np.ndarray:
    c = np.asarray(magnitude_in(conn, None, "conn"), dtype=float)
    if c.ndim == 2:
        return c
    if c.ndim != 1:
        raise ValueError(f"conn must be (N_out, N_in) or flattened (N_out * N_in,), got shape "
                         f"{c.shape}")
    if n_out is not None:
        if c.size % n_out:
            raise ValueError(f"flattened conn of size {c.size} does not split into {n_out} "
                             "rows (y's last axis)")
        return c.reshape(n_out, c.size // n_out)
    n = int(round(np.sqrt(c.size)))
    if not square or n * n != c.size:
        raise ValueError(f"a flattened conn must have a perfect-square size (N * N), got "
                         f"{c.size}")
    return c.reshape(n, n)


def _edges(x: np.ndarray, conn: np.ndarray) -> np.ndarray:
    """x as (..., N_out, N_in), from that shape or flattened (..., N_out * N_in)."""
    n_out, n_in = conn.shape
    if x.ndim >= 2 and x.shape[-2:] == (n_out, n_in):
        return x
    if x.ndim >= 1 and x.shape[-1] == n_out * n_in:
        return x.reshape(x.shape[:-1] + (n_out, n_in))
    raise ValueError(f"delayed_x must be (..., {n_out}, {n_in}) or flattened "
                     f"(..., {n_out * n_in}) for conn of shape {conn.shape}, got {x.shape}")


def diffusive_coupling(delayed_x, y, conn, k=1.0):
    """c_i = k sum_j conn_ij (x_ij - y_i); y (..., N_out), conn (N_out, N_in) or flattened."""
    yv = _values(y, "y")
    c = _conn2d(conn, square=False, n_out=yv.shape[-1] if yv.ndim else None)
    xv = _edges(_values(delayed_x), c)
    return np.asarray(k) * np.sum(c * (xv - yv[..., :, None]), axis=-1)


def additive_coupling(delayed_x, conn, k=1.0, b=0.0):
    """c_i = k sum_j conn_ij x_ij + b (conn must be 2-D, as brainmass)."""
    c = np.asarray(magnitude_in(conn, None, "conn"), dtype=float)
    if c.ndim != 2:
        raise ValueError(f"additive_coupling needs a 2-D conn (N_out, N_in), got shape {c.shape}")
    xv = _edges(_values(delayed_x), c)
    return np.asarray(k) * np.sum(c * xv, axis=-1) + np.asarray(b)


def sigmoidal_coupling(delayed_x, conn, k=1.0, a=1.0, b=0.0, slope=1.0, midpoint=0.0):
    """c_i = k / (1 + exp(-slope (a sum_j conn_ij x_ij + b - midpoint)))."""
    c = _conn2d(conn, square=True)
    s = np.sum(c * _edges(_values(delayed_x), c), axis=-1)
    return np.asarray(k) / (1.0 + np.exp(-np.asarray(slope) * (np.asarray(a) * s + b - midpoint)))


def hyperbolic_tangent_coupling(delayed_x, conn, k=0.5, scale=2.0):
    """c_i = k tanh(scale sum_j conn_ij x_ij)."""
    c = _conn2d(conn, square=True)
    return np.asarray(k) * np.tanh(np.asarray(scale) * np.sum(c * _edges(_values(delayed_x), c),
                                                              axis=-1))


def sigmoidal_jansen_rit_coupling(delayed_x, conn, k=1.0, cmin=0.0, cmax=0.005, midpoint=6.0,
                                  r=0.56):
    """c_i = k sum_j conn_ij (cmin + (cmax - cmin) / (1 + exp(r (midpoint - x_ij))))."""
    c = _conn2d(conn, square=True)
    xv = _edges(_values(delayed_x), c)
    rate = cmin + (cmax - cmin) / (1.0 + np.exp(np.asarray(r) * (midpoint - xv)))
    return np.asarray(k) * np.sum(c * rate, axis=-1)
