"""bm.objectives (issue 15): each objective against an independent NumPy/SciPy evaluation of
its written definition, batched == one by one, and `.grad` against central differences."""
from __future__ import annotations

import numpy as np
import pytest

import brainmass_dsl as bm

obj = bm.objectives


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    return rng.standard_normal((200, 6)), rng.standard_normal((200, 6))


def _fc(x):
    fc = np.nan_to_num(np.corrcoef(x.T))
    np.fill_diagonal(fc, 1.0)
    return fc


def _matcorr(a, b):
    iu = np.triu_indices(a.shape[0], k=1)
    return np.nan_to_num(np.corrcoef(a[iu], b[iu])[0, 1])


# ----------------------------------------------------------------------- values vs definitions
def test_timeseries_rmse(pair):
    p, t = pair
    assert obj.timeseries_rmse()(p, t) == pytest.approx(np.sqrt(np.mean((p - t) ** 2)), rel=1e-12)
    assert obj.timeseries_rmse()(p, p) == 0.0


def test_fc_corr_and_as_loss(pair):
    p, t = pair
    expected = _matcorr(_fc(p), _fc(t))
    assert obj.fc_corr()(p, t) == pytest.approx(expected, rel=1e-10)
    assert obj.fc_corr(as_loss=True)(p, t) == pytest.approx(1 - expected, rel=1e-10)
    assert obj.fc_corr()(p, p) == pytest.approx(1.0, abs=1e-12)


def test_fc_rmse(pair):
    p, t = pair
    expected = np.sqrt(np.mean((_fc(p) - _fc(t)) ** 2))
    assert obj.fc_rmse()(p, t) == pytest.approx(expected, rel=1e-10)


def test_cosine_sim(pair):
    p, t = pair
    a, b = p.ravel(), t.ravel()
    expected = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
    assert obj.cosine_sim()(p, t) == pytest.approx(expected, rel=1e-10)
    assert obj.cosine_sim(as_loss=True)(p, t) == pytest.approx(1 - expected, rel=1e-10)
    z = np.zeros_like(p)
    assert obj.cosine_sim(epsilon=1e-8)(z, t) == 0.0
    assert np.isnan(obj.cosine_sim()(z, t))


