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


# ---------------------------------------------------------------- batched == one by one; grads
def _objectives():
    """(id, objective) for every builder, sized for a (60, 5) series."""
    return [
        ("timeseries_rmse", obj.timeseries_rmse()),
        ("fc_corr", obj.fc_corr()),
        ("fc_corr_loss", obj.fc_corr(as_loss=True)),
        ("fc_rmse", obj.fc_rmse()),
        ("cosine_sim", obj.cosine_sim()),
        ("cosine_sim_loss_eps", obj.cosine_sim(as_loss=True, epsilon=1e-3)),
        ("fcd", obj.fcd(window_size=10, step_size=5)),
        ("fcd_loss", obj.fcd(window_size=12, step_size=3, as_loss=True)),
        ("fcd_ks", obj.fcd_ks(window_size=10, step_size=5)),
        ("fcd_wasserstein", obj.fcd_wasserstein(window_size=10, step_size=5)),
        ("fcd_wasserstein_silverman_n0",
         obj.fcd_wasserstein(window_size=10, step_size=4, bw_method="silverman", n_diag=0)),
        ("fcd_wasserstein_fixed_bw",
         obj.fcd_wasserstein(window_size=10, step_size=4, bw_method=0.4,
                             midpoints=np.linspace(-0.9, 0.9, 40))),
        ("psd_distance", obj.psd_distance(dt=1.0, nperseg=16)),
        ("psd_distance_relative_band",
         obj.psd_distance(dt=1.0, nperseg=15, relative=True, fmin=100.0, fmax=400.0,
                          epsilon=1e-4)),
        ("combine", obj.combine((1.0, obj.timeseries_rmse()), (0.5, obj.fc_corr(as_loss=True)),
                                (2.0, obj.fcd_wasserstein(window_size=10, step_size=5)))),
    ]


OBJECTIVES = _objectives()


@pytest.fixture
def small():
    rng = np.random.default_rng(7)
    return rng.standard_normal((60, 5)), rng.standard_normal((60, 5))


