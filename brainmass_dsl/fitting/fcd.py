"""Functional connectivity dynamics (FCD) objectives: `fcd`, `fcd_ks`, `fcd_wasserstein` (the
FCD value densities and their distances are in `densities`).

FCD of a series X (time, regions), as braintools' functional_connectivity_dynamics: windows of
`window_size` samples starting at 0, step_size, ... <= T - window_size; each window's FC
(see `fc`) gives the vector v_w of its upper triangle (k=1); c_w = v_w - mean(v_w),
y_w = c_w / |c_w| (|c_w| = 0 is read as 1); FCD = Y Y^T with a unit diagonal (window x window,
dimensionless). window_size and step_size are in samples.

Gradients (closed form, see docs/fitting.md): dL/dY = (G + G^T) Y for G = dL/dFCD, then the
normalisation and centring of each window's FC vector, each window's FC (`fc.fc_backward`)
and the overlapping windows (summed); `fcd_ks` / `fcd_wasserstein` first go through the
densities (`densities.kde`). A window whose FC vector is constant gets a zero gradient.
"""
from __future__ import annotations

import numbers

import numpy as np

from .core import Objective, as_batches, chunks
from .densities import bandwidth_factor, kde, ks, midpoint_grid, upper_values, w1
from .fc import fc_backward, fc_from_z, pearson, zscore


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


class FcdDistributionObjective(Objective):
    """`fcd_ks` / `fcd_wasserstein`: a distance between the FCD value densities of prediction
    and target."""

    def __init__(self, kind, window_size, step_size, midpoints, bw_method, n_diag):
        name = f"fcd_{kind}"
        self.window_size, self.step_size = _check_windows(window_size, step_size, name)
        self.midpoints = midpoint_grid(midpoints, name)
        if isinstance(n_diag, bool) or not isinstance(n_diag, numbers.Integral):
            raise TypeError(f"{name}: n_diag must be an integer, got {n_diag!r}")
        self.n_diag = int(n_diag)
        bandwidth_factor(bw_method, 2, name)  # refuse a bad bw_method now
        self.bw_method, self.kind = bw_method, kind
        super().__init__(f"{name}(window_size={self.window_size}, step_size={self.step_size})",
                         self._evaluate_pair, same_time=False, min_regions=2)

    def _density(self, X, what, keep):
        F, cache = _fcd_forward(X, self.window_size, self.step_size, what, self.name, keep)
        iu, vals = upper_values(F, self.n_diag, self.name)
        factor = bandwidth_factor(self.bw_method, vals.shape[-1], self.name)
        d, back = kde(vals, self.midpoints, factor, True, keep)
        return d, (cache, iu, back, F.shape)

    def _evaluate_pair(self, P, Q, want_grad):
        dp, (cache, iu, back, shape) = self._density(P, "prediction", want_grad)
        dq, _ = self._density(Q, "target", False)
        dq = np.broadcast_to(dq, dp.shape)
        if self.kind == "ks":
            values, gd = ks(dp, dq, want_grad)
        else:
            values, gd = w1(dp, dq, self.midpoints[1] - self.midpoints[0], want_grad)
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
