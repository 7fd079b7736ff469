"""The noise catalogue (models/noise/): statistics of every process against its theory.

Every node draws its own noise, so each test averages over NODES independent nodes and
over time (fixed seeds). NODES stays below 64 so that only the serial kernel is compiled:
the parallel one would add several seconds per model on a cold kernel cache, more than the
longer runs cost. What is checked:

- OUProcess: stationary mean, variance sigma**2 (not brainmass's sigma**2 / 2) and
  autocorrelation time tau;
- BrownianNoise: Var[x(t)] = sigma**2 t;
- GaussianNoise wired into a linear node: stationary variance sigma**2 tau / 2 at two time
  steps (the sqrt(dt) scaling; brainmass's dt scaling would make it proportional to dt);
- ColoredNoise: the slope of the power spectrum over time (Welch, averaged over nodes) is
  -beta over two decades for pink, brown, blue, violet and beta = 0.5; its standard
  deviation is sigma; nodes are independent (colouring is in time, not across regions);
  PinkNoise, BrownNoise, BlueNoise and VioletNoise are ColoredNoise with their beta;
- wiring: brainmass-style construction and noise_x=..., prefixed parameters that change
  without recompiling.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import welch

import brainmass_dsl as bm
from brainmass_dsl.frontend import ast
from brainmass_dsl.frontend.printer import format_expr, format_member

# Fewer than 64 independent nodes run the serial kernel: the parallel one would only add its
# compile time to a cold cache. Long runs give the samples instead.
NODES = 50


def run(model, duration, dt, **kw):
    return bm.Simulator(model, dt=dt).run(duration, progress=False, **kw)


# ============================================================================= OU
def test_ou_mean_variance_and_correlation_time():
    """dx = (mean - x)/tau dt + sigma sqrt(2/tau) dW: mean, Var = sigma**2, ACF exp(-s/tau)."""
    mean, sigma, tau = 0.3, 0.5, 10.0
    ou = bm.OUProcess(NODES, mean=mean, sigma=sigma, tau=tau)     # brainmass's signature
    x = run(ou, 30100.0, 0.1, transient=100.0, sample_every=10, seed=7)["x"]  # 1 ms samples
    assert x.shape == (30000, NODES)
    assert x.mean() == pytest.approx(mean, rel=0.03)
    # exp_euler: sigma**2 (1 + dt/tau) to first order (+1% here); brainmass: ~ sigma**2 / 2
    assert x.var() == pytest.approx(sigma**2, rel=0.03)
    xc = x - x.mean()
    lags = np.arange(1, 11)                                         # 1 .. 10 ms = tau
    acf = np.array([(xc[s:] * xc[:-s]).mean() for s in lags]) / xc.var()
    tau_fit = -1.0 / np.polyfit(lags, np.log(acf), 1)[0]
    assert tau_fit == pytest.approx(tau, rel=0.03)


# ============================================================================= Brownian
def test_brownian_variance_grows_linearly():
    """dx = sigma dW from x = 0: Var[x(t)] = sigma**2 t (t in ms, sigma in ms**-0.5).

    One long run of NODES walks is cut into windows of 100 ms; by the independence and
    stationarity of Brownian increments, x(t0 + t) - x(t0) over the windows are independent
    walks started at 0 (the first window is the walk from its initial state itself). The
    scheme is exact for this SDE, so a step of 1 ms loses nothing."""
    sigma, mean, window = 0.3, 1.5, 100
    b = bm.BrownianNoise(NODES, mean=mean, sigma=sigma)
    x = run(b, 40000.0, 1.0, seed=3)["noise"]                        # 1 ms samples
    assert abs(x[0].mean() - mean) < 4 * sigma / np.sqrt(NODES)     # x(0) = 0: starts at mean
    start = np.concatenate([np.full((1, NODES), mean), x[window - 1:-1:window]])
    paths = x.reshape(-1, window, NODES) - start[:, None, :]        # (windows, t, node)
    paths = paths.transpose(1, 0, 2).reshape(window, -1)             # 20000 walks
    t = np.arange(1, window + 1) * 1.0
    var = paths.var(axis=1)
    slope, intercept = np.polyfit(t, var, 1)
    assert slope == pytest.approx(sigma**2, rel=0.03)
    assert abs(intercept) < 0.03 * sigma**2 * t[-1]
    assert abs(paths.mean()) < 0.01


# ============================================================================= white noise
def test_white_noise_into_a_linear_node_scales_with_sqrt_dt():
    """dx = -x/tau dt + (m dt + sigma dW): Var = sigma**2 tau / 2 and mean m tau at any dt.

    brainmass adds sigma * N(0, 1) to the input every step, a per-step effect ~ dt, so its
    variance would be sigma**2 tau dt / 2: four times larger at dt = 0.2 than at 0.05."""
    tau, sigma, m = 20.0, 0.2, 0.05
    variances = []
    for dt in (0.05, 0.2):
        node = bm.LinearStep(NODES, gamma=-1.0 / tau, init_x=0.0,
                             noise_x=bm.GaussianNoise(1, mean=m, sigma=sigma))
        x = run(node, 24100.0, dt, transient=100.0, sample_every=round(1.0 / dt),
                seed=5)["x"]
        assert x.var() == pytest.approx(sigma**2 * tau / 2, rel=0.03), dt
        assert x.mean() == pytest.approx(m * tau, rel=0.03), dt
        variances.append(x.var())
    assert variances[1] == pytest.approx(variances[0], rel=0.03)


def test_white_noise_on_its_own_is_the_sampled_white_noise():
    """Standalone, GaussianNoise records mean + sigma * z / sqrt(dt) each step: mean `mean`,
    variance sigma**2 / dt, independent between steps; `outputs()` (no step drawn) is the mean;
    `update()` returns the same samples as `Simulator.run` with the same seed."""
    dt, sigma, mean = 0.1, 0.5, 1.0
    noise = bm.GaussianNoise(NODES, sigma=sigma, mean=mean)
    x = run(noise, 500.0, dt, seed=3)["noise"]
    assert x.mean() == pytest.approx(mean, abs=4 * sigma / np.sqrt(dt * x.size))
    assert x.var() == pytest.approx(sigma**2 / dt, rel=0.03)
    lag1 = np.corrcoef(x[1:].ravel(), x[:-1].ravel())[0, 1]
    assert abs(lag1) < 0.01
    np.testing.assert_array_equal(noise.outputs()["noise"], np.full(NODES, mean))
    stepper = bm.GaussianNoise(NODES, sigma=sigma, mean=mean, seed=3)
    stepper.init_all_states()
    with bm.environ.context(dt=dt):
        first = [stepper.update() for _ in range(3)]
    np.testing.assert_allclose(np.array(first), x[:3], rtol=1e-12)


def test_white_noise_alias():
    assert bm.WhiteNoise is bm.GaussianNoise


# ============================================================================= coloured noise
F_LOW, F_HIGH, DT = 10.0, 1000.0, 0.01      # band (Hz) and time step (ms): f_high << 1/(2 dt)


def _log_binned_slope(f, psd, lo, hi, n_bins=10):
    """Least-squares slope of log10 PSD against log10 f over [lo, hi], in log-spaced bins."""
    sel = (f >= lo) & (f <= hi)
    f, psd = f[sel], psd[sel]
    edges = np.logspace(np.log10(lo), np.log10(hi), n_bins + 1)
    idx = np.clip(np.digitize(f, edges) - 1, 0, n_bins - 1)
    fb = np.array([np.exp(np.log(f[idx == i]).mean()) for i in range(n_bins) if (idx == i).any()])
    pb = np.array([psd[idx == i].mean() for i in range(n_bins) if (idx == i).any()])
    return np.polyfit(np.log10(fb), np.log10(pb), 1)[0]


@pytest.fixture(scope="module")
def colored_runs():
    """Output (time, node) of ColoredNoise for each tested beta, band 10 Hz - 1 kHz."""
    out = {}
    fs = 1000.0 / DT                                    # Hz
    nper = int(2 * fs / F_LOW)                          # Welch segments of 0.2 s (5 Hz bins)
    for beta in (1.0, 2.0, -2.0, -4.0, 0.5):
        m = bm.ColoredNoise(NODES, beta=beta, f_low=F_LOW, f_high=F_HIGH)
        x = run(m, 5 * nper * DT / 2, DT, transient=nper * DT / 2, seed=11)["noise"]
        out[beta] = x
    return out, fs, nper


@pytest.mark.parametrize("beta", [1.0, 2.0, -2.0, -4.0, 0.5],
                         ids=["pink", "brown", "blue", "violet", "beta0.5"])
def test_colored_noise_spectral_slope_in_time(colored_runs, beta):
    runs, fs, nper = colored_runs
    x = runs[beta]
    f, p = welch(x, fs=fs, nperseg=nper, axis=0)        # spectrum over TIME, per node
    slope = _log_binned_slope(f, p.mean(axis=1), F_LOW, F_HIGH)
    assert slope == pytest.approx(-beta, abs=0.15)


def test_colored_noise_is_independent_across_nodes(colored_runs):
    """brainmass colours each draw across the regions; here nodes are independent."""
    runs, _, _ = colored_runs
    x = runs[1.0][::50]                                 # 0.5 ms apart
    c = np.corrcoef(x.T)
    off = c[~np.eye(len(c), dtype=bool)]
    assert abs(off.mean()) < 0.01
    # at one instant, the profile across nodes is white: no 1/f colouring across regions
    snap = x - x.mean(axis=0)
    spec = (np.abs(np.fft.rfft(snap, axis=1)) ** 2).mean(axis=0)[1:]
    k = np.arange(1, len(spec) + 1)
    assert abs(np.polyfit(np.log10(k), np.log10(spec), 1)[0]) < 0.15


@pytest.mark.parametrize("beta", [-4.0, 1.0, 2.0])
def test_colored_noise_standard_deviation_is_sigma(beta):
    """sigma is the stationary std: the variance of the filter is computed in closed form,
    for any corners. Here the corners span one decade (f_a = f_low/10 = 10 Hz to
    f_b = 10 f_high = 100 Hz) so that the slowest one relaxes quickly, and dt is small
    (2 pi f_b dt = 0.013) so that exp_euler's O(dt) variance error stays below 1.5%."""
    m = bm.ColoredNoise(NODES, beta=beta, mean=0.5, sigma=2.0, f_low=100.0, f_high=10.0)
    x = run(m, 3550.0, 0.02, transient=50.0, sample_every=10, seed=2)["noise"]
    assert x.std() == pytest.approx(2.0, rel=0.03)
    assert x.mean() == pytest.approx(0.5, abs=0.05)


