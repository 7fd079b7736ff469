"""Observation models (brainmass_dsl/observation): HRF kernels against their closed forms
(written here independently, SciPy's gamma density where it applies, and brainmass 0.1.1's
oracle values from the reference catalogue, section 10), TemporalAverage against NumPy and
the simulator's own averaging, HRFBold against a loop-by-loop convolution (FFT == direct),
on arrays and on saved results, and clear errors for bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import brainmass_dsl as bm
from brainmass_dsl.frontend.units import registry

U = registry()


# ============================================================================= kernels
def test_volterra_closed_form_and_oracle():
    k = bm.FirstOrderVolterraHRFKernel()
    t_ms = np.linspace(0.0, 20000.0, 2001)
    ts = t_ms / 1000.0
    omega = math.sqrt(1 / 0.4 - 1 / (4 * 0.8 ** 2))
    want = (1 / 3) * np.exp(-ts / 1.6) * np.sin(omega * ts) / omega
    np.testing.assert_allclose(k(t_ms), want, rtol=1e-13, atol=1e-16)
    assert k(np.array([0.0]))[0] == 0.0
    # brainmass 0.1.1 at 1 s and 5 s (catalogue section 4)
    np.testing.assert_allclose(k(np.array([1000.0, 5000.0])), [0.121987, 0.00836717], rtol=1e-5)
    # a time quantity in any unit is the same grid; a plain array is ms
    np.testing.assert_allclose(k(U.Quantity(ts, "s")), k(t_ms), rtol=1e-14)
    custom = bm.FirstOrderVolterraHRFKernel(tau_s=1.2, tau_f=0.5, scaling=2.0)
    w = math.sqrt(1 / 0.5 - 1 / (4 * 1.2 ** 2))
    np.testing.assert_allclose(custom(t_ms), 2.0 * np.exp(-ts / 2.4) * np.sin(w * ts) / w,
                               rtol=1e-13, atol=1e-16)


def test_gamma_kernel_closed_form():
    tau, n, a = 1.08, 3.0, 0.1
    t_ms = np.linspace(0.0, 21600.0, 10001)          # holds the analytic peak (n-1) tau
    ts = t_ms / 1000.0
    got = bm.GammaHRFKernel()(t_ms)
    peak = (n - 1) * tau
    np.testing.assert_allclose(got, a * (ts / peak) ** (n - 1) * np.exp(-(ts - peak) / tau),
                               rtol=1e-12, atol=1e-18)
    assert got.max() == pytest.approx(a, rel=1e-14)
    dens = stats.gamma.pdf(ts, n, scale=tau)          # the same shape, SciPy's density
    np.testing.assert_allclose(got, a * dens / dens.max(), rtol=1e-12, atol=1e-18)
    other = bm.GammaHRFKernel(tau=0.5, n=6.0, a=2.0)(t_ms)
    dens = stats.gamma.pdf(ts, 6.0, scale=0.5)
    np.testing.assert_allclose(other, 2.0 * dens / dens.max(), rtol=1e-12, atol=1e-18)


def test_double_exponential_closed_form():
    t_ms = np.linspace(0.0, 40000.0, 4001)
    ts = t_ms / 1000.0
    g = 0.1 * np.exp(-ts / 7.22) * np.sin(2 * np.pi * 0.03 * ts) \
        - 0.1 * np.exp(-ts / 7.4) * np.sin(2 * np.pi * 0.12 * ts)
    got = bm.DoubleExponentialHRFKernel()(t_ms)
    np.testing.assert_allclose(got, 0.1 * g / g.max(), rtol=1e-12, atol=1e-18)
    assert got.max() == pytest.approx(0.1, rel=1e-14) and got[0] == 0.0
    k = bm.DoubleExponentialHRFKernel(tau_1=3.0, tau_2=5.0, f_1=0.05, f_2=0.2, amp_1=1.0,
                                      amp_2=0.3, a=1.0)
    g = np.exp(-ts / 3.0) * np.sin(2 * np.pi * 0.05 * ts) \
        - 0.3 * np.exp(-ts / 5.0) * np.sin(2 * np.pi * 0.2 * ts)
    np.testing.assert_allclose(k(t_ms), g / g.max(), rtol=1e-12, atol=1e-18)


def test_mixture_of_gammas_closed_form_and_oracle():
    t_ms = np.linspace(0.0, 20000.0, 2001)
    ts = t_ms / 1000.0
    k = bm.MixtureOfGammasHRFKernel()
    np.testing.assert_allclose(k(np.array([1000.0, 5000.0])), [0.00306566, 0.174093], rtol=1e-5)
    # SciPy's gamma densities with rate l: pdf = l (l t)**(a-1) exp(-l t) / Gamma(a)
    for a_1, a_2, l, c in ((6.0, 13.0, 1.0, 0.4), (5.0, 11.0, 1.3, 0.25)):
        got = bm.MixtureOfGammasHRFKernel(a_1=a_1, a_2=a_2, l=l, c=c)(t_ms)
        want = (stats.gamma.pdf(ts, a_1, scale=1 / l) - c * stats.gamma.pdf(ts, a_2, scale=1 / l)) / l
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-16)


def test_kernel_errors_name_the_argument():
    with pytest.raises(ValueError, match="tau_s, tau_f"):
        bm.FirstOrderVolterraHRFKernel(tau_s=0.2, tau_f=0.4)   # omega imaginary
    with pytest.raises(ValueError, match="duration"):
        bm.GammaHRFKernel(duration=-1.0)
    with pytest.raises(ValueError, match="n must be"):
        bm.GammaHRFKernel(n=0.5)
    with pytest.raises(ValueError, match="tau_1"):
        bm.DoubleExponentialHRFKernel(tau_1=float("nan"))
    with pytest.raises(NotImplementedError):
        bm.HRFKernel()(np.zeros(3))
    assert bm.GammaHRFKernel(duration=U.Quantity(30, "s")).duration_ms == 30000.0


# ============================================================================= TemporalAverage
def _window_means_loop(x, w):
    n = x.shape[0] // w
    return np.array([sum(x[k * w + j] for j in range(w)) / w for k in range(n)])


def test_temporal_average_against_numpy():
    x = np.random.default_rng(1).normal(size=(103, 3, 4))
    got = bm.TemporalAverage(period=5.0)(x, dt=1.0)
    assert got.shape == (20, 3, 4)                     # 3 trailing samples dropped
    np.testing.assert_allclose(got, _window_means_loop(x, 5), rtol=1e-13)
    np.testing.assert_allclose(got, x[:100].reshape(20, 5, 3, 4).mean(axis=1), rtol=1e-13)
    # brainmass's example; 1-D signals; periods and steps as quantities
    np.testing.assert_array_equal(bm.TemporalAverage(5.0)(np.arange(20.0), 1.0), [2, 7, 12, 17])
    q = bm.TemporalAverage(U.Quantity(0.5, "s"))(x, dt=U.Quantity(100, "ms"))
    np.testing.assert_allclose(q, got, rtol=1e-13)
    # a quantity keeps its unit
    mv = bm.TemporalAverage(5.0)(U.Quantity(x, "mV"), dt=1.0)
    assert str(mv.units) == "millivolt"
    np.testing.assert_allclose(mv.magnitude, got, rtol=1e-13)


def test_temporal_average_of_a_result_equals_the_simulators_averaging(tmp_path):
    m = bm.HopfStep(4, a=bm.per_node([0.25, 0.1, -0.1, 0.3]), init_x=0.3)
    res = bm.Simulator(m, dt=0.1).run(200.0, progress=False)
    avg = bm.Simulator(m, dt=0.1).run(200.0, progress=False, sample_every=25, average=True)
    ta = bm.TemporalAverage(period=2.5)(res)
    assert set(ta.data) == {"x", "y"} and ta.units == res.units
    for key in ("x", "y"):
        np.testing.assert_allclose(ta[key], avg[key], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(ta[key], _window_means_loop(res[key], 25), rtol=1e-12,
                                   atol=1e-15)
    np.testing.assert_allclose(ta.ts, avg.ts, rtol=1e-12)
    # a saved result: the sampling step comes from its times
    res.save(tmp_path / "run.npz")
    again = bm.TemporalAverage(period=2.5)(bm.Result.load(tmp_path / "run.npz"))
    np.testing.assert_array_equal(again["x"], ta["x"])


def test_temporal_average_errors():
    x = np.ones((50, 2))
    with pytest.raises(ValueError, match="period = 2.5 ms must be a whole multiple of dt = 1 ms"):
        bm.TemporalAverage(2.5)(x, dt=1.0)
    with pytest.raises(ValueError, match="period"):
        bm.TemporalAverage(0.5)(x, dt=1.0)
    bad = x.copy()
    bad[7, 1] = np.nan
    with pytest.raises(ValueError, match=r"signal must be finite.*\(7, 1\)"):
        bm.TemporalAverage(5.0)(bad, dt=1.0)
    with pytest.raises(ValueError, match="dt"):
        bm.TemporalAverage(5.0)(x)
    with pytest.raises(ValueError, match="dt"):
        bm.TemporalAverage(5.0)(x, dt=-1.0)
    with pytest.raises(ValueError, match="signal has 3 samples"):
        bm.TemporalAverage(5.0)(x[:3], dt=1.0)
    with pytest.raises(ValueError, match="time axis"):
        bm.TemporalAverage(5.0)(np.float64(1.0), dt=1.0)


# ============================================================================= HRFBold
def _bold_reference(ys, h, step, k_1=5.6, V_0=0.02):
    """'valid' with K zero rows of history, by loops: out[i] = sum_j h[j] ys[i-1-j]."""
    out = []
    for i in range(step, len(ys) + 1, step):
        acc = np.zeros(ys.shape[1:])
        for j in range(len(h)):
            if i - 1 - j >= 0:
                acc = acc + h[j] * ys[i - 1 - j]
        out.append(k_1 * V_0 * (acc - 1.0))
    return np.array(out)


def _signal(T=6000, n=3, seed=2):
    t = np.arange(T)[:, None]
    rng = np.random.default_rng(seed)
    return 1.0 + 0.5 * np.sin(2 * np.pi * t / (700.0 + 300 * np.arange(n))) \
        + 0.1 * rng.normal(size=(T, n))


def test_hrf_bold_on_a_known_signal():
    z = _signal()
    kernel = bm.GammaHRFKernel(duration=2000.0)
    hb = bm.HRFBold(period=200.0, downsample_period=4.0, kernel=kernel)
    got = hb(z, dt=1.0)
    ys = z.reshape(1500, 4, 3).mean(axis=1)
    h = kernel(np.arange(500) * 4.0)                   # K = 2000 / 4 samples, 4 ms apart
    np.testing.assert_allclose(hb.hrf(), h, rtol=1e-15)
    want = _bold_reference(ys, h, 50)
    assert got.shape == want.shape == (30, 3)
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)
    # an impulse gives back the kernel, sampled at the TR
    imp = np.zeros((6000, 1))
    imp[:4] = 2.0
    out = hb(imp, dt=1.0)[:, 0]
    want = 5.6 * 0.02 * (2.0 * np.concatenate([h, np.zeros(1000)])[np.arange(49, 1500, 50)] - 1)
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_hrf_bold_fft_equals_direct(mode):
    z = _signal(T=4000, n=4)
    kw = dict(period=100.0, downsample_period=2.0, convolution_mode=mode,
              kernel=bm.FirstOrderVolterraHRFKernel(duration=1000.0))
    fft = bm.HRFBold(**kw, method="fft")(z, dt=0.5)
    direct = bm.HRFBold(**kw, method="direct")(z, dt=0.5)
    assert fft.shape == direct.shape
    np.testing.assert_allclose(fft, direct, rtol=1e-10, atol=1e-12)
    # numpy's own convolution of the padded, averaged signal
    ys = z.reshape(-1, 4, 4).mean(axis=1)
    h = kw["kernel"](np.arange(500) * 2.0)
    x = np.concatenate([np.zeros((500, 4)), ys])
    conv = np.stack([np.convolve(x[:, j], h, mode=mode) for j in range(4)], axis=1)
    np.testing.assert_allclose(direct, (5.6 * 0.02 * (conv - 1))[50::50], rtol=1e-12)


def test_hrf_bold_regions_and_history_warm_start():
    z = _signal(T=8000, n=6).reshape(8000, 2, 3)     # regions in two dimensions
    kernel = bm.MixtureOfGammasHRFKernel(duration=1600.0)
    whole = bm.HRFBold(period=400.0, kernel=kernel)(z, dt=1.0)
    assert whole.shape == (20, 2, 3)
    # the second half with the first half's last K averaged samples as history
    first = bm.TemporalAverage(4.0)(z[:4000], dt=1.0)
    second = bm.HRFBold(period=400.0, kernel=kernel, history=first[-400:])(z[4000:], dt=1.0)
    np.testing.assert_allclose(second, whole[10:], rtol=1e-11, atol=1e-13)
    with pytest.raises(ValueError, match=r"history must have shape \(400, 2, 3\)"):
        bm.HRFBold(period=400.0, kernel=kernel, history=first[-399:])(z, dt=1.0)


def test_hrf_bold_on_a_result(tmp_path):
    m = bm.HopfStep(3, a=bm.per_node([0.25, 0.1, 0.05]), init_x=0.3)
    res = bm.Simulator(m, dt=0.5).run(20_000.0, progress=False)
    hb = bm.HRFBold(period=1000.0, downsample_period=4.0)
    out = hb(res, var="x")
    np.testing.assert_array_equal(out["bold"], hb(res["x"], dt=0.5))
    np.testing.assert_allclose(out.ts, 1000.0 * np.arange(1, 21))
    assert out.units == {"bold": "1"} and out["bold"].shape == (20, 3)
    res.save(tmp_path / "hopf.npz")
    loaded = hb(bm.Result.load(tmp_path / "hopf.npz"), var="x")
    np.testing.assert_array_equal(loaded["bold"], out["bold"])
    with pytest.raises(ValueError, match="var: the result holds x, y"):
        hb(res)
    with pytest.raises(ValueError, match="no 'rE'"):
        hb(res, var="rE")


def test_hrf_bold_errors_name_the_argument():
    z = np.ones((4000, 2))
    with pytest.raises(ValueError, match="period = 1001 ms must be a whole multiple of "
                                         "downsample_period = 4 ms"):
        bm.HRFBold(period=1001.0)
    with pytest.raises(ValueError, match="downsample_period = 4 ms must be a whole multiple "
                                         "of dt = 3 ms"):
        bm.HRFBold()(z, dt=3.0)
    bad = z.copy()
    bad[10, 0] = np.inf
    with pytest.raises(ValueError, match="signal must be finite"):
        bm.HRFBold()(bad, dt=1.0)
    with pytest.raises(ValueError, match="convolution_mode"):
        bm.HRFBold(convolution_mode="circular")
    with pytest.raises(ValueError, match="method"):
        bm.HRFBold(method="wavelet")
    with pytest.raises(TypeError, match="kernel must be an HRFKernel"):
        bm.HRFBold(kernel=lambda t: t)
    with pytest.raises(ValueError, match="too short"):
        bm.HRFBold(period=2000.0)(z[:1000], dt=1.0)
    with pytest.raises(ValueError, match="k_1"):
        bm.HRFBold(k_1=float("nan"))
    with pytest.raises(ValueError, match="dt"):
        bm.HRFBold()(z)
