"""Lead-field forward models (issue 13 item 4): projection, units, shapes, sensor noise."""
from __future__ import annotations

import numpy as np
import pytest

import brainmass_dsl as bm
from brainmass_dsl.forward import (EEGLeadFieldModel, LeadFieldModel, MEGLeadFieldModel,
                                   synthetic_leadfield)
from brainmass_dsl.frontend.units import registry

R, M = 6, 5


@pytest.fixture
def L():
    return np.random.default_rng(1).normal(size=(R, M))


def q(x, unit):
    return registry().Quantity(np.asarray(x, float), unit)


# ------------------------------------------------------------------ projection
def test_projection_is_sources_times_leadfield(L):
    src = np.random.default_rng(2).normal(size=(50, R))
    model = LeadFieldModel(R, M, L)                      # plain L: mV/(nA*m)
    np.testing.assert_allclose(model.update(src), src @ L, rtol=1e-14)
    np.testing.assert_allclose(model(src), src @ L, rtol=1e-14)


def test_names_at_top_level_and_static_helpers():
    assert bm.LeadFieldModel is LeadFieldModel and bm.EEGLeadFieldModel is EEGLeadFieldModel
    assert bm.MEGLeadFieldModel is MEGLeadFieldModel
    assert LeadFieldModel.compress_vertex_leadfield is bm.forward.compress_vertex_leadfield
    assert (LeadFieldModel.build_fixed_orientation_weights
            is bm.forward.build_fixed_orientation_weights)


def test_leading_axes_batch_and_tuple_sizes(L):
    src = np.random.default_rng(3).normal(size=(7, 3, R))
    model = LeadFieldModel((R,), (M,), L)
    assert (model.R, model.M) == (R, M)
    np.testing.assert_allclose(model(src), src @ L, rtol=1e-14)


def test_leadfield_unit_is_converted(L):
    # the same lead field in V/(A*m): 1 V/(A*m) = 1e-6 mV/(nA*m)
    src = np.random.default_rng(4).normal(size=(10, R))
    model = LeadFieldModel(R, M, q(L / 1e-6, "V/(A*m)"))
    np.testing.assert_allclose(model(src), src @ L, rtol=1e-12)
    # sensors in uV: numbers x 1000
    model_uv = LeadFieldModel(R, M, q(L, "mV/(nA*m)"), sensor_unit="uV")
    np.testing.assert_allclose(model_uv(src), 1e3 * (src @ L), rtol=1e-12)


def test_scale_and_observable_units(L):
    src = np.random.default_rng(5).normal(size=(10, R))
    eeg = EEGLeadFieldModel(R, M, q(L, "mV/(nA*m)"))      # scale 1 nA*m per mV
    np.testing.assert_allclose(eeg(src), src @ L, rtol=1e-14)               # plain: mV
    np.testing.assert_allclose(eeg(q(src, "V")), 1e3 * (src @ L), rtol=1e-12)
    custom = LeadFieldModel(R, M, L, scale=q(2.0, "nA*m/mV"))
    np.testing.assert_allclose(custom(src), 2 * (src @ L), rtol=1e-14)
    per_region = LeadFieldModel(R, M, L, scale=np.arange(1.0, R + 1))       # dipoles already
    np.testing.assert_allclose(per_region(src), (src * np.arange(1.0, R + 1)) @ L, rtol=1e-14)
    np.testing.assert_allclose(per_region.projection, np.arange(1.0, R + 1)[:, None] * L)
    np.testing.assert_allclose(custom.projection, 2 * L)
    meg = MEGLeadFieldModel(R, M, q(L, "fT/(nA*m)"), sensor_unit="fT")
    np.testing.assert_allclose(meg(src), src @ L, rtol=1e-14)


# ------------------------------------------------------------------ errors
def test_columns_not_matching_the_regions_name_L(L):
    with pytest.raises(ValueError, match=r"L must be \(R, M\) = \(6, 5\).*transposed"):
        LeadFieldModel(R, M, L.T)
    with pytest.raises(ValueError, match=r"L must be \(R, M\) = \(7, 5\).*in_size\[-1\] = 7"):
        LeadFieldModel(7, M, L)


def test_wrong_leadfield_unit_names_L(L):
    with pytest.raises(ValueError, match=r"L must be in a unit of mV / m / nA \(sensor_unit / "
                                         r"dipole_unit\); got T / m / nA"):
        LeadFieldModel(R, M, q(L, "T/(nA*m)"))
    with pytest.raises(ValueError, match="L must be in a unit of"):
        EEGLeadFieldModel(R, M, q(L, "V"))


def test_wrong_sensor_unit_and_observable(L):
    with pytest.raises(ValueError, match="sensor_unit must be a unit of electric potential"):
        EEGLeadFieldModel(R, M, L, sensor_unit="T")
    with pytest.raises(ValueError, match="sensor_unit must be a unit of magnetic field"):
        MEGLeadFieldModel(R, M, L, sensor_unit="V")
    with pytest.raises(ValueError, match="sensor_unit: 'blorps' is not a unit"):
        LeadFieldModel(R, M, L, sensor_unit="blorps")
    eeg = EEGLeadFieldModel(R, M, L)
    with pytest.raises(ValueError, match="nmm_obs_or_dipoles must be in a unit of mV"):
        eeg(q(np.ones((3, R)), "Hz"))
    with pytest.raises(ValueError, match=r"nmm_obs_or_dipoles must be \(\.\.\., R\) with R = 6"):
        eeg(np.ones((3, R + 1)))
    with pytest.raises(ValueError, match="nmm_obs_or_dipoles contains NaN"):
        eeg(np.full((3, R), np.nan))
    with pytest.raises(ValueError, match=r"scale must be a number or one value per region"):
        LeadFieldModel(R, M, L, scale=np.ones(R + 1))


