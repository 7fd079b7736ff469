"""Functional connectivity dynamics (FCD) objectives: `fcd`, `fcd_distribution`, `ks_distance`,
`wasserstein_1d`, `fcd_ks`, `fcd_wasserstein`.

FCD of a series X (time, regions), as braintools' functional_connectivity_dynamics: windows of
`window_size` samples starting at 0, step_size, ... <= T - window_size; each window's FC
(see `fc`) gives the vector v_w of its upper triangle (k=1); c_w = v_w - mean(v_w),
y_w = c_w / |c_w| (|c_w| = 0 is read as 1); FCD = Y Y^T with a unit diagonal (window x window,
dimensionless). `fcd_distribution` is the Gaussian KDE (scipy's `gaussian_kde`, Scott's
bandwidth by default) of the FCD's upper-triangle values (k=n_diag) on a grid of midpoints,
renormalised so that sum(density) * dx = 1 with dx = midpoints[1] - midpoints[0].

Gradients (closed form, see docs/fitting.md): through the KDE (its bandwidth's dependence on
the values' variance included for None/'scott'/'silverman'; a number is a fixed factor), the
FCD Gram matrix, the centring and normalisation of each window's FC vector, each window's FC
and the overlapping windows (summed). `ks_distance`'s max gives a subgradient (the CDF
difference at the first argmax); |.| at 0 in `wasserstein_1d` gives 0.
"""
from __future__ import annotations

import numbers

import numpy as np

from .core import Objective, as_batches, chunks
from .fc import fc_backward, fc_from_z, pearson, zscore

_DEFAULT_MIDPOINTS = np.linspace(-0.99, 0.99, 100)


