"""The bundled default: a small synthetic EEG lead field, computed (deterministically) on call.

Model: one current dipole per region, at the region's centre, oriented radially (outward from
the origin), in an *infinite homogeneous conductor* of conductivity `conductivity` (S/m); the
potential at electrode ``e`` of a unit dipole ``p`` at ``r0`` is

    V(e) = p . (e - r0) / (4 pi sigma |e - r0|^3)      [V per A*m]

then average-referenced (the mean over electrodes subtracted). Electrodes: `n_sensors` points
(names ``E01``...) spread evenly (a Fibonacci lattice) over the spherical cap of radius
`head_radius` above ``z = -0.3 head_radius``. Region centres default to the bundled synthetic
connectome's 68 centres (mm; `datasets.default_connectome()`), so the two go together.

This is a teaching/testing stand-in: no skull or scalp (whose smearing a real head model has,
see `forward.mne_io`), not a measured head.
"""
from __future__ import annotations

import numpy as np

from .fields import LeadField

__all__ = ["synthetic_leadfield", "cap_positions"]

CAP_BOTTOM = -0.3   # the lowest electrode ring, as a fraction of the head radius (z)


def cap_positions(n: int, radius: float) -> np.ndarray:
    """`n` points (n, 3) spread evenly over the cap z >= CAP_BOTTOM * radius of a sphere."""
    if n < 1:
        raise ValueError(f"n_sensors must be >= 1, got {n}")
    k = np.arange(n) + 0.5
    z = 1.0 - k / n * (1.0 - CAP_BOTTOM)          # equal-area bands from the vertex down
    rho = np.sqrt(1.0 - z ** 2)
    az = np.pi * (3.0 - np.sqrt(5.0)) * k
    return radius * np.stack([rho * np.cos(az), rho * np.sin(az), z], axis=1)


def synthetic_leadfield(region_positions=None, n_sensors: int = 64, *,
                        head_radius: float = 100.0, conductivity: float = 0.33,
                        min_distance: float = 10.0) -> LeadField:
    """Synthetic EEG lead field (R, n_sensors) in V/(A*m) (see the module docstring).

    `region_positions` (R, 3) in mm (default: the bundled connectome's 68 centres),
    `head_radius` in mm, `conductivity` in S/m; each region must lie at least `min_distance`
    mm inside the electrode sphere.
    """
    if region_positions is None:
        from ..datasets import default_connectome

        region_positions = default_connectome().centres
    pos = np.asarray(region_positions, dtype=float)
    if pos.ndim != 2 or pos.shape[1] != 3 or len(pos) == 0:
        raise ValueError(f"region_positions must be (R, 3) in mm, got shape {pos.shape}")
    if not head_radius > 0 or not conductivity > 0:
        raise ValueError(f"head_radius and conductivity must be > 0, got {head_radius}, "
                         f"{conductivity}")
    r = np.linalg.norm(pos, axis=1)
    bad = np.flatnonzero(r > head_radius - min_distance)
    if bad.size:
        raise ValueError(f"region_positions: region(s) {bad.tolist()} lie within {min_distance} "
                         f"mm of the electrode sphere (radius {head_radius} mm; largest region "
                         f"radius {r.max():.1f} mm)")
    if (r == 0).any():
        raise ValueError("region_positions: a region at the origin has no radial orientation")
    src = pos * 1e-3                                           # m
    elec = cap_positions(int(n_sensors), head_radius * 1e-3)   # m
    orient = src / np.linalg.norm(src, axis=1, keepdims=True)
    d = elec[None, :, :] - src[:, None, :]                     # (R, M, 3)
    dist3 = np.linalg.norm(d, axis=2) ** 3
    V = np.einsum("rk,rmk->rm", orient, d) / (4 * np.pi * conductivity * dist3)
    V -= V.mean(axis=1, keepdims=True)                         # average reference
    names = tuple(f"E{i + 1:02d}" for i in range(len(elec)))
    desc = (f"synthetic: radial dipoles in an infinite conductor (sigma={conductivity} S/m), "
            f"{len(elec)} electrodes on a {head_radius:g} mm cap, average reference")
    return LeadField(V, "V/(A*m)", "eeg", names, sensor_positions=elec,
                     region_positions=src, description=desc)
