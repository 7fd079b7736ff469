"""Real lead fields from MNE-Python (optional extra): an offline spherical head model and a
-fwd.fif round trip. Skipped where MNE is not installed (CI installs it); the error without
MNE is tested everywhere."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from brainmass_dsl.forward import mne_io


def test_without_mne_the_paths_say_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mne", None)            # import mne -> ImportError
    for call in (lambda: mne_io.sphere_leadfield(4),
                 lambda: mne_io.read_leadfield("x-fwd.fif"),
                 lambda: mne_io.make_sphere_forward()):
        with pytest.raises(ImportError, match=r"pip install 'brainmass-dsl\[mne\]'"):
            call()


try:
    import mne
except ImportError:
    mne = None
needs_mne = pytest.mark.skipif(mne is None, reason="MNE-Python is not installed "
                               "(pip install 'brainmass-dsl[mne]')")
SPACING = 30.0   # mm: ~80 sources, a forward solution in about a second


@pytest.fixture(scope="module")
def sphere_fwd():
    return mne_io.make_sphere_forward("standard_1020", spacing=SPACING)


@needs_mne
def test_an_mne_that_cannot_import_its_parts_says_upgrade(monkeypatch):
    monkeypatch.setitem(sys.modules, "mne.transforms", None)
    with pytest.raises(ImportError, match=r"does not work with the installed packages.*"
                                          r"pip install -U mne"):
        mne_io.require_mne()


def _direct_reduction(fwd, centres_m, origin_m):
    """Independent reduction: per source, the free-orientation gain (interleaved x, y, z)
    dotted with its radial unit vector, averaged over the sources nearest each centre."""
    gain = fwd["sol"]["data"]
    rr = fwd["source_rr"]
    M, R = gain.shape[0], len(centres_m)
    out, count = np.zeros((M, R)), np.zeros(R)
    for s, p in enumerate(rr):
        n = (p - origin_m) / np.linalg.norm(p - origin_m)
        r = int(np.argmin(np.linalg.norm(centres_m - p, axis=1)))
        out[:, r] += gain[:, 3 * s:3 * s + 3] @ n
        count[r] += 1
    out /= count
    return (out - out.mean(0)).T                               # average reference, (R, M)


@needs_mne
def test_sphere_leadfield_is_the_reduced_forward(sphere_fwd):
    fwd, sphere = sphere_fwd
    origin_mm = np.asarray(sphere["r0"]) * 1e3
    lf = mne_io.leadfield_from_forward(fwd, 12, origin=origin_mm)
    assert lf.kind == "eeg" and lf.unit == "V/(A*m)" and lf.matrix.shape == (12, 94)
    assert lf.sensor_names[:3] == ("Fp1", "Fpz", "Fp2")
    np.testing.assert_allclose(lf.matrix.sum(1), 0, atol=1e-9 * np.abs(lf.matrix).max())
    want = _direct_reduction(fwd, lf.region_positions, np.asarray(sphere["r0"]))
    np.testing.assert_allclose(lf.matrix, want, rtol=1e-10, atol=1e-10 * np.abs(want).max())
    # plausible magnitude for a 3-shell head: tens to hundreds of V per A*m
    assert 10 < np.abs(lf.matrix).max() < 5000
    # given centres (mm) instead of a count
    again = mne_io.leadfield_from_forward(fwd, lf.region_positions * 1e3, origin=origin_mm)
    np.testing.assert_allclose(again.matrix, lf.matrix, rtol=1e-12)


@needs_mne
def test_sphere_leadfield_drives_an_eeg_model(sphere_fwd):
    lf = mne_io.sphere_leadfield(8, spacing=SPACING)
    eeg = lf.eeg_model(sensor_unit="uV")
    src = np.random.default_rng(0).normal(size=(30, 8))    # mV -> 1 nA*m per mV
    # V/(A*m) -> uV/(nA*m): x 1e6 / 1e9
    np.testing.assert_allclose(eeg(src), src @ (lf.matrix * 1e-3), rtol=1e-12)
    assert eeg.sensor_names == lf.sensor_names


@needs_mne
def test_fif_round_trip(sphere_fwd, tmp_path):
    fwd, sphere = sphere_fwd
    path = tmp_path / "sphere-fwd.fif"
    mne.write_forward_solution(path, fwd, overwrite=True, verbose=False)
    origin_mm = np.asarray(sphere["r0"]) * 1e3
    got = mne_io.read_leadfield(path, 10, origin=origin_mm)
    want = mne_io.leadfield_from_forward(fwd, 10, origin=origin_mm)
    assert got.sensor_names == want.sensor_names
    np.testing.assert_allclose(got.region_positions, want.region_positions, atol=1e-6)
    # .fif stores the gain in float32
    np.testing.assert_allclose(got.matrix, want.matrix, atol=1e-6 * np.abs(want.matrix).max())


@needs_mne
def test_fixed_orientation_forward(sphere_fwd):
    # a fixed-orientation solution uses its own orientations (here: the free solution's z)
    fwd, _ = sphere_fwd
    fixed = fwd.copy()
    fixed["sol"] = dict(fwd["sol"])
    fixed["sol"]["data"] = fwd["sol"]["data"][:, 2::3]
    fixed["sol"]["ncol"] = fixed["sol"]["data"].shape[1]
    fixed["source_ori"] = mne.io.constants.FIFF.FIFFV_MNE_FIXED_ORI
    fixed["source_nn"] = np.tile([0.0, 0.0, 1.0], (len(fwd["source_rr"]), 1))
    lf = mne_io.leadfield_from_forward(fixed, 6, reference=None)
    labels = lf.meta["source_region"]
    want = np.stack([fixed["sol"]["data"][:, labels == r].mean(1) for r in range(6)])
    np.testing.assert_allclose(lf.matrix, want, rtol=1e-12)


@needs_mne
def test_bad_arguments(sphere_fwd):
    fwd, _ = sphere_fwd
    with pytest.raises(ValueError, match="ch_type: the forward solution has no 'mag' channels"):
        mne_io.leadfield_from_forward(fwd, 4, ch_type="mag")
    with pytest.raises(ValueError, match="ch_type must be one of"):
        mne_io.leadfield_from_forward(fwd, 4, ch_type="ecg")
    with pytest.raises(ValueError, match="reference must be 'average', None or 'auto'"):
        mne_io.leadfield_from_forward(fwd, 4, reference="mastoid")
    with pytest.raises(ValueError, match=r"regions must be a number or \(R, 3\) centres in mm"):
        mne_io.leadfield_from_forward(fwd, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="regions: asked for 100000 regions"):
        mne_io.leadfield_from_forward(fwd, 100000)