def _positive_int(x, what: str, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{name}: {what} must be an integer, got {x!r}")
    return int(x)


def _check_windows(window_size, step_size, name):
    ws = _positive_int(window_size, "window_size", name)
    st = _positive_int(step_size, "step_size", name)
    if ws <= 1:
        raise ValueError(f"{name}: window_size must be > 1, got {ws}")
    if st <= 0:
        raise ValueError(f"{name}: step_size must be > 0, got {st}")
    return ws, st


def _starts(T: int, ws: int, st: int, what: str, name: str) -> np.ndarray:
    if T < ws:
        raise ValueError(f"{name}: window_size {ws} is larger than the {what}'s {T} time points")
    return np.arange(0, T - ws + 1, st)


def _fcd_forward(X, ws, st, what, name, keep=False):
    """FCD (B, W, W) of X (B, T, N), and what the backward pass needs."""
    B, T, N = X.shape
    starts = _starts(T, ws, st, what, name)
    W = len(starts)
    iu = np.triu_indices(N, k=1)
    idx = starts[:, None] + np.arange(ws)
    F = np.empty((B, W, W))
    caches = []
    for sl in chunks(B, W * (2 * ws * N + 2 * N * N)):
        Z, s, ok = zscore(X[sl][:, idx, :])           # (b, W, ws, N)
        v = fc_from_z(Z)[..., iu[0], iu[1]]           # (b, W, E)
        c = v - v.mean(axis=-1, keepdims=True)
        n = np.sqrt(np.einsum("bwe,bwe->bw", c, c))
        nz = n > 0
        Y = c / np.where(nz, n, 1.0)[..., None]
        Fb = Y @ np.swapaxes(Y, 1, 2)
        Fb[:, np.arange(W), np.arange(W)] = 1.0
        F[sl] = Fb
        if keep:
            caches.append((sl, Z, s, ok, np.where(nz, n, 1.0), nz, Y))
    return F, (starts, iu, caches, (T, N))


def _fcd_backward(cache, GF, ws):
    """dL/dX (B, T, N) from dL/dFCD = GF (B, W, W) (diagonal ignored)."""
    starts, iu, caches, (T, N) = cache
    W = len(starts)
    GF = GF.copy()
    GF[:, np.arange(W), np.arange(W)] = 0.0
    dX = np.zeros((GF.shape[0], T, N))
    for sl, Z, s, ok, n, nz, Y in caches:
        G = GF[sl]
        H = (G + np.swapaxes(G, 1, 2)) @ Y
        dc = (H - Y * np.einsum("bwe,bwe->bw", Y, H)[..., None]) / n[..., None]
        dc = np.where(nz[..., None], dc, 0.0)       # |c_w| = 0: subgradient 0
        dv = dc - dc.mean(axis=-1, keepdims=True)
        GR = np.zeros(dv.shape[:2] + (N, N))
        GR[..., iu[0], iu[1]] = dv
        dXw = fc_backward(Z, s, ok, GR)              # (b, W, ws, N)
        for k in range(ws):
            dX[sl, starts + k, :] += dXw[:, :, k, :]
    return dX


# ------------------------------------------------------------------------------------- fcd
class FcdObjective(Objective):
    """`fcd(...)`: with a target, the (1 -) correlation of the two FCD matrices' upper
    triangles; without one, the prediction's FCD matrix."""

    def __init__(self, window_size, step_size, as_loss):
        self.window_size, self.step_size = _check_windows(window_size, step_size, "fcd")
        self.as_loss = bool(as_loss)
        name = f"fcd(window_size={self.window_size}, step_size={self.step_size}, " \
               f"as_loss={self.as_loss})"
        super().__init__(name, self._evaluate_pair, same_time=False, min_regions=2)

    def __call__(self, prediction, target=None):
        if target is None:
            P, _, batched = as_batches(prediction, None, self.name, min_regions=2)
            F, _ = _fcd_forward(P, self.window_size, self.step_size, "prediction", self.name)
            return F if batched else F[0]
        return super().__call__(prediction, target)

    def _evaluate_pair(self, P, Q, want_grad):
        ws, st = self.window_size, self.step_size
        Fp, cache = _fcd_forward(P, ws, st, "prediction", self.name, keep=want_grad)
        Ft, _ = _fcd_forward(Q, ws, st, "target", self.name)
        W = Fp.shape[1]
        if Ft.shape[1] != W:
            raise ValueError(f"{self.name}: prediction gives {W} windows but target "
                             f"{Ft.shape[1]}: their FCD matrices cannot be compared (give "
                             "series of the same length)")
        if W < 3:
            raise ValueError(f"{self.name}: {W} windows give fewer than 2 FCD pairs to "
                             "correlate; use a longer series or a smaller step_size")
        iu = np.triu_indices(W, k=1)
        r, dr = pearson(Fp[:, iu[0], iu[1]], np.broadcast_to(Ft, Fp.shape)[:, iu[0], iu[1]],
                        want_grad)
        values = 1.0 - r if self.as_loss else r
        if not want_grad:
            return values, None
        GF = np.zeros_like(Fp)
        GF[:, iu[0], iu[1]] = -dr if self.as_loss else dr
        return values, _fcd_backward(cache, GF, ws)


def fcd(window_size: int = 30, step_size: int = 5, as_loss: bool = False) -> FcdObjective:
    """FCD objective: `fn(prediction)` -> the FCD matrix (windows x windows; batched:
    (batch, W, W)); `fn(prediction, target)` -> Pearson correlation of the upper triangles
    (k=1) of the two FCD matrices (1 - corr with `as_loss`); `fn.grad(prediction, target)`.
    window_size and step_size are in samples; the series must give the same number of
    windows (>= 3).

    >>> x = np.random.default_rng(0).standard_normal((500, 8))
    >>> fcd()(x).shape
    (95, 95)
    """
    return FcdObjective(window_size, step_size, as_loss)


# -------------------------------------------------------------------- the KDE of FCD values
def _midpoints(midpoints, name):
    x = _DEFAULT_MIDPOINTS if midpoints is None else np.asarray(midpoints, dtype=np.float64)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"{name}: midpoints must be a 1-D grid of at least 2 points, got shape "
                         f"{x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name}: midpoints must be finite")
    return x


def _bw_factor(bw_method, K: int, name: str) -> float:
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


def _values(F, n_diag, name):
    if isinstance(n_diag, bool) or not isinstance(n_diag, numbers.Integral):
        raise TypeError(f"{name}: n_diag must be an integer, got {n_diag!r}")
    iu = np.triu_indices(F.shape[-1], k=int(n_diag))
    if len(iu[0]) < 2:
        raise ValueError(f"{name}: the {F.shape[-1]} x {F.shape[-1]} FCD matrix has "
                         f"{len(iu[0])} values above diagonal {n_diag}; the KDE needs at least "
                         "2 (use a longer series or a smaller step_size)")
    return iu, F[..., iu[0], iu[1]]


