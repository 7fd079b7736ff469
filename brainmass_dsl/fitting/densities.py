"""Densities of FCD values and distances between densities: `fcd_distribution`, `ks_distance`,
`wasserstein_1d`, and their gradients (which `fcd_ks` and `fcd_wasserstein` chain).

`fcd_distribution` is the Gaussian KDE (as `scipy.stats.gaussian_kde`, Scott's bandwidth by
default) of an FCD matrix's values above diagonal `n_diag` on a grid of midpoints (FCD values
are correlations: dimensionless), renormalised so that sum(density) * dx = 1 with
dx = midpoints[1] - midpoints[0]. `ks_distance` (dimensionless) and `wasserstein_1d` (in the
grid's unit) compare two densities on one grid through their normalised cumulative sums.

Gradients: through the KDE, the bandwidth's dependence on the values' variance included for
None/'scott'/'silverman' (a number is a fixed factor); `ks_distance`'s max gives a
subgradient (the CDF difference at the first argmax); |.| at 0 in `wasserstein_1d` gives 0.
"""
from __future__ import annotations

import numbers

import numpy as np

from .core import chunks

DEFAULT_MIDPOINTS = np.linspace(-0.99, 0.99, 100)


def midpoint_grid(midpoints, name):
    """The evaluation grid (default: 100 points on [-0.99, 0.99]), checked."""
    x = DEFAULT_MIDPOINTS if midpoints is None else np.asarray(midpoints, dtype=np.float64)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"{name}: midpoints must be a 1-D grid of at least 2 points, got shape "
                         f"{x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name}: midpoints must be finite")
    return x


def bandwidth_factor(bw_method, K: int, name: str) -> float:
    """scipy's bandwidth factor f for K values (h^2 = f^2 var): Scott, Silverman or a number."""
    if bw_method is None or (isinstance(bw_method, str) and bw_method == "scott"):
        return K ** (-1.0 / 5)
    if isinstance(bw_method, str) and bw_method == "silverman":
        return (K * 3.0 / 4.0) ** (-1.0 / 5)
    if isinstance(bw_method, numbers.Real) and not isinstance(bw_method, bool):
        if not bw_method > 0:
            raise ValueError(f"{name}: bw_method must be > 0, got {bw_method!r}")
        return float(bw_method)
    raise TypeError(f"{name}: bw_method must be None, 'scott', 'silverman' or a number (a "
                    f"fixed bandwidth factor), got {bw_method!r}")


def upper_values(F, n_diag, name):
    """(indices, values) of the FCD matrices F (..., W, W) above diagonal n_diag."""
    if isinstance(n_diag, bool) or not isinstance(n_diag, numbers.Integral):
        raise TypeError(f"{name}: n_diag must be an integer, got {n_diag!r}")
    iu = np.triu_indices(F.shape[-1], k=int(n_diag))
    if len(iu[0]) < 2:
        raise ValueError(f"{name}: the {F.shape[-1]} x {F.shape[-1]} FCD matrix has "
                         f"{len(iu[0])} values above diagonal {n_diag}; the KDE needs at least "
                         "2 (use a longer series or a smaller step_size)")
    return iu, F[..., iu[0], iu[1]]


def kde(vals, x, factor, normalize, want_grad):
    """Density (B, M) of the Gaussian KDE of vals (B, K) on x, and (if want_grad) a function
    mapping dL/d density to dL/d vals. Works in batch chunks ((M, K) arrays per member)."""
    B, K = vals.shape
    M = x.size
    mean = vals.mean(axis=1, keepdims=True)
    h2 = factor ** 2 * np.einsum("bk,bk->b", vals - mean, vals - mean) / (K - 1)   # (B,)

    def kernel(sl):
        a = x[None, :, None] - vals[sl, None, :]                                   # (b, M, K)
        hh = h2[sl, None, None]
        return a, np.exp(-a * a / (2 * hh)) / np.sqrt(2 * np.pi * hh), hh

    d = np.empty((B, M))
    for sl in chunks(B, 3 * M * K):
        d[sl] = kernel(sl)[1].mean(axis=2)
    dx = x[1] - x[0]
    S = d.sum(axis=1)
    out = d / (S * dx)[:, None] if normalize else d

    def backward(g):
        if normalize:
            g = (g / dx - np.einsum("bm,bm->b", g, out)[:, None]) / S[:, None]
        gv = np.empty_like(vals)
        for sl in chunks(B, 4 * M * K):
            a, phi, hh = kernel(sl)
            # direct: d phi_mk / d v_k = phi_mk a_mk / h2
            direct = np.einsum("bm,bmk->bk", g[sl], phi * a) / (K * hh[:, :, 0])
            # through the bandwidth h2 = factor^2 var(v): d phi / d h2 = phi (a^2/h2 - 1)/(2 h2)
            dh2 = np.einsum("bm,bmk->b", g[sl], phi * (a * a / hh - 1)) / (2 * K * hh[:, 0, 0])
            gv[sl] = direct + (dh2 * factor ** 2 * 2 / (K - 1))[:, None] * (vals[sl] - mean[sl])
        return gv

    return out, (backward if want_grad else None)


