"""Real lead fields from MNE-Python (optional: ``pip install 'brainmass-dsl[mne]'``), offline.

* `make_sphere_forward`: an EEG forward solution on a 3-layer spherical head model fitted to a
  shipped montage (``standard_1020``), with a volume source space (a grid) inside it. Nothing
  is downloaded (no MNE sample data).
* `read_leadfield`: a ``-fwd.fif`` file (``mne.write_forward_solution``) reduced to regions.
* `leadfield_from_forward`: the reduction. Source points go to their nearest region centre
  (given in mm, or `regions` centres picked by farthest-point sampling of the source points);
  each source's dipole is oriented radially from `origin` (free-orientation solutions) or as
  the solution fixes it; a region's lead field is the mean over its sources (its dipole
  moment spread evenly over them); EEG is average-referenced by default.
"""
from __future__ import annotations

import warnings

import numpy as np

from .fields import LeadField
from .weights import (blocked_from_interleaved, build_fixed_orientation_weights,
                      compress_vertex_leadfield, farthest_point_centres,
                      nearest_centre_parcels, radial_normals)

__all__ = ["make_sphere_forward", "leadfield_from_forward", "sphere_leadfield",
           "read_leadfield", "require_mne"]

# Gain units of MNE forward solutions, per channel type (per unit dipole moment, A*m).
_UNITS = {"eeg": ("eeg", "V/(A*m)"), "mag": ("meg", "T/(A*m)"), "grad": ("meg", "T/m/(A*m)")}
# Sources closer than this (m) to the radial origin have no radial orientation: dropped.
MIN_RADIUS_M = 1e-3


def require_mne():
    """The `mne` module, or an ImportError saying what to install."""
    try:
        import mne
    except ImportError:
        raise ImportError("this needs MNE-Python (optional): pip install 'brainmass-dsl[mne]' "
                          "(or pip install 'mne>=1.6'); the bundled synthetic lead field "
                          "(forward.synthetic_leadfield) needs nothing") from None
    try:  # MNE imports lazily; MNE < 1.10 fails here with SciPy >= 1.17 (no sph_harm)
        import mne.transforms as _transforms  # noqa: F401
        del _transforms
    except ImportError as e:
        raise ImportError(f"MNE-Python {getattr(mne, '__version__', '?')} does not work with the "
                          f"installed packages ({e}); upgrade it: pip install -U mne") from None
    return mne


def _montage(mne, name: str):
    """A shipped montage; 'standard_1020' is called 'colin27_1020' from MNE 1.13 on (same
    positions), so the new name is used where MNE has it."""
    if name == "standard_1020" and "colin27_1020" in mne.channels.get_builtin_montages():
        name = "colin27_1020"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return mne.channels.make_standard_montage(name)


def make_sphere_forward(montage: str = "standard_1020", *, spacing: float = 25.0,
                        mindist: float = 5.0, verbose=False):
    """(forward, sphere) for EEG on MNE's 3-layer sphere model fitted to `montage`'s
    electrodes, with a volume source grid of `spacing` mm (kept `mindist` mm inside the
    brain surface). Offline: uses only files shipped with MNE."""
    mne = require_mne()
    mont = _montage(mne, montage)
    info = mne.create_info(mont.ch_names, 1000.0, "eeg")
    info.set_montage(mont)
    sphere = mne.make_sphere_model(r0="auto", head_radius="auto", info=info, verbose=verbose)
    src = mne.setup_volume_source_space(sphere=sphere, pos=float(spacing),
                                        mindist=float(mindist), verbose=verbose)
    fwd = mne.make_forward_solution(info, trans=None, src=src, bem=sphere, eeg=True, meg=False,
                                    verbose=verbose)
    return fwd, sphere


def _channels(mne, fwd, ch_type: str):
    if ch_type not in _UNITS:
        raise ValueError(f"ch_type must be one of {sorted(_UNITS)}, got {ch_type!r}")
    idx = mne.channel_indices_by_type(fwd["info"]).get(ch_type, [])
    if not len(idx):
        raise ValueError(f"ch_type: the forward solution has no {ch_type!r} channels")
    names = [fwd["info"]["ch_names"][i] for i in idx]
    rows = {n: i for i, n in enumerate(fwd["sol"]["row_names"])}
    return np.array([rows[n] for n in names]), names, idx