def test_combine_is_the_weighted_sum(pair):
    p, t = pair
    loss = obj.combine((1.0, obj.timeseries_rmse()), (0.5, obj.fc_corr(as_loss=True)))
    assert loss(p, t) == pytest.approx(obj.timeseries_rmse()(p, t)
                                       + 0.5 * obj.fc_corr(as_loss=True)(p, t), rel=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value")
def test_constant_region_gives_zero_fc_row(pair):
    p, t = pair
    p = p.copy()
    p[:, 2] = 3.0  # np.corrcoef warns (0/0) and gives NaN: the reference maps it to 0
    fc = obj.functional_connectivity(p)
    assert np.all(fc[2, [0, 1, 3, 4, 5]] == 0) and fc[2, 2] == 1
    assert obj.fc_corr()(p, t) == pytest.approx(_matcorr(_fc(p), _fc(t)), rel=1e-10)


# ------------------------------------------------------------------------ FCD, independently
def _fcd_ref(x, ws=30, step=5):
    """braintools' functional_connectivity_dynamics, written out window by window."""
    iu = np.triu_indices(x.shape[1], k=1)
    vecs = []
    for s in range(0, x.shape[0] - ws + 1, step):
        v = _fc(x[s:s + ws])[iu]
        v = v - v.mean()
        vecs.append(v / (np.linalg.norm(v) or 1.0))
    vecs = np.array(vecs)
    f = vecs @ vecs.T
    np.fill_diagonal(f, 1.0)
    return f


def _density_ref(f, mid, bw=None, n_diag=1, normalize=True):
    from scipy.stats import gaussian_kde

    d = gaussian_kde(f[np.triu_indices(f.shape[0], k=n_diag)], bw_method=bw)(mid)
    return d / (d.sum() * (mid[1] - mid[0])) if normalize else d


def test_fcd_matrix_and_correlation(pair):
    p, t = pair
    f = obj.fcd()(p)
    np.testing.assert_allclose(f, _fcd_ref(p), rtol=0, atol=1e-12)
    assert obj.fcd()(np.random.default_rng(1).standard_normal((500, 8))).shape == (95, 95)
    expected = _matcorr(_fcd_ref(p), _fcd_ref(t))
    assert obj.fcd()(p, t) == pytest.approx(expected, rel=1e-10)
    assert obj.fcd(as_loss=True)(p, t) == pytest.approx(1 - expected, rel=1e-10)
    assert obj.fcd(window_size=20, step_size=7)(p, p) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("bw, n_diag, normalize", [(None, 1, True), ("silverman", 1, True),
                                                    (0.3, 2, False), ("scott", 0, True)])
def test_fcd_distribution_is_scipys_gaussian_kde(pair, bw, n_diag, normalize):
    f = _fcd_ref(pair[0])
    mid = np.linspace(-0.99, 0.99, 100)
    got = obj.fcd_distribution(f, bw_method=bw, n_diag=n_diag, normalize=normalize)
    np.testing.assert_allclose(got, _density_ref(f, mid, bw, n_diag, normalize), rtol=1e-10)
    if normalize:
        assert got.sum() * (mid[1] - mid[0]) == pytest.approx(1.0, rel=1e-12)
    batch = obj.fcd_distribution(np.stack([f, _fcd_ref(pair[1])]), bw_method=bw,
                                 n_diag=n_diag, normalize=normalize)
    np.testing.assert_allclose(batch[0], got, rtol=1e-13)


def test_ks_distance_is_ks_2samp():
    from scipy.stats import ks_2samp

    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(300), rng.standard_normal(250) + 0.4
    grid = np.unique(np.concatenate([a, b]))
    pa = np.array([np.sum(a == g) for g in grid], float)
    pb = np.array([np.sum(b == g) for g in grid], float)
    assert obj.ks_distance(pa, pb) == pytest.approx(ks_2samp(a, b).statistic, abs=1e-12)


def test_wasserstein_1d_is_scipys_on_the_grid():
    from scipy.stats import wasserstein_distance

    rng = np.random.default_rng(3)
    x = np.linspace(-1.0, 2.0, 80)
    p, q = rng.random(80), rng.random(80)
    expected = wasserstein_distance(x, x, u_weights=p, v_weights=q)
    assert obj.wasserstein_1d(p, q, x) == pytest.approx(expected, rel=1e-10)
    assert obj.wasserstein_1d(p, p, x) == 0.0


@pytest.mark.parametrize("kind", ["ks", "wasserstein"])
def test_fcd_ks_and_wasserstein(pair, kind):
    from scipy.stats import wasserstein_distance

    p, t = pair
    t = t[:170]  # the densities compare series of different lengths
    mid = np.linspace(-0.95, 0.95, 64)
    dp = _density_ref(_fcd_ref(p, 20, 4), mid)
    dq = _density_ref(_fcd_ref(t, 20, 4), mid)
    if kind == "ks":
        expected = np.max(np.abs(np.cumsum(dp) / dp.sum() - np.cumsum(dq) / dq.sum()))
        loss = obj.fcd_ks(window_size=20, step_size=4, midpoints=mid)
    else:
        expected = wasserstein_distance(mid, mid, u_weights=dp, v_weights=dq)
        loss = obj.fcd_wasserstein(window_size=20, step_size=4, midpoints=mid)
    assert loss(p, t) == pytest.approx(expected, rel=1e-9)
    assert loss(p, p) == 0.0


def test_a_constant_series_gives_a_nan_fcd_density():
    const = np.ones((200, 6))
    assert np.isnan(obj.fcd_wasserstein()(const, const))


# ------------------------------------------------------------------------------ power spectra
@pytest.mark.parametrize("kw", [dict(), dict(fmin=20.0, fmax=200.0, nperseg=64),
                                dict(relative=True, nperseg=50, epsilon=1e-3)])
def test_psd_distance_is_on_scipys_welch(pair, kw):
    from scipy.signal import welch

    p, t = pair[0], pair[1][:150] * 3.0
    dt = 0.5  # ms -> fs = 2000 Hz
    L = kw.get("nperseg", 150)  # default: min(256, the shorter length)
    f, sp = welch(p, fs=2000.0, nperseg=L, axis=0)
    _, st = welch(t, fs=2000.0, nperseg=L, axis=0)
    band = (f >= kw.get("fmin", 1e-300)) & (f <= kw.get("fmax", np.inf))
    sp, st = sp[band], st[band]
    if kw.get("relative"):
        sp, st = sp / sp.sum(0), st / st.sum(0)
    eps = kw.get("epsilon", 0.0)
    expected = np.sqrt(np.mean((np.log10(sp + eps) - np.log10(st + eps)) ** 2))
    assert obj.psd_distance(dt, **kw)(p, t) == pytest.approx(expected, rel=1e-10)