def fcd_distribution(fcd_matrix, midpoints=None, n_diag: int = 1, bw_method=None,
                     normalize: bool = True) -> np.ndarray:
    """Gaussian KDE of the FCD matrix's upper-triangle values (k=n_diag) on `midpoints`
    (default 100 points on [-0.99, 0.99]); `bw_method`: None/'scott', 'silverman' or a
    number (scipy's meaning); `normalize`: divide by sum * (midpoints[1] - midpoints[0]).
    A matrix (W, W) gives a density (M,); a batch (B, W, W) gives (B, M). A constant set of
    values (a constant series) has zero bandwidth: the density is NaN, as brainmass's.

    >>> y = np.random.default_rng(0).standard_normal((35, 15))
    >>> y = (y - y.mean(1, keepdims=True)) / np.linalg.norm(y - y.mean(1, keepdims=True), axis=1,
    ...                                                    keepdims=True)
    >>> d = fcd_distribution(y @ y.T)              # an FCD-like Gram matrix of unit rows
    >>> d.shape, round(float(d.sum() * (1.98 / 99)), 12)
    ((100,), 1.0)
    """
    name = "fcd_distribution"
    F = np.asarray(fcd_matrix, dtype=np.float64)
    if F.ndim not in (2, 3) or F.shape[-1] != F.shape[-2]:
        raise ValueError(f"{name}: fcd_matrix must be square (W, W) or (batch, W, W), got shape "
                         f"{F.shape}")
    x = midpoint_grid(midpoints, name)
    _, vals = upper_values(F, n_diag, name)
    factor = bandwidth_factor(bw_method, vals.shape[-1], name)
    with np.errstate(divide="ignore", invalid="ignore"):
        d, _ = kde(vals.reshape(-1, vals.shape[-1]), x, factor, bool(normalize), False)
    return d.reshape(F.shape[:-2] + (x.size,))


# ------------------------------------------------------------------- distances of densities
def _cdf(p):
    C = np.cumsum(p, axis=-1)
    return C, C / C[..., -1:]


def _cdf_backward(C, gP):
    """dL/dp from dL/dCDF = gP, with CDF_m = C_m / C_last."""
    CL = C[..., -1:]
    return np.flip(np.cumsum(np.flip(gP, -1), -1), -1) / CL - (
        np.sum(gP * C, axis=-1, keepdims=True) / CL ** 2)


def ks(p, q, want_grad=False):
    """KS distance (...) of densities p, q (..., M) and its subgradient d/dp (or None)."""
    C, P = _cdf(p)
    D = P - _cdf(q)[1]
    m = np.argmax(np.abs(D), axis=-1)
    val = np.take_along_axis(np.abs(D), m[..., None], -1)[..., 0]
    if not want_grad:
        return val, None
    gP = np.zeros_like(P)
    np.put_along_axis(gP, m[..., None], np.take_along_axis(np.sign(D), m[..., None], -1), -1)
    return val, _cdf_backward(C, gP)


def w1(p, q, dx, want_grad=False):
    """Wasserstein-1 distance (...) on a grid of step dx and its gradient d/dp (or None)."""
    C, P = _cdf(p)
    D = P - _cdf(q)[1]
    val = np.abs(D).sum(axis=-1) * dx
    if not want_grad:
        return val, None
    return val, _cdf_backward(C, np.sign(D) * dx)


def _densities(p, q, name):
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if p.ndim < 1 or q.ndim < 1 or p.shape[-1] != q.shape[-1]:
        raise ValueError(f"{name}: p and q must be densities on the same grid (same last axis), "
                         f"got shapes {p.shape} and {q.shape}")
    return p, q


def ks_distance(p, q):
    """Kolmogorov-Smirnov statistic max |cumsum(p)/sum(p) - cumsum(q)/sum(q)| of two densities
    (or histograms) on a shared grid, in [0, 1]; leading axes are batch axes.

    >>> ks_distance([1., 0., 0.], [0., 0., 1.])
    1.0
    """
    p, q = _densities(p, q, "ks_distance")
    v = ks(p, q)[0]
    return float(v) if v.ndim == 0 else v


def wasserstein_1d(p, q, x):
    """Wasserstein-1 distance sum |CDF_p - CDF_q| * (x[1] - x[0]) of two densities (or
    histograms) on the shared uniform grid x, in x's unit; leading axes are batch axes.

    >>> wasserstein_1d([1., 0., 0.], [0., 0., 1.], [0., 0.5, 1.])
    1.0
    """
    p, q = _densities(p, q, "wasserstein_1d")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size != p.shape[-1] or x.size < 2:
        raise ValueError(f"wasserstein_1d: x must be the 1-D grid of p and q ({p.shape[-1]} "
                         f"points), got shape {x.shape}")
    v = w1(p, q, x[1] - x[0])[0]
    return float(v) if v.ndim == 0 else v
