"""Vertex (or voxel) lead fields reduced to regions, with brainmass's two helpers.

Layouts. brainmass's ``(M, 3V)`` vertex lead field is *blocked*: columns ``[x of every vertex,
y of every vertex, z of every vertex]``, matching ``build_fixed_orientation_weights``. MNE's
free-orientation gain is *interleaved* (``[x0, y0, z0, x1, ...]``): `blocked_from_interleaved`
converts it.
"""
from __future__ import annotations

import numpy as np

from .units import as_quantity, registry

__all__ = ["compress_vertex_leadfield", "build_fixed_orientation_weights",
           "blocked_from_interleaved", "farthest_point_centres", "nearest_centre_parcels",
           "radial_normals"]


def _array(x, name: str, ndim: int) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {arr.shape}")
    return arr


def compress_vertex_leadfield(L_vertex_3V, W_vertex_to_region_3VxR):
    """Region lead field ``L_vertex_3V @ W``: (M, 3V) @ (3V, R) -> (M, R) (sensors x regions).

    As brainmass: the result is (M, R); `LeadFieldModel` takes its transpose (R, M). A pint or
    brainunit-style quantity keeps its unit (a pint quantity comes back); plain arrays stay plain.
    """
    has_unit = any(hasattr(x, "magnitude") or hasattr(x, "mantissa")
                   for x in (L_vertex_3V, W_vertex_to_region_3VxR))
    lq = as_quantity(L_vertex_3V, registry().dimensionless, "L_vertex_3V")
    wq = as_quantity(W_vertex_to_region_3VxR, registry().dimensionless, "W_vertex_to_region_3VxR")
    lm, wm = np.asarray(lq.magnitude, float), np.asarray(wq.magnitude, float)
    if lm.ndim != 2 or wm.ndim != 2:
        raise ValueError(f"L_vertex_3V (M, 3V) and W_vertex_to_region_3VxR (3V, R) must be 2-D, "
                         f"got shapes {lm.shape} and {wm.shape}")
    if lm.shape[1] != wm.shape[0]:
        raise ValueError(f"L_vertex_3V has {lm.shape[1]} columns (3V) but "
                         f"W_vertex_to_region_3VxR has {wm.shape[0]} rows; they must match")
    out = lm @ wm
    return registry().Quantity(out, lq.units * wq.units) if has_unit else out


def build_fixed_orientation_weights(normals_V3, parcel_VxR, area_weights_V=None) -> np.ndarray:
    """(3V, R) weights ``[area*parcel*n_x; area*parcel*n_y; area*parcel*n_z]`` (brainmass).

    `normals_V3` (V, 3) unit orientations, `parcel_VxR` (V, R) vertex-to-region assignment
    (one-hot or soft), `area_weights_V` (V,) area/volume weights (default ones).
    """
    normals = _array(normals_V3, "normals_V3", 2)
    V = normals.shape[0]
    if normals.shape != (V, 3):
        raise ValueError(f"normals_V3 must be (V, 3), got {normals.shape}")
    parcel = _array(parcel_VxR, "parcel_VxR", 2)
    if parcel.shape[0] != V:
        raise ValueError(f"parcel_VxR must have V = {V} rows (one per vertex of normals_V3), "
                         f"got shape {parcel.shape}")
    area = np.ones(V) if area_weights_V is None else _array(area_weights_V, "area_weights_V", 1)
    if area.shape != (V,):
        raise ValueError(f"area_weights_V must be (V,) = ({V},), got {area.shape}")
    ar = area[:, None] * parcel
    return np.vstack([ar * normals[:, 0:1], ar * normals[:, 1:2], ar * normals[:, 2:3]])


def blocked_from_interleaved(gain: np.ndarray) -> np.ndarray:
    """(M, 3V) columns ``[x0, y0, z0, x1, ...]`` -> ``[x0..xV, y0..yV, z0..zV]``."""
    gain = np.asarray(gain, dtype=float)
    if gain.ndim != 2 or gain.shape[1] % 3:
        raise ValueError(f"gain must be (M, 3V), got shape {gain.shape}")
    M = gain.shape[0]
    return gain.reshape(M, -1, 3).transpose(0, 2, 1).reshape(M, -1)


def radial_normals(positions: np.ndarray, origin, min_radius: float) -> np.ndarray:
    """Unit vectors from `origin` to each position (V, 3); 0 for points within `min_radius`."""
    d = np.asarray(positions, float) - np.asarray(origin, float)
    r = np.linalg.norm(d, axis=1)
    out = np.zeros_like(d)
    ok = r > min_radius
    out[ok] = d[ok] / r[ok, None]
    return out


TIE_RTOL = 1e-6


def _extent(pos: np.ndarray) -> float:
    return float(np.ptp(pos, axis=0).max()) if len(pos) else 0.0


def _first_within(values: np.ndarray, tol: float) -> int:
    """The lowest index whose value is within `tol` of the minimum."""
    return int(np.argmax(values <= values.min() + tol))


def farthest_point_centres(positions: np.ndarray, n: int) -> np.ndarray:
    """Indices of `n` positions spread by farthest-point sampling (deterministic: starts at
    the point nearest the centroid; distances equal to within TIE_RTOL of the positions'
    extent are ties, won by the lowest index, so float32 copies pick the same points)."""
    pos = np.asarray(positions, float)
    if not 1 <= n <= len(pos):
        raise ValueError(f"regions: asked for {n} regions from {len(pos)} source points "
                         f"(1 <= regions <= {len(pos)})")
    tol = TIE_RTOL * _extent(pos)
    first = _first_within(np.linalg.norm(pos - pos.mean(0), axis=1), tol)
    chosen = [first]
    dist = np.linalg.norm(pos - pos[first], axis=1)
    for _ in range(n - 1):
        nxt = _first_within(-dist, tol)
        chosen.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(pos - pos[nxt], axis=1))
    return np.asarray(chosen)


def nearest_centre_parcels(positions: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """(V, R) one-hot: each position to its nearest centre (ties, as in
    `farthest_point_centres`, to the lower index).
    A centre that receives no position is a ValueError naming `regions`."""
    pos = np.asarray(positions, float)
    cen = np.asarray(centres, float)
    d = np.linalg.norm(pos[:, None, :] - cen[None, :, :], axis=2)
    tol = TIE_RTOL * _extent(np.vstack([pos, cen]))
    label = np.argmax(d <= d.min(axis=1, keepdims=True) + tol, axis=1)
    parcel = np.zeros((len(pos), len(cen)))
    parcel[np.arange(len(pos)), label] = 1.0
    empty = np.flatnonzero(parcel.sum(0) == 0)
    if empty.size:
        raise ValueError(f"regions: region centre(s) {empty.tolist()} are nearest to no source "
                         "point; give centres inside the source space (or fewer regions)")
    return parcel
