"""Connectivity for the fused network kernel: validation, lags and the edge arrays.

Convention: `conn[i, j]` is the weight of the connection from node j to node i (node i's
input from j), as in brainmass and TVB. Lags are whole steps, round(delay / dt) (TVB's rule),
with delay = distance / speed (mm and m/s = mm/ms) or a delay matrix in ms.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .values import magnitude_in

DENSE_ABOVE = 0.5  # density from which the dense layout (zeros kept) is used by default


def square_matrix(m, name: str, n: int, unit: Optional[str] = None) -> np.ndarray:
    arr = magnitude_in(m, unit, name) if unit else magnitude_in(m, None, name)
    if arr.ndim == 1 and arr.size == n * n:
        arr = arr.reshape(n, n)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square (N, N) matrix, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"{name} is {arr.shape[0]}x{arr.shape[1]} but the node model has "
                         f"{n} nodes (in_size)")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return np.array(arr, dtype=float)


#: Network coupling names that mean additive coupling on the graph Laplacian of conn
LAPLACIAN_COUPLINGS = {"laplacian": None, "laplacian_rw": "rw", "laplacian_sym": "sym"}


def laplacian_connectivity(W, *, normalize: Optional[str] = None, eps: float = 1e-12,
                           return_diag: bool = False):
    """The graph Laplacian of a weight matrix, as brainmass's `laplacian_connectivity`.

    With row sums d_i = sum_j W_ij: `normalize=None` gives L = W - diag(d) (so that
    sum_j L_ij x_j = sum_j W_ij (x_j - x_i), diffusive coupling); 'rw' (random walk) gives
    D^-1 W - I; 'sym' gives D^-1/2 W D^-1/2 - I. Row sums are floored at `eps` before
    dividing. `return_diag=True` returns (L, d).

    >>> W = np.array([[0.0, 2.0], [1.0, 0.0]])
    >>> laplacian_connectivity(W)
    array([[-2.,  2.],
           [ 1., -1.]])
    >>> laplacian_connectivity(W, normalize="rw")
    array([[-1.,  1.],
           [ 1., -1.]])
    """
    if normalize not in (None, "rw", "sym"):
        raise ValueError(f"normalize must be None, 'rw' or 'sym', got {normalize!r}")
    W = magnitude_in(W, None, "W")
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be a square (N, N) matrix, got shape {W.shape}")
    if not np.isfinite(W).all():
        raise ValueError("W contains NaN or infinite values")
    W = np.array(W, dtype=float)
    d = W.sum(axis=1)
    if normalize is None:
        L = W - np.diag(d)
    else:
        safe = np.maximum(d, eps)
        if normalize == "rw":
            L = W / safe[:, None]
        else:
            r = 1.0 / np.sqrt(safe)
            L = r[:, None] * W * r[None, :]
        L -= np.eye(W.shape[0])
    return (L, d) if return_diag else L


def laplacian_vjp(W: np.ndarray, G: np.ndarray, *, normalize: Optional[str] = None,
                  eps: float = 1e-12) -> np.ndarray:
    """d loss / d W from G = d loss / d L (..., N, N), L = laplacian_connectivity(W, ...):
    the chain rule through the row sums (and their floor at `eps`, whose derivative is 0).

    >>> W = np.array([[0.0, 2.0], [1.0, 0.0]])
    >>> laplacian_vjp(W, np.array([[1.0, 0.0], [0.0, 0.0]]))   # d L_00 / d W = -row 0
    array([[ 0., -1.],
           [ 0.,  0.]])
    """
    W = np.asarray(W, dtype=float)
    G = np.asarray(G, dtype=float)
    d = W.sum(axis=1)
    diag = np.diagonal(G, axis1=-2, axis2=-1)                         # (..., N)
    if normalize is None:
        return G - diag[..., :, None]                                 # L = W - diag(d)
    safe = np.maximum(d, eps)
    live = (d > eps).astype(float)
    if normalize == "rw":                                             # L = W / d_i - I
        through_d = (G * W).sum(axis=-1) / safe ** 2 * live
        return G / safe[:, None] - through_d[..., :, None]
    if normalize == "sym":                                            # L = r_i W_ij r_j - I
        r = 1.0 / np.sqrt(safe)
        gw = G * W
        s = (gw * r[None, :]).sum(axis=-1) + (gw * r[:, None]).sum(axis=-2)
        c = -0.5 * r ** 3 * live * s
        return G * (r[:, None] * r[None, :]) + c[..., :, None]
    raise ValueError(f"normalize must be None, 'rw' or 'sym', got {normalize!r}")


def laplacian_jvp(W: np.ndarray, dW: np.ndarray, *, normalize: Optional[str] = None,
                  eps: float = 1e-12) -> np.ndarray:
    """The change of L = laplacian_connectivity(W, ...) for a change dW of W (N, N).

    >>> laplacian_jvp(np.array([[0.0, 2.0], [1.0, 0.0]]), np.array([[0.0, 1.0], [0.0, 0.0]]))
    array([[-1.,  1.],
           [ 0.,  0.]])
    """
    W = np.asarray(W, dtype=float)
    dW = np.asarray(dW, dtype=float)
    d, dd = W.sum(axis=1), dW.sum(axis=1)
    if normalize is None:
        return dW - np.diag(dd)
    safe = np.maximum(d, eps)
    dsafe = dd * (d > eps)
    if normalize == "rw":
        return dW / safe[:, None] - W * (dsafe / safe ** 2)[:, None]
    if normalize == "sym":
        r = 1.0 / np.sqrt(safe)
        dr = -0.5 * r ** 3 * dsafe
        return dW * (r[:, None] * r[None, :]) + W * (dr[:, None] * r[None, :]
                                                     + r[:, None] * dr[None, :])
    raise ValueError(f"normalize must be None, 'rw' or 'sym', got {normalize!r}")


def delays_ms(n: int, distance=None, speed=None, delay=None) -> np.ndarray:
    """Per-edge delays (ms) from a delay matrix or from distance / speed; zeros if neither."""
    if delay is not None:
        if distance is not None:
            raise ValueError("give either delay= (ms) or distance= with speed=, not both")
        d = square_matrix(delay, "delay", n, "ms")
    elif distance is not None:
        if speed is None:
            raise ValueError("distance= needs speed= (m/s, i.e. mm/ms)")
        dist = square_matrix(distance, "distance", n, "mm")
        v = magnitude_in(speed, "mm/ms", "speed")
        if v.ndim != 0 or not v > 0:
            raise ValueError(f"speed must be a positive scalar, got {v}")
        d = dist / float(v)
    else:
        return np.zeros((n, n))
    if (d < 0).any():
        raise ValueError("delays (or distances) must be non-negative")
    return d


@dataclass
class EdgeArrays:
    """CSR-like edge list of one coupling term for the kernel."""

    indptr: np.ndarray   # (N + 1,) int64
    data: np.ndarray     # (E,) float64 weights
    lags: np.ndarray     # (E,) int64 lag in steps
    cols: np.ndarray     # (E,) int64 source node j
    rowsum: np.ndarray   # (N,) float64
    max_lag: int
    dense: bool

    def offsets(self, n: int) -> np.ndarray:
        """Flat history offsets j - lag * N (the kernel adds the current row's start)."""
        return (self.cols - self.lags * n).astype(np.int64)

    def split(self, n: int, block: int):
        """((ptr, w, off) of edges with lag >= block, (ptr, w, off) of the others), each in
        row order; an edge keeps its position among the edges of its row."""
        rows = np.repeat(np.arange(n), np.diff(self.indptr))
        off = self.offsets(n)
        out = []
        for keep in (self.lags >= block, self.lags < block):
            ptr = np.zeros(n + 1, dtype=np.int64)
            np.add.at(ptr, rows[keep] + 1, 1)
            out.append((np.cumsum(ptr), self.data[keep].copy(), off[keep].copy()))
        return out

    def all_short(self, n: int):
        empty = (np.zeros(n + 1, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int64))
        return empty, (self.indptr, self.data, self.offsets(n))


#: how a delay becomes whole steps: "round" (to the nearest step, TVB's rule; the default)
#: or "ceil" (up, brainmass's rule)
DELAY_RULES = ("round", "ceil")


def lag_steps(delay: np.ndarray, dt: float, rule: str = "round") -> np.ndarray:
    """Delays (ms) as whole steps of `dt` by `rule` ("round" or "ceil"; a delay within 1e-9
    steps of a whole number is that number under either rule)."""
    steps = np.asarray(delay, dtype=float) / dt
    if rule == "round":
        return np.rint(steps).astype(np.int64)
    if rule == "ceil":
        near = np.rint(steps)
        return np.where(np.abs(steps - near) <= 1e-9 * np.maximum(1.0, near), near,
                        np.ceil(steps)).astype(np.int64)
    raise ValueError(f"delay_rule must be one of {', '.join(map(repr, DELAY_RULES))}, "
                     f"got {rule!r}")


def edge_arrays(weights: np.ndarray, delay: np.ndarray, dt: float, *, self_connection=False,
                sparse: Optional[bool] = None, rule: str = "round") -> EdgeArrays:
    n = weights.shape[0]
    w = weights.copy()
    if not self_connection:
        np.fill_diagonal(w, 0.0)
    lag = lag_steps(delay, dt, rule)
    density = np.count_nonzero(w) / max(1, n * n)
    if sparse is None:
        sparse = density < DENSE_ABOVE
    keep = w != 0 if sparse else np.ones_like(w, dtype=bool)
    if not self_connection and not sparse:
        np.fill_diagonal(keep, False)
    rows, cols = np.nonzero(keep)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    indptr = np.cumsum(indptr)
    lags = lag[rows, cols]
    return EdgeArrays(indptr, w[rows, cols].astype(float), lags, cols.astype(np.int64),
                      w.sum(axis=1), int(lags.max()) if lags.size else 0, not sparse)
