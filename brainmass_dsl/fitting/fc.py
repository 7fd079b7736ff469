"""Functional connectivity (FC) objectives: `fc_corr`, `fc_rmse`, and the FC maths they share.

FC(X) of a series X (time, regions) is the Pearson correlation matrix of its regions over time
(`np.corrcoef(X.T)`), with brainmass's conventions: a NaN entry (a constant or non-finite
region) is 0 and the diagonal is 1; a region is constant when all its values are equal. FC is
scale-free, so the inputs' unit does not matter; losses are dimensionless.

Gradients (closed form): with Xc = X - mean over time, s_i = |Xc_i| and Z = Xc / s, FC = Z^T Z.
For a loss with dL/dFC = G (diagonal ignored), dL/dZ = Z (G + G^T), then
dL/dXc_i = (H_i - Z_i (Z_i . H_i)) / s_i and dL/dX = dL/dXc - its mean over time. A region
with s_i = 0 (constant) or a non-finite one has FC row 0: its gradient is 0 (the true
derivative does not exist there), and it does not feed the other regions' gradients.
"""
from __future__ import annotations

from functools import partial
from typing import Optional, Tuple

import numpy as np

from .core import Objective


def zscore(X: np.ndarray):
    """Z (..., T, N) = centred columns of unit norm (0 where a column is constant or not
    finite), with the norms s and the mask ok of usable columns. A column is constant when
    all its values are equal (not when its centred norm is 0: the mean's rounding leaves
    ~1e-16 residues, whose "correlations" are noise)."""
    Xc = X - X.mean(axis=-2, keepdims=True)
    s = np.sqrt(np.einsum("...ti,...ti->...i", Xc, Xc))
    ok = (s > 0) & (X.max(axis=-2) > X.min(axis=-2))  # False for constant and NaN columns
    safe = np.where(ok, s, 1.0)
    Z = np.where(ok[..., None, :], Xc / safe[..., None, :], 0.0)
    return Z, safe, ok


def fc_from_z(Z: np.ndarray) -> np.ndarray:
    """FC (..., N, N) = Z^T Z with a unit diagonal."""
    R = np.swapaxes(Z, -1, -2) @ Z
    n = R.shape[-1]
    R[..., np.arange(n), np.arange(n)] = 1.0
    return R


def functional_connectivity(X: np.ndarray) -> np.ndarray:
    """FC of X (..., time, regions): Pearson correlations, NaN -> 0, unit diagonal.

    >>> x = np.array([[0., 1.], [1., 3.], [2., 5.]])
    >>> functional_connectivity(x)
    array([[1., 1.],
           [1., 1.]])
    """
    return fc_from_z(zscore(np.asarray(X, dtype=np.float64))[0])


def fc_backward(Z: np.ndarray, s: np.ndarray, ok: np.ndarray, G: np.ndarray) -> np.ndarray:
    """dL/dX (..., T, N) from dL/dFC = G (..., N, N); the diagonal of G is ignored."""
    n = G.shape[-1]
    G = G.copy()
    G[..., np.arange(n), np.arange(n)] = 0.0
    H = Z @ (G + np.swapaxes(G, -1, -2))
    dXc = (H - Z * np.einsum("...ti,...ti->...i", Z, H)[..., None, :]) / s[..., None, :]
    dXc = np.where(ok[..., None, :], dXc, 0.0)
    return dXc - dXc.mean(axis=-2, keepdims=True)


def pearson(u: np.ndarray, v: np.ndarray, want_grad: bool
            ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Pearson r of u and v (..., m) along the last axis, NaN -> 0 (as braintools'
    matrix_correlation), and dr/du (0 where r was not defined)."""
    uc = u - u.mean(axis=-1, keepdims=True)
    vc = v - v.mean(axis=-1, keepdims=True)
    nu = np.sqrt(np.einsum("...k,...k->...", uc, uc))
    nv = np.sqrt(np.einsum("...k,...k->...", vc, vc))
    r = np.einsum("...k,...k->...", uc, vc) / (nu * nv)
    good = np.isfinite(r)
    r = np.where(good, r, 0.0)
    if not want_grad:
        return r, None
    with np.errstate(divide="ignore", invalid="ignore"):
        g = vc / (nu * nv)[..., None] - r[..., None] * uc / (nu * nu)[..., None]
    return r, np.where(good[..., None], g, 0.0)


def _upper(n: int, k: int = 1):
    return np.triu_indices(n, k=k)


def _fc_corr_evaluate(P, Q, want_grad, as_loss):
    Zp, sp, okp = zscore(P)
    Rp, Rt = fc_from_z(Zp), fc_from_z(zscore(Q)[0])
    iu = _upper(P.shape[2])
    r, dr = pearson(Rp[:, iu[0], iu[1]], Rt[:, iu[0], iu[1]], want_grad)
    values = 1.0 - r if as_loss else r
    if not want_grad:
        return values, None
    G = np.zeros_like(Rp)
    G[:, iu[0], iu[1]] = -dr if as_loss else dr
    return values, fc_backward(Zp, sp, okp, G)


def fc_corr(as_loss: bool = False) -> Objective:
    """Pearson correlation of the upper triangles (k=1) of FC(prediction) and FC(target); with
    `as_loss`, 1 - corr (to minimise). An undefined correlation (a constant FC) is 0.

    Prediction and target may have different lengths (their FCs are compared); at least 3
    regions (2 pairs) are needed.

    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((200, 5))
    >>> round(fc_corr()(x, x), 12), round(fc_corr(as_loss=True)(x, x), 12)
    (1.0, 0.0)
    """
    name = "fc_corr(as_loss=True)" if as_loss else "fc_corr()"
    return Objective(name, partial(_fc_corr_evaluate, as_loss=bool(as_loss)), same_time=False,
                     min_time=2,
                     min_regions=3)


def _fc_rmse_evaluate(P, Q, want_grad):
    Zp, sp, okp = zscore(P)
    D = fc_from_z(Zp) - fc_from_z(zscore(Q)[0])
    n = P.shape[2]
    L = np.sqrt(np.einsum("bij,bij->b", D, D) / (n * n))
    if not want_grad:
        return L, None
    with np.errstate(divide="ignore", invalid="ignore"):
        G = np.where(L[:, None, None] > 0, D / (n * n * L[:, None, None]), 0.0)
    return L, fc_backward(Zp, sp, okp, G)


def fc_rmse() -> Objective:
    """RMSE between FC(prediction) and FC(target), over all N x N entries (the diagonal
    included, where both are 1). Its gradient at 0 (equal FCs) is taken as 0.

    >>> x = np.array([[0., 1.], [1., 3.], [2., 5.]])
    >>> round(fc_rmse()(x, x * [1, -1]), 12)   # FCs [[1, 1], [1, 1]] and [[1, -1], [-1, 1]]
    1.414213562373
    """
    return Objective("fc_rmse()", _fc_rmse_evaluate, same_time=False, min_time=2,
                     min_regions=1)