def _members(name):
    rb = getattr(bm, name)._block
    params = {p.name: float(format_expr(p.default)) for p in rb.of_type(ast.Parameter)
              if p.name == "beta"}
    params.update({p.name: format_expr(p.default) for p in rb.of_type(ast.Parameter)
                   if p.name != "beta"})
    rest = sorted(format_member(m) for m in rb.members if not isinstance(m, ast.Parameter)
                  and type(m).__name__ in ("Equation", "Let", "Function", "Output", "State"))
    return params, rest


@pytest.mark.parametrize("name, beta", [("PinkNoise", 1.0), ("BrownNoise", 2.0),
                                        ("BlueNoise", -2.0), ("VioletNoise", -4.0)])
def test_colored_variants_are_colored_noise_with_their_beta(name, beta):
    base_params, base_rest = _members("ColoredNoise")
    params, rest = _members(name)
    assert params.pop("beta") == beta
    base_params.pop("beta")
    assert params == base_params and rest == base_rest
    assert getattr(bm, name)._block.category == "noise"


def test_red_noise_alias():
    assert bm.RedNoise is bm.BrownNoise


# ============================================================================= wiring
def test_wiring_parameters_and_no_recompile():
    """brainmass's HopfStep(N, noise_x=OUProcess(...)): the OU runs inside the node kernel,
    its parameters are the node's "noise_x.<name>", and changing them never recompiles."""
    ou = bm.OUProcess(1, mean=0.0, sigma=0.001, tau=5.0)
    hopf = bm.HopfStep(50, a=-0.5, noise_x=ou)
    assert hopf.get_param("noise_x.sigma") == pytest.approx(0.001)
    assert hopf.get_param("noise_x.tau") == pytest.approx(5.0)
    assert hopf.get_param("noise_x.mean") == pytest.approx(0.0)
    noisy = run(hopf, 300.0, 0.1, transient=100.0, seed=1)["x"]
    assert np.isfinite(noisy).all() and noisy.std() > 1e-4

    runner = hopf.kernel.runner(False)
    n_sigs, key = len(runner.signatures), hopf.kernel.key
    hopf.set_params(**{"noise_x.sigma": 0.003})
    louder = run(hopf, 300.0, 0.1, transient=100.0, seed=1)["x"]
    # same noise path, linear regime (a < 0, small amplitude): the response scales with sigma
    assert louder.std() / noisy.std() == pytest.approx(3.0, rel=2e-3)
    hopf.set_params(**{"noise_x.sigma": 0.0, "noise_x.tau": np.linspace(1.0, 10.0, 50)})
    quiet = run(hopf, 300.0, 0.1, seed=1)["x"]
    plain = run(bm.HopfStep(50, a=-0.5), 300.0, 0.1, seed=1)["x"]
    np.testing.assert_allclose(quiet, plain, rtol=1e-12, atol=1e-15)
    assert len(runner.signatures) == n_sigs and hopf.kernel.key == key
    with pytest.raises(TypeError, match="noise process"):
        bm.HopfStep(2, noise_x=bm.HopfStep(1))