def leadfield_from_forward(fwd, regions=68, *, ch_type: str = "eeg", origin=None,
                           reference="auto") -> LeadField:
    """A region `LeadField` from an MNE `Forward` (see the module docstring).

    `regions`: a number of regions, or (R, 3) centres in mm in the forward's head frame;
    `origin` (mm, default: the centroid of the source points) for radial orientations;
    `reference`: 'average', None, or 'auto' (average for EEG, none for MEG).
    """
    mne = require_mne()
    rows, names, idx = _channels(mne, fwd, ch_type)
    kind, unit = _UNITS[ch_type]
    if reference == "auto":
        reference = "average" if kind == "eeg" else None
    if reference not in ("average", None):
        raise ValueError(f"reference must be 'average', None or 'auto', got {reference!r}")
    if reference == "average" and kind != "eeg":
        raise ValueError("reference='average' is for EEG channels, not MEG")
    fixed = mne.forward.is_fixed_orient(fwd)
    if not fixed and fwd["surf_ori"]:
        fwd = mne.convert_forward_solution(fwd, surf_ori=False, verbose=False)
    gain = np.asarray(fwd["sol"]["data"], dtype=float)[rows]
    pos = np.asarray(fwd["source_rr"], dtype=float)
    keep = np.ones(len(pos), bool)
    if fixed:
        normals = None
    else:
        centre = pos.mean(0) if origin is None else np.asarray(origin, float) * 1e-3
        normals = radial_normals(pos, centre, MIN_RADIUS_M)
        keep = np.linalg.norm(normals, axis=1) > 0
    if np.ndim(regions) == 0:
        centres = pos[keep][farthest_point_centres(pos[keep], int(regions))]
    else:
        centres = np.asarray(regions, dtype=float) * 1e-3
        if centres.ndim != 2 or centres.shape[1] != 3:
            raise ValueError(f"regions must be a number or (R, 3) centres in mm, got shape "
                             f"{centres.shape}")
    parcel = np.zeros((len(pos), len(centres)))
    parcel[keep] = nearest_centre_parcels(pos[keep], centres)
    area = 1.0 / parcel.sum(0)                   # mean over each region's sources
    if fixed:
        L_region = gain @ (parcel * area)        # (M, R)
    else:
        W = build_fixed_orientation_weights(normals, parcel * area)
        L_region = compress_vertex_leadfield(blocked_from_interleaved(gain), W)
    if reference == "average":
        L_region = L_region - L_region.mean(axis=0, keepdims=True)
    sensor_pos = np.array([fwd["info"]["chs"][i]["loc"][:3] for i in idx])
    desc = (f"MNE forward ({len(pos)} sources, {'fixed' if fixed else 'radial'} orientation, "
            f"{ch_type}, reference={reference})")
    return LeadField(L_region.T, unit, kind, tuple(names), sensor_positions=sensor_pos,
                     region_positions=centres, description=desc,
                     meta={"source_region": np.where(keep, parcel.argmax(1), -1)})


def sphere_leadfield(regions=68, montage: str = "standard_1020", *, spacing: float = 25.0,
                     mindist: float = 5.0) -> LeadField:
    """An EEG `LeadField` on MNE's sphere model (`make_sphere_forward`), reduced to `regions`;
    dipoles radial from the sphere's centre."""
    fwd, sphere = make_sphere_forward(montage, spacing=spacing, mindist=mindist)
    lf = leadfield_from_forward(fwd, regions, ch_type="eeg",
                                origin=np.asarray(sphere["r0"]) * 1e3)
    return LeadField(lf.matrix, lf.unit, lf.kind, lf.sensor_names, lf.sensor_positions,
                     lf.region_positions, f"MNE sphere model, {montage} montage; "
                     + lf.description, lf.meta)


def read_leadfield(fname, regions=68, *, ch_type: str = "eeg", origin=None,
                   reference="auto") -> LeadField:
    """A region `LeadField` from a ``-fwd.fif`` file (arguments as `leadfield_from_forward`)."""
    mne = require_mne()
    fwd = mne.read_forward_solution(fname, verbose=False)
    return leadfield_from_forward(fwd, regions, ch_type=ch_type, origin=origin,
                                  reference=reference)