def test_non_psd_covariance_is_refused_naming_noise_cov(L):
    bad = np.diag([1.0, 1.0, 1.0, 1.0, -0.5])
    with pytest.raises(ValueError, match="noise_cov is not positive semi-definite: its smallest "
                                         "eigenvalue is -0.5"):
        LeadFieldModel(R, M, L, noise_cov=bad)
    with pytest.raises(ValueError, match="noise_cov is not symmetric"):
        LeadFieldModel(R, M, L, noise_cov=np.eye(M) + np.triu(np.ones((M, M)), 1))
    with pytest.raises(ValueError, match=r"noise_cov must be a \(5, 5\) covariance"):
        LeadFieldModel(R, M, L, noise_cov=np.eye(M + 1))
    with pytest.raises(ValueError, match=r"noise_cov must be in a unit of .*\(sensor_unit\*\*2\); "
                                         r"got mV"):
        LeadFieldModel(R, M, L, noise_cov=q(np.eye(M), "mV"))


# ------------------------------------------------------------------ sensor noise
def test_noise_has_the_requested_covariance_and_is_reproducible(L):
    rng = np.random.default_rng(7)
    A = rng.normal(size=(M, M))
    cov = A @ A.T + 0.1 * np.eye(M)                      # full (not diagonal) covariance
    model = LeadFieldModel(R, M, L, noise_cov=cov, seed=11)
    src = np.zeros((200_000, R))
    noise = model(src)
    F = model.noise_factor
    np.testing.assert_allclose(F @ F.T, cov, rtol=1e-10, atol=1e-12)
    emp = np.cov(noise, rowvar=False)
    # standard error of a sample covariance entry ~ sqrt((C_ii C_jj + C_ij^2) / n) ~ 0.3% here
    scale = np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    assert np.abs(emp - cov).max() / scale.max() < 0.02
    # brainmass's factor order (z @ Lc, Lc lower Cholesky) would give Lc^T Lc: far from cov
    Lc = np.linalg.cholesky(cov)
    assert np.abs(Lc.T @ Lc - cov).max() / scale.max() > 0.1
    np.testing.assert_allclose(noise.mean(0), 0, atol=0.02 * np.sqrt(np.diag(cov)).max())
    again = LeadFieldModel(R, M, L, noise_cov=cov, seed=11)(src[:100])
    np.testing.assert_array_equal(again, noise[:100])
    other = LeadFieldModel(R, M, L, noise_cov=cov, seed=12)(src[:100])
    assert not np.array_equal(other, noise[:100])


def test_singular_covariance_and_units(L):
    # rank-deficient (average-referenced) covariance: fine, and the noise lies in its range
    H = np.eye(M) - 1.0 / M
    model = LeadFieldModel(R, M, L, noise_cov=q(H * 1e-6, "V**2"), seed=0)  # = H mV^2
    np.testing.assert_allclose(model.noise_cov, H, rtol=1e-12)
    noise = model(np.zeros((50_000, R)))
    np.testing.assert_allclose(noise.sum(axis=1), 0, atol=1e-10)
    assert np.abs(np.cov(noise, rowvar=False) - H).max() < 0.03


# ------------------------------------------------------------------ on a saved Result
def test_observe_a_saved_result(tmp_path, L):
    from brainmass_dsl.runtime.results import Result

    src = np.random.default_rng(8).normal(size=(20, R))
    res = Result({"eeg": src * 1e-3, "other": src}, np.arange(20) * 0.1,
                 {"eeg": "V", "other": ""}, meta={"model": "X"})
    eeg = EEGLeadFieldModel(R, M, L)
    path = res.save(tmp_path / "r.npz")
    loaded = Result.load(path)
    out = eeg.observe(loaded, output="eeg")              # V -> mV on the way in
    np.testing.assert_allclose(out["eeg"], src @ L, rtol=1e-12)
    np.testing.assert_array_equal(out.ts, res.ts)
    assert out.units == {"eeg": "mV"} and out.meta["source_output"] == "eeg"
    plain = eeg.observe(loaded, output="other", name="scalp")   # no unit: plain numbers
    np.testing.assert_allclose(plain["scalp"], src @ L, rtol=1e-14)
    with pytest.raises(ValueError, match=r"output: the result records several signals"):
        eeg.observe(loaded)
    with pytest.raises(ValueError, match=r"output: the result has no signal 'x'"):
        eeg.observe(loaded, output="x")
    bad = Result({"r": src}, np.arange(20) * 0.1, {"r": "Hz"})
    with pytest.raises(ValueError, match=r"output 'r' of the result: nmm_obs_or_dipoles must "
                                         r"be in a unit of mV"):
        eeg.observe(bad)


@pytest.mark.slow
def test_observe_a_jansen_rit_run_with_the_synthetic_leadfield():
    bm.environ.set(dt=0.1)
    res = bm.Simulator(bm.JansenRitStep(in_size=68)).run(20.0)
    lf = synthetic_leadfield()
    eeg = lf.eeg_model()
    out = eeg.observe(res)
    assert out["eeg"].shape == (len(res.ts), 64) and out.labels[0] == "E01"
    want = res["eeg"] @ lf.quantity.to("mV/(nA*m)").magnitude   # output in mV, 1 nA*m per mV
    np.testing.assert_allclose(out["eeg"], want, rtol=1e-12)