def test_colored_noise_wired_into_a_node_is_the_same_process():
    """A multi-state noise model runs inside the node's kernel: a fast linear node
    (dx/dt = -10 x + u, x ~ u / 10) driven by ColoredNoise follows the standalone process
    drawn with the same seed."""
    kw = {"beta": 1.0, "sigma": 0.05, "f_low": 1.0, "f_high": 100.0}
    node = bm.LinearStep(NODES, gamma=-10.0, noise_x=bm.ColoredNoise(1, **kw))
    assert node.get_param("noise_x.beta") == 1.0 and node.get_param("noise_x.f_high") == 100.0
    x = run(node, 2000.0, 0.1, transient=500.0, seed=4)["x"]
    u = run(bm.ColoredNoise(NODES, **kw), 2000.0, 0.1, transient=500.0, seed=4)["noise"]
    assert np.corrcoef(10 * x.ravel(), u.ravel())[0, 1] > 0.95
    assert (10 * x).std() == pytest.approx(u.std(), rel=0.05)


def test_kernel_draws_the_portable_normals_bitwise(tmp_path):
    """The normals inside a generated kernel are bit-for-bit the NumPy reference's
    (`fast_normals_numpy`): at dt = 1 ms a white-noise output records z itself; two streams
    (xi, xi_1) are drawn as one pair, a lone stream singly. (This caught a 1-ulp difference
    when the draws were moved into a separately compiled function called from the kernel.)"""
    from brainmass_dsl.rng import fast_normals_numpy

    (tmp_path / "white2.nmm").write_text(
        "model TwoWhite:\n"
        "    category: noise\n"
        "    output a = xi\n"
        "    output b = xi_1\n")
    lib = bm.load(tmp_path / "white2.nmm")
    steps = np.arange(40)[:, None, None]
    batch, node = np.arange(2)[None, :, None], np.arange(3)[None, None, :]
    res = run(lib.TwoWhite(3), 40.0, 1.0, seed=11, batch_size=2)
    for stream, name in enumerate("ab"):
        want = fast_normals_numpy(11, steps, batch, node, stream)
        assert np.array_equal(res[name].view(np.uint64), want.view(np.uint64)), name
    single = run(bm.GaussianNoise(3, sigma=1.0, mean=0.0), 40.0, 1.0, seed=11,
                 batch_size=2)["noise"]
    want = fast_normals_numpy(11, steps, batch, node, 0)
    assert np.array_equal(single.view(np.uint64), want.view(np.uint64))
