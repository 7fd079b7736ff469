"""Synthetic connectomes from the exponential distance rule (EDR), incl. the bundled default.

``synthetic_connectome()`` places ``n_per_hemisphere`` regions per hemisphere on the surface of
a half ellipsoid (semi-axes 65 x 85 x 55 mm, the two hemispheres mirror images 8 mm apart),
draws weights ``exp(-decay * d) * LogNormal(0, 1)`` for each unordered pair, keeps the
strongest ``density`` fraction (symmetric, zero diagonal), scales them to max 1 and sets
tract lengths = ``tortuosity`` x Euclidean distance.  Outputs are rounded (weights 1e-8,
centres 0.01 mm, lengths 0.001 mm) so that last-bit differences between maths libraries
cannot change the bundled file.  This is generated data, not a measured brain.
"""
from __future__ import annotations

from importlib import resources

import numpy as np

from .connectome import Connectome
from .examples import SYNTHETIC_LICENSE

__all__ = ["synthetic_connectome", "load_synthetic68", "SYNTHETIC68_FILE", "SYNTHETIC68_PARAMS"]

SYNTHETIC68_FILE = "synthetic68.npz"
SYNTHETIC68_PARAMS = dict(n_per_hemisphere=34, decay_per_mm=0.12, density=0.3,
                          tortuosity=1.3, seed=0)

_SEMI_AXES_MM = np.array([65.0, 85.0, 55.0])  # lateral, anterior-posterior, inferior-superior
_MIDLINE_GAP_MM = 8.0


def _hemisphere_points(n: int) -> np.ndarray:
    """``n`` near-uniform points on a half ellipsoid (x >= 0), in mm (Fibonacci lattice)."""
    k = np.arange(n) + 0.5
    cos_polar = 1.0 - k / n                         # polar axis = +x (lateral)
    sin_polar = np.sqrt(1.0 - cos_polar**2)
    azimuth = np.pi * (3.0 - np.sqrt(5.0)) * k      # golden angle steps
    unit = np.stack([cos_polar, sin_polar * np.cos(azimuth), sin_polar * np.sin(azimuth)], axis=1)
    pts = unit * _SEMI_AXES_MM
    pts[:, 0] += _MIDLINE_GAP_MM / 2.0
    return pts


def synthetic_connectome(
    n_per_hemisphere: int = 34,
    *,
    decay_per_mm: float = 0.12,
    density: float = 0.3,
    tortuosity: float = 1.3,
    seed: int = 0,
) -> Connectome:
    """Deterministic EDR connectome with ``2 * n_per_hemisphere`` regions (see module doc).

    ``decay_per_mm``: EDR rate (1/mm); ``density``: fraction of off-diagonal entries kept;
    ``tortuosity``: tract length / Euclidean distance (>= 1).
    """
    if n_per_hemisphere < 1:
        raise ValueError(f"n_per_hemisphere must be >= 1, got {n_per_hemisphere}")
    if not 0.0 < density <= 1.0:
        raise ValueError(f"density must be in (0, 1], got {density}")
    if tortuosity < 1.0:
        raise ValueError(f"tortuosity must be >= 1, got {tortuosity}")
    if decay_per_mm < 0:
        raise ValueError(f"decay_per_mm must be >= 0, got {decay_per_mm}")

    right = _hemisphere_points(n_per_hemisphere)
    left = right * np.array([-1.0, 1.0, 1.0])
    centres = np.round(np.concatenate([left, right]), 2)
    n = centres.shape[0]
    dist = np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=-1)

    rng = np.random.default_rng(seed)
    iu = np.triu_indices(n, k=1)
    strength = np.exp(-decay_per_mm * dist[iu]) * rng.lognormal(0.0, 1.0, size=iu[0].size)
    n_keep = max(1, int(round(density * iu[0].size)))
    keep = np.argsort(-strength, kind="stable")[:n_keep]
    upper = np.zeros((n, n))
    upper[iu[0][keep], iu[1][keep]] = strength[keep]
    weights = np.round((upper + upper.T) / upper.max(), 8)

    lengths = np.round(tortuosity * dist, 3)
    labels = [f"{h}{i:02d}" for h in "LR" for i in range(n_per_hemisphere)]
    params = dict(n_per_hemisphere=n_per_hemisphere, decay_per_mm=decay_per_mm,
                  density=density, tortuosity=tortuosity, seed=seed)
    is_default = params == SYNTHETIC68_PARAMS
    return Connectome(
        weights=weights,
        lengths=lengths,
        labels=labels,
        centres=centres,
        name="synthetic68" if is_default else f"synthetic{n}",
        license=SYNTHETIC_LICENSE.format("_generate.py"),
        citation="",
        synthetic=True,
        meta={"generator": "exponential distance rule (brainmass_dsl.datasets.synthetic)", **params},
        require_symmetric=True,
    )


def load_synthetic68(*, require_symmetric: bool = False) -> Connectome:
    """The bundled SYNTHETIC 68-region default connectome (weights max 1, lengths in mm)."""
    from .files import load_npz

    ref = resources.files(__package__) / "data" / SYNTHETIC68_FILE
    with resources.as_file(ref) as path:
        return load_npz(path, require_symmetric=require_symmetric)
