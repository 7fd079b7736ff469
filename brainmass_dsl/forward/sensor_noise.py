"""Gaussian sensor noise with a given covariance (one independent draw per time sample).

The covariance is checked (square, finite, symmetric, positive semi-definite) and factored as
``cov = F F^T`` by its eigendecomposition, so singular (rank-deficient) covariances, e.g. after
an average reference, are fine. A draw is ``z @ F^T`` with ``z`` standard normal: its
covariance is ``cov`` exactly in expectation, whether or not ``cov`` is diagonal.
"""
from __future__ import annotations

import numpy as np

__all__ = ["covariance_factor", "draw_noise"]

# Relative tolerances: symmetry (|C - C^T| <= SYM_RTOL * max|C|) and the most negative
# eigenvalue accepted as rounding (>= -PSD_RTOL * largest eigenvalue).
SYM_RTOL = 1e-8
PSD_RTOL = 1e-10


def covariance_factor(cov: np.ndarray, n: int, name: str = "noise_cov") -> np.ndarray:
    """`F` with ``F @ F.T == cov`` for an (n, n) covariance; ValueError naming `name`."""
    cov = np.asarray(cov, dtype=float)
    if cov.shape != (n, n):
        raise ValueError(f"{name} must be a ({n}, {n}) covariance matrix (one row and column per "
                         f"sensor), got shape {cov.shape}")
    if not np.isfinite(cov).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    scale = float(np.abs(cov).max()) if cov.size else 0.0
    asym = float(np.abs(cov - cov.T).max()) if cov.size else 0.0
    if asym > SYM_RTOL * scale:
        raise ValueError(f"{name} is not symmetric (largest |cov - cov.T| = {asym:.3g}); a "
                         "covariance matrix is symmetric")
    sym = 0.5 * (cov + cov.T)
    lam, vec = np.linalg.eigh(sym)
    top = float(lam.max()) if lam.size else 0.0
    if lam.size and lam.min() < -PSD_RTOL * max(top, 0.0):
        raise ValueError(f"{name} is not positive semi-definite: its smallest eigenvalue is "
                         f"{lam.min():.6g} (largest {top:.6g}); a covariance matrix has no "
                         "negative eigenvalues")
    return vec * np.sqrt(np.clip(lam, 0.0, None))


def draw_noise(rng: np.random.Generator, shape, factor: np.ndarray) -> np.ndarray:
    """Noise of `shape` (..., n): each (n,) row ~ N(0, factor @ factor.T), independent rows."""
    z = rng.standard_normal(tuple(shape))
    return z @ factor.T