def _kde(vals, x, factor, normalize, want_grad):
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

    >>> f = fcd()(np.random.default_rng(0).standard_normal((200, 6)))
    >>> d = fcd_distribution(f)
    >>> d.shape, round(float(d.sum() * (1.98 / 99)), 12)
    ((100,), 1.0)
    """
    name = "fcd_distribution"
    F = np.asarray(fcd_matrix, dtype=np.float64)
    if F.ndim not in (2, 3) or F.shape[-1] != F.shape[-2]:
        raise ValueError(f"{name}: fcd_matrix must be square (W, W) or (batch, W, W), got shape "
                         f"{F.shape}")
    x = _midpoints(midpoints, name)
    _, vals = _values(F, n_diag, name)
    factor = _bw_factor(bw_method, vals.shape[-1], name)
    with np.errstate(divide="ignore", invalid="ignore"):
        d, _ = _kde(vals.reshape(-1, vals.shape[-1]), x, factor, bool(normalize), False)
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


def _ks(p, q, want_grad=False):
    C, P = _cdf(p)
    D = P - _cdf(q)[1]
    m = np.argmax(np.abs(D), axis=-1)
    val = np.take_along_axis(np.abs(D), m[..., None], -1)[..., 0]
    if not want_grad:
        return val, None
    gP = np.zeros_like(P)
    np.put_along_axis(gP, m[..., None], np.take_along_axis(np.sign(D), m[..., None], -1), -1)
    return val, _cdf_backward(C, gP)


def _w1(p, q, dx, want_grad=False):
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
    v = _ks(p, q)[0]
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
    v = _w1(p, q, x[1] - x[0])[0]
    return float(v) if v.ndim == 0 else v


class FcdDistributionObjective(Objective):
    """`fcd_ks` / `fcd_wasserstein`: a distance between the FCD value densities of prediction
    and target."""

    def __init__(self, kind, window_size, step_size, midpoints, bw_method, n_diag):
        name = f"fcd_{kind}"
        self.window_size, self.step_size = _check_windows(window_size, step_size, name)
        self.midpoints = _midpoints(midpoints, name)
        if isinstance(n_diag, bool) or not isinstance(n_diag, numbers.Integral):
            raise TypeError(f"{name}: n_diag must be an integer, got {n_diag!r}")
        self.n_diag = int(n_diag)
        _bw_factor(bw_method, 2, name)  # refuse a bad bw_method now
        self.bw_method, self.kind = bw_method, kind
        super().__init__(f"{name}(window_size={self.window_size}, step_size={self.step_size})",
                         self._evaluate_pair, same_time=False, min_regions=2)

    def _density(self, X, what, keep):
        F, cache = _fcd_forward(X, self.window_size, self.step_size, what, self.name, keep)
        iu, vals = _values(F, self.n_diag, self.name)
        factor = _bw_factor(self.bw_method, vals.shape[-1], self.name)
        d, back = _kde(vals, self.midpoints, factor, True, keep)
        return d, (cache, iu, back, F.shape)

    def _evaluate_pair(self, P, Q, want_grad):
        dp, (cache, iu, back, shape) = self._density(P, "prediction", want_grad)
        dq, _ = self._density(Q, "target", False)
        dq = np.broadcast_to(dq, dp.shape)
        if self.kind == "ks":
            values, gd = _ks(dp, dq, want_grad)
        else:
            values, gd = _w1(dp, dq, self.midpoints[1] - self.midpoints[0], want_grad)
        if not want_grad:
            return values, None
        GF = np.zeros(shape)
        GF[:, iu[0], iu[1]] = back(gd)
        return values, _fcd_backward(cache, GF, self.window_size)


def fcd_ks(window_size: int = 30, step_size: int = 5, midpoints=None, bw_method=None,
           n_diag: int = 1) -> FcdDistributionObjective:
    """KS distance between the FCD value densities (`fcd_distribution`) of prediction and
    target; the series may differ in length. Non-smooth: `.grad` is a subgradient."""
    return FcdDistributionObjective("ks", window_size, step_size, midpoints, bw_method, n_diag)


def fcd_wasserstein(window_size: int = 30, step_size: int = 5, midpoints=None, bw_method=None,
                    n_diag: int = 1) -> FcdDistributionObjective:
    """Wasserstein-1 distance between the FCD value densities (`fcd_distribution`) of
    prediction and target; the series may differ in length.

    >>> x = np.random.default_rng(0).standard_normal((200, 6))
    >>> fcd_wasserstein()(x, x)
    0.0
    """
    return FcdDistributionObjective("wasserstein", window_size, step_size, midpoints,
                                    bw_method, n_diag)