@pytest.mark.parametrize("name, o", OBJECTIVES, ids=[n for n, _ in OBJECTIVES])
def test_batched_is_one_by_one(small, name, o):
    p, t = small
    rng = np.random.default_rng(11)
    P = p + 0.5 * rng.standard_normal((3, 60, 5))
    T = t + 0.5 * rng.standard_normal((3, 60, 5))
    shared, each = o(P, t), o(P, T)
    assert shared.shape == (3,) and each.shape == (3,)
    np.testing.assert_allclose(shared, [o(x, t) for x in P], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(each, [o(x, y) for x, y in zip(P, T)], rtol=1e-13, atol=1e-15)
    v, g = o.value_and_grad(P, T)
    assert g.shape == P.shape
    np.testing.assert_allclose(v, each, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(g, [o.grad(x, y) for x, y in zip(P, T)], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name, o", OBJECTIVES, ids=[n for n, _ in OBJECTIVES])
def test_grad_is_central_differences(small, name, o):
    p, t = small
    g = o.grad(p, t)
    assert g.shape == p.shape
    assert o.value_and_grad(p, t)[0] == o(p, t)
    rng = np.random.default_rng(3)
    picks = [np.unravel_index(i, p.shape) for i in rng.choice(p.size, 16, replace=False)]
    h = 1e-5
    fd = []
    for ij in picks:
        up, down = p.copy(), p.copy()
        up[ij] += h
        down[ij] -= h
        fd.append((o(up, t) - o(down, t)) / (2 * h))
    fd, an = np.array(fd), np.array([g[ij] for ij in picks])
    assert np.linalg.norm(fd) > 0
    assert np.linalg.norm(an - fd) <= 1e-6 * np.linalg.norm(fd), (an, fd)


def test_a_constant_region_has_a_zero_fc_gradient(small):
    p, t = small
    p = p.copy()
    p[:, 1] = 0.7
    o = obj.fc_corr(as_loss=True)
    g = o.grad(p, t)
    assert np.all(g[:, 1] == 0) and np.any(g[:, 0] != 0)
    h = 1e-5
    for ij in [(4, 0), (33, 3), (59, 4)]:
        up, down = p.copy(), p.copy()
        up[ij] += h
        down[ij] -= h
        assert g[ij] == pytest.approx((o(up, t) - o(down, t)) / (2 * h), rel=1e-6)


def test_combine_grad_chains_and_needs_gradients(small):
    p, t = small
    a, b = obj.timeseries_rmse(), obj.fc_rmse()
    loss = obj.combine((2.0, a), (-0.5, b))
    np.testing.assert_allclose(loss.grad(p, t), 2.0 * a.grad(p, t) - 0.5 * b.grad(p, t),
                               rtol=1e-14)
    custom = obj.combine((1.0, a), (1.0, lambda x, y: float(np.sum(x))))
    assert custom(p, t) == pytest.approx(a(p, t) + np.sum(p))
    with pytest.raises(TypeError, match="objective 1"):
        custom.grad(p, t)


# -------------------------------------------------------------------------- units and refusals
def test_quantities_are_read_in_the_other_arguments_unit(small):
    import pint

    ureg = pint.UnitRegistry()
    p, t = small
    rmse = obj.timeseries_rmse()
    assert rmse(p * ureg.mV, (t / 1000) * ureg.V) == pytest.approx(rmse(p, t), rel=1e-12)
    np.testing.assert_allclose(rmse.grad(p * ureg.mV, (t / 1000) * ureg.V), rmse.grad(p, t),
                               rtol=1e-12)
    assert rmse(p * ureg.mV, t) == pytest.approx(rmse(p, t), rel=1e-12)
    assert obj.fc_corr()(p * ureg.Hz, t * ureg.kHz) == pytest.approx(obj.fc_corr()(p, t))
    with pytest.raises(ValueError, match="mV.*Hz|dimension"):
        rmse(p * ureg.mV, t * ureg.Hz)
    assert obj.psd_distance(dt=1.0 * ureg.ms, nperseg=16)(p, t) == pytest.approx(
        obj.psd_distance(dt=0.001 * ureg.s, nperseg=16)(p, t), rel=1e-12)


@pytest.mark.parametrize("call, error, match", [
    (lambda p, t: obj.timeseries_rmse()(p, t[:50]), ValueError, "time points"),
    (lambda p, t: obj.fc_corr()(p, t[:, :4]), ValueError, "regions"),
    (lambda p, t: obj.fc_corr()(p[:, 0], t), ValueError, "prediction must be"),
    (lambda p, t: obj.fc_rmse()(p, t[None, None]), ValueError, "target must be"),
    (lambda p, t: obj.timeseries_rmse()(p, np.stack([t, t])), ValueError, "batch axis"),
    (lambda p, t: obj.timeseries_rmse()(np.stack([p] * 3), np.stack([t] * 2)), ValueError,
     "batch size"),
    (lambda p, t: obj.fc_corr()(p), TypeError, "target is needed"),
    (lambda p, t: obj.fc_corr()(p.astype(str), t), TypeError, "prediction must hold"),
    (lambda p, t: obj.fcd(window_size=80)(p), ValueError, "window_size 80 is larger"),
    (lambda p, t: obj.fcd(window_size=1), ValueError, "window_size must be > 1"),
    (lambda p, t: obj.fcd(step_size=0), ValueError, "step_size must be > 0"),
    (lambda p, t: obj.fcd(window_size=10.5), TypeError, "window_size must be an integer"),
    (lambda p, t: obj.fcd(10, 5)(p, t[:40]), ValueError, "windows"),
    (lambda p, t: obj.fcd_wasserstein(bw_method="wide"), TypeError, "bw_method"),
    (lambda p, t: obj.fcd_ks(midpoints=[0.5]), ValueError, "midpoints"),
    (lambda p, t: obj.fcd_distribution(np.ones((3, 4))), ValueError, "square"),
    (lambda p, t: obj.ks_distance([1, 2], [1, 2, 3]), ValueError, "same grid"),
    (lambda p, t: obj.wasserstein_1d([1, 2], [1, 2], [0, 1, 2]), ValueError, "x must be"),
    (lambda p, t: obj.psd_distance(dt=1.0, nperseg=100)(p, t), ValueError, "nperseg 100"),
    (lambda p, t: obj.psd_distance(dt=-1.0), ValueError, "dt must be > 0"),
    (lambda p, t: obj.psd_distance(dt=1.0, fmin=600.0)(p, t), ValueError, "no frequency"),
    (lambda p, t: obj.cosine_sim(epsilon=-1), ValueError, "epsilon"),
    (lambda p, t: obj.combine(), ValueError, "at least one"),
    (lambda p, t: obj.combine(obj.fc_rmse()), TypeError, "pair"),
    (lambda p, t: obj.combine(("1", obj.fc_rmse())), TypeError, "weight"),
])
def test_bad_input_is_refused_by_name(small, call, error, match):
    p, t = small
    with pytest.raises(error, match=match):
        call(p, t)


def test_the_namespace_has_brainmass_names():
    assert "objectives" in bm.__all__
    from brainmass_dsl import objectives

    for name in ["timeseries_rmse", "fc_corr", "fc_rmse", "cosine_sim", "fcd",
                 "fcd_distribution", "ks_distance", "wasserstein_1d", "fcd_ks",
                 "fcd_wasserstein", "combine", "psd_distance"]:
        assert name in objectives.__all__ and callable(getattr(objectives, name))
    assert "fc_corr" in repr(objectives.fc_corr())


def test_distances_batch_over_leading_axes():
    rng = np.random.default_rng(5)
    p, q, x = rng.random((4, 30)), rng.random((4, 30)), np.linspace(0, 1, 30)
    np.testing.assert_allclose(obj.ks_distance(p, q), [obj.ks_distance(a, b) for a, b in zip(p, q)])
    np.testing.assert_allclose(obj.wasserstein_1d(p, q, x),
                               [obj.wasserstein_1d(a, b, x) for a, b in zip(p, q)])
    f = obj.fcd(10, 5)(rng.standard_normal((3, 60, 5)))
    assert f.shape == (3, 11, 11)


@pytest.mark.parametrize("name, o", OBJECTIVES, ids=[n for n, _ in OBJECTIVES])
def test_objectives_pickle(small, name, o):
    """A fitter sends objectives to worker processes (plain pickle, no closures)."""
    import pickle

    p, t = small
    o2 = pickle.loads(pickle.dumps(o))
    assert o2(p, t) == o(p, t)
    np.testing.assert_array_equal(o2.grad(p, t), o.grad(p, t))
