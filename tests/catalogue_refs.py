"""Independent NumPy references for every model of the built-in catalogue (models/neural_mass).

Nothing here is derived from the .nmm files: every right-hand side is transcribed from the
published equations (the paper named in `Ref.source`) and every default from brainmass's
documented defaults (../shared/reference/brainmass-catalogue.md, section 1), already converted
to the compiler's canonical units:

    time ms, voltage mV, current nA, rates 1/ms (100 Hz -> 0.1), so that a value here is
    exactly what a compiled kernel sees. `Hz/nA` -> 1e-3 /(ms nA), `nA/Hz` -> 1e3 nA ms,
    `s` -> 1e3 ms, `s/ms` -> 1e3.

`REFERENCES[name]` is a `Ref` for every model block name of the catalogue:

- `states`, `params`, `inputs`, `init`: names exactly as in brainmass / the .nmm file, values in
  canonical units. `inputs` are the constant inputs of the comparison run (not necessarily the
  zero defaults: they are chosen so that every term of the equations is exercised).
- `rhs(y, p, u, t[, past])` -> dict of derivatives, canonical units per ms. `y`, `p`, `u` are
  dicts of floats or arrays. Models with `delays` also get `past(state, lag_ms)`, the state's
  value lag_ms ago (the initial state before t = 0).
- `outputs`: name -> f(y, p, u), every output of the model in order (first = default
  monitor), states included (`_state("x")`).
- `integrate_ms`: length of the comparison run (short for chaotic models).
- `behaviour(sim)`: a check from the paper; `sim(params=None, inputs=None, init=None,
  t_ms=None, sample_ms=None)` returns `(t, traj)` with `traj[name]` arrays over time for every
  state and output. The same check can run on the reference (`simulate`) and, later, on the
  compiled model (a `sim` with the same signature around the Numba backend).
- `network`: for KuramotoNetwork, the network the reference integrates (node count, weights,
  coupling block name and which params are the coupling's); `rhs` is then the whole network.

`simulate(ref, ...)` integrates a reference with SciPy's solve_ivp (DOP853, tight tolerances;
delay models by the method of steps). `reference_trajectory(name)` is the comparison run.

Comparing a compiled model with its reference: pass `params`/`init`/`inputs` divided by the
declared unit's canonical factor (the values here are canonical), run `rk4` at a small dt and
compare every state and output at the sample times (rtol 1e-6 of the trajectory's scale).
Two cases are continuous-time references of a discrete-time rule and converge only at first
order in dt: WilsonCowanDelayedStep (lags rounded to whole steps, the delayed value taken at
the step) and the KuramotoNetwork network (the coupling is evaluated once per step and held
over the RK stages, as in brainmass). For them compare at O(dt) tolerance or check that the
error halves with dt (measured: 8e-4 at dt = 0.01 ms -> 1e-4 at 0.00125 ms for WC delayed;
2.2e-4 -> 5.4e-5 from dt = 0.01 to 0.0025 ms for Kuramoto).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np

PI = math.pi


# ----------------------------------------------------------------------------- the record
@dataclass(frozen=True)
class Ref:
    states: Sequence[str]
    params: Dict[str, object]
    inputs: Dict[str, object]
    rhs: Callable
    init: Dict[str, object]
    integrate_ms: float
    behaviour: Optional[Callable] = None
    outputs: Dict[str, Callable] = field(default_factory=dict)
    delays: Tuple[Tuple[str, str], ...] = ()      # (state, lag parameter) pairs used by rhs
    network: Optional[dict] = None
    source: str = ""
    method: str = "DOP853"
    sample_ms: float = 0.1
    slow: bool = False                             # behaviour check takes more than ~2 s


def _state(name):
    """An output that is a state itself."""
    return lambda y, p, u: y[name]


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ----------------------------------------------------------------------------- integration
def _pack(ref, y):
    return np.concatenate([np.atleast_1d(np.asarray(y[s], dtype=float)).ravel()
                           for s in ref.states])


def _shapes(ref, y0):
    return [np.shape(np.asarray(y0[s], dtype=float)) for s in ref.states]


def _unpacker(ref, shapes):
    sizes = [int(np.prod(s)) if s else 1 for s in shapes]
    offsets = np.cumsum([0] + sizes)

    def unpack(Y):
        out = {}
        for k, s in enumerate(ref.states):
            v = Y[offsets[k]:offsets[k + 1]]
            out[s] = v.reshape(shapes[k]) if shapes[k] else v[0]
        return out

    def unpack_series(Ys):  # (n_state_values, T) -> name -> (T,) or (T, n)
        out = {}
        for k, s in enumerate(ref.states):
            v = Ys[offsets[k]:offsets[k + 1]]
            out[s] = v.T.reshape((Ys.shape[1],) + shapes[k]) if shapes[k] else v[0]
        return out

    return unpack, unpack_series


def _inputs_at(u, t):
    return {k: (v(t) if callable(v) else v) for k, v in u.items()}


def _breakpoints(lags, t_end):
    """Where a delay equation's solution may be non-smooth: sums of up to 3 lags, plus a grid
    of the smallest lag so that t - lag always falls in an already integrated segment."""
    lags = sorted({float(l) for l in lags if l > 0})
    pts = {0.0, float(t_end)}
    if not lags:
        return sorted(pts)
    sums = {0.0}
    for _ in range(3):
        sums = sums | {s + l for s in sums for l in lags}
    pts |= {s for s in sums if 0 < s < t_end}
    step = lags[0]
    n = int(math.floor(t_end / step))
    pts |= {k * step for k in range(1, n + 1) if k * step < t_end}
    return sorted(pts)


def simulate(ref: Ref, params=None, inputs=None, init=None, t_ms=None, sample_ms=None,
             method=None, rtol=1e-10, atol=1e-12):
    """Integrate `ref` with solve_ivp; returns (t, traj): traj[name] for states and outputs."""
    from scipy.integrate import solve_ivp

    p = {**ref.params, **(params or {})}
    u = {**ref.inputs, **(inputs or {})}
    y0 = {**ref.init, **(init or {})}
    T = float(ref.integrate_ms if t_ms is None else t_ms)
    dt_out = float(ref.sample_ms if sample_ms is None else sample_ms)
    method = method or ref.method
    shapes = _shapes(ref, y0)
    unpack, unpack_series = _unpacker(ref, shapes)
    Y0 = _pack(ref, y0)
    n_out = int(math.floor(T / dt_out + 1e-9)) + 1
    t_eval = np.arange(n_out) * dt_out

    if not ref.delays:
        def f(t, Y):
            return _pack(ref, ref.rhs(unpack(Y), p, _inputs_at(u, t), t))

        sol = solve_ivp(f, (0.0, T), Y0, method=method, t_eval=t_eval, rtol=rtol, atol=atol)
        if not sol.success:
            raise RuntimeError(f"solve_ivp failed: {sol.message}")
        Ys = sol.y
    else:
        lags = [float(p[lag]) for _, lag in ref.delays]
        pieces = []  # (t0, t1, dense)

        def past_value(t_past):
            if t_past <= 0.0:
                return Y0
            for t0, t1, dense in reversed(pieces):
                if t0 - 1e-12 <= t_past <= t1 + 1e-12:
                    return dense(min(max(t_past, t0), t1))
            raise RuntimeError(f"no history at t = {t_past}")

        def f(t, Y):
            y = unpack(Y)

            def past(name, lag):
                if lag <= 0:
                    return y[name]
                return unpack(past_value(t - lag))[name]

            return _pack(ref, ref.rhs(y, p, _inputs_at(u, t), t, past))

        bps = _breakpoints(lags, T)
        Y = Y0
        for t0, t1 in zip(bps[:-1], bps[1:]):
            sol = solve_ivp(f, (t0, t1), Y, method=method, rtol=rtol, atol=atol,
                            dense_output=True)
            if not sol.success:
                raise RuntimeError(f"solve_ivp failed: {sol.message}")
            pieces.append((t0, t1, sol.sol))
            Y = sol.y[:, -1]
        Ys = np.stack([past_value(t) if t > 0 else Y0 for t in t_eval], axis=1)

    traj = unpack_series(Ys)
    if ref.outputs:
        ys = [{s: traj[s][k] for s in ref.states} for k in range(len(t_eval))]
        for name, fn in ref.outputs.items():
            traj[name] = np.array([fn(y, p, _inputs_at(u, t)) for y, t in zip(ys, t_eval)])
    return t_eval, traj


def simulator(ref: Ref, rtol=1e-9, atol=1e-11):
    """A `sim` callable for `ref.behaviour`, backed by the solve_ivp reference (tolerances
    looser than the comparison run's, tight enough for every behavioural assertion)."""

    def sim(params=None, inputs=None, init=None, t_ms=None, sample_ms=None, **kw):
        kw.setdefault("rtol", rtol)
        kw.setdefault("atol", atol)
        return simulate(ref, params=params, inputs=inputs, init=init, t_ms=t_ms,
                        sample_ms=sample_ms, **kw)

    return sim


def reference_trajectory(name: str, **kw):
    """The comparison run of model `name`: (t, traj) at the Ref's params, inputs and init."""
    return simulate(REFERENCES[name], **kw)


# ----------------------------------------------------------------------------- helpers for checks
def _tail(t, x, frac=0.5):
    k = int(len(t) * (1 - frac))
    return t[k:], np.asarray(x)[k:]


def _peaks(x):
    x = np.asarray(x)
    return np.where((x[1:-1] > x[:-2]) & (x[1:-1] >= x[2:]))[0] + 1


def _period(t, x):
    """Mean period from upward crossings of the mean (linear interpolation)."""
    x = np.asarray(x) - np.mean(x)
    idx = np.where((x[:-1] < 0) & (x[1:] >= 0))[0]
    tc = t[idx] - x[idx] * (t[idx + 1] - t[idx]) / (x[idx + 1] - x[idx])
    if len(tc) < 3:
        return float("nan")
    return float(np.mean(np.diff(tc)))


def _dominant_frequency_hz(t_ms, x):
    x = np.asarray(x) - np.mean(x)
    dt_s = (t_ms[1] - t_ms[0]) * 1e-3
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    f = np.fft.rfftfreq(len(x), dt_s)
    spec[0] = 0
    return float(f[np.argmax(spec)])


# ============================================================================= phenomenological
# ---- Hopf normal form (Deco et al. 2017): dz/dt = (a + i w - beta |z|^2) z + input
def _hopf_rhs(y, p, u, t):
    x, v = y["x"], y["y"]
    r = x * x + v * v
    return {"x": (p["a"] - p["beta"] * r) * x - p["w"] * v + u["x_inp"],
            "y": (p["a"] - p["beta"] * r) * v + p["w"] * x + u["y_inp"]}


def _hopf_behaviour(sim):
    # above the bifurcation: limit cycle of radius sqrt(a / beta), angular frequency w
    for a, beta in ((0.25, 1.0), (0.04, 1.0), (0.09, 0.5)):
        t, tr = sim(params={"a": a, "beta": beta}, inputs={"x_inp": 0.0, "y_inp": 0.0},
                    init={"x": 0.01, "y": 0.0}, t_ms=800.0)
        _, x = _tail(t, tr["x"], 0.25)
        _, y = _tail(t, tr["y"], 0.25)
        radius = np.sqrt(x ** 2 + y ** 2)
        assert np.allclose(radius, math.sqrt(a / beta), rtol=1e-3), (a, radius.min(), radius.max())
        tt, _ = _tail(t, tr["x"], 0.25)
        assert abs(_period(tt, x) - 2 * PI / 0.2) < 0.5
    # below the bifurcation: decay to the origin
    t, tr = sim(params={"a": -0.1}, inputs={"x_inp": 0.0, "y_inp": 0.0},
                init={"x": 0.5, "y": 0.0}, t_ms=200.0)
    assert math.hypot(tr["x"][-1], tr["y"][-1]) < 0.5 * math.exp(-0.1 * 200) * 1.01


# ---- Stuart-Landau (unit saturation, per ms)
def _sl_rhs(y, p, u, t):
    x, v = y["x"], y["y"]
    r = x * x + v * v
    return {"x": (p["a"] - r) * x - p["w"] * v + u["x_inp"],
            "y": (p["a"] - r) * v + p["w"] * x + u["y_inp"]}


def _sl_behaviour(sim):
    t, tr = sim(inputs={"x_inp": 0.0, "y_inp": 0.0}, t_ms=400.0)
    _, x = _tail(t, tr["x"], 0.25)
    _, y = _tail(t, tr["y"], 0.25)
    assert np.allclose(np.sqrt(x ** 2 + y ** 2), math.sqrt(0.25), rtol=1e-3)


# ---- Van der Pol, Lienard form
def _vdp_rhs(y, p, u, t):
    x, v = y["x"], y["y"]
    mu = p["mu"]
    return {"x": mu * (x - x ** 3 / 3 - v) + u["x_inp"], "y": x / mu + u["y_inp"]}


def _vdp_behaviour(sim):
    # the van der Pol limit cycle: amplitude ~2.0086, period 6.6633 (mu = 1)
    t, tr = sim(inputs={"x_inp": 0.0, "y_inp": 0.0}, t_ms=200.0, sample_ms=0.01)
    tt, x = _tail(t, tr["x"], 0.5)
    assert abs(x.max() - 2.0086) < 5e-3 and abs(x.min() + 2.0086) < 5e-3, (x.min(), x.max())
    assert abs(_period(tt, x) - 6.6633) < 5e-3
    # relaxation oscillation for mu = 10: period ~ (3 - 2 ln 2) mu
    # (two-term asymptotics, e.g. Strogatz, Nonlinear Dynamics and Chaos, sec. 7.5)
    mu = 10.0
    t, tr = sim(params={"mu": mu}, inputs={"x_inp": 0.0, "y_inp": 0.0}, t_ms=400.0,
                sample_ms=0.01)
    tt, x = _tail(t, tr["x"], 0.5)
    asymptotic = (3 - 2 * math.log(2)) * mu + 7.014 * mu ** (-1 / 3)
    assert abs(_period(tt, x) / asymptotic - 1) < 0.05
    assert abs(np.abs(x).max() - 2.0) < 0.05


# ---- FitzHugh-Nagumo (general cubic, brainmass/TVB form)
def _fhn_rhs(y, p, u, t):
    V, w = y["V"], y["w"]
    return {"V": -p["alpha"] * V ** 3 + p["beta"] * V ** 2 + p["gamma"] * V - w + u["V_inp"],
            "w": (V - p["delta"] - p["epsilon"] * w) / p["tau"] + u["w_inp"]}


def _fhn_behaviour(sim):
    # rest: no input -> the stable fixed point V = w = 0
    t, tr = sim(inputs={"V_inp": 0.0, "w_inp": 0.0}, init={"V": 0.1, "w": 0.0}, t_ms=300.0)
    assert abs(tr["V"][-1]) < 1e-3 and abs(tr["w"][-1]) < 1e-3
    # sub-threshold constant input (brainmass oracle regime): a new fixed point V ~ 0.0954
    t, tr = sim(inputs={"V_inp": 0.3, "w_inp": 0.0}, init={"V": 0.1, "w": 0.0}, t_ms=1000.0)
    assert abs(tr["V"][-1] - 0.0953636) < 1e-4
    # supra-threshold input: the fixed point moves onto the cubic's middle branch and loses
    # stability; V oscillates between the outer branches (V ~ 0.1 and ~ 0.77)
    t, tr = sim(inputs={"V_inp": 1.0, "w_inp": 0.0}, t_ms=2000.0, sample_ms=0.05)
    tt, V = _tail(t, tr["V"], 0.5)
    assert V.min() < 0.15 and V.max() > 0.75
    assert abs(_period(tt, V) - 30.55) < 0.5
    # with a strong time-scale separation (tau = 200 ms) it is a relaxation oscillation: fast
    # jumps between the branches, slow drift along them (a sinusoid would spend 2/3 of its
    # period above half its maximal speed and ~22 % in the middle third of its range)
    t, tr = sim(params={"tau": 200.0}, inputs={"V_inp": 1.0, "w_inp": 0.0}, t_ms=8000.0,
                sample_ms=0.05)
    tt, V = _tail(t, tr["V"], 0.5)
    speed = np.abs(np.gradient(V, tt))
    assert np.mean(speed > 0.5 * speed.max()) < 0.12
    middle = (V > V.min() + np.ptp(V) / 3) & (V < V.max() - np.ptp(V) / 3)
    assert np.mean(middle) < 0.12


# ---- Threshold-linear E/I (Chaudhuri et al. 2015), documented -I leak
def _tl_rhs(y, p, u, t):
    return {"E": (-y["E"] + p["beta_E"] * max(u["E_inp"], 0.0)) / p["tau_E"],
            "I": (-y["I"] + p["beta_I"] * max(u["I_inp"], 0.0)) / p["tau_I"]}


def _tl_behaviour(sim):
    t, tr = sim(inputs={"E_inp": 10.0, "I_inp": 2.0}, init={"E": 0.0, "I": 0.0}, t_ms=200.0)
    k20 = int(round(20.0 / (t[1] - t[0])))
    assert abs(tr["E"][k20] - 0.66 * (1 - math.exp(-1))) < 1e-6
    assert abs(tr["E"][-1] - 0.66) < 1e-4 and abs(tr["I"][-1] - 0.702) < 1e-6
    # inhibitory population relaxes with -I (the documented leak): from 1 it decays
    t, tr = sim(inputs={"E_inp": 0.0, "I_inp": 0.0}, init={"E": 0.5, "I": 1.0}, t_ms=50.0)
    assert abs(tr["I"][-1] - math.exp(-5.0)) < 1e-6
    assert np.all(tr["E"] >= 0) and np.all(tr["I"] >= 0)
    # rectification: negative inputs do nothing
    t, tr = sim(inputs={"E_inp": -3.0, "I_inp": -3.0}, init={"E": 0.0, "I": 0.0}, t_ms=50.0)
    assert np.all(tr["E"] == 0) and np.all(tr["I"] == 0)


# ---- TVB Generic 2-D oscillator (Sanz-Leon et al. 2015)
def _g2d_rhs(y, p, u, t):
    V, W = y["V"], y["W"]
    dV = p["d"] * p["tau"] * (-p["f"] * V ** 3 + p["e"] * V ** 2 + p["g"] * V + p["alpha"] * W
                              + p["gamma"] * p["I"] + p["gamma"] * u["V_inp"]) + u["noise_V"]
    dW = p["d"] / p["tau"] * (p["a"] + p["b"] * V + p["c"] * V ** 2 - p["beta"] * W) + u["noise_W"]
    return {"V": dV, "W": dW}


def _g2d_behaviour(sim):
    zero = {"V_inp": 0.0, "noise_V": 0.0, "noise_W": 0.0}
    # excitable defaults: a single stable rest state, reached from different initial states
    ends = []
    for V0, W0 in ((0.0, 0.0), (2.0, -5.0), (-2.0, 5.0)):
        t, tr = sim(inputs=zero, init={"V": V0, "W": W0}, t_ms=3000.0)
        assert np.ptp(tr["V"][-2000:]) < 1e-6
        ends.append((tr["V"][-1], tr["W"][-1]))
    assert np.allclose(ends, ends[0], atol=1e-6)
    V, W = ends[0]
    assert abs(-V ** 3 + 3 * V ** 2 + W) < 1e-6 and abs(-2 - 10 * V - W) < 1e-6
    # excitability: the response to a perturbation of W is all-or-none-like: a kick of 1 gives
    # a small excursion of V, a kick of 5 a large one (spike-like), then back to rest
    _, small = sim(inputs=zero, init={"V": V, "W": W + 1.0}, t_ms=3000.0)
    _, large = sim(inputs=zero, init={"V": V, "W": W + 5.0}, t_ms=3000.0)
    assert small["V"].max() - V < 0.3 and large["V"].max() - V > 1.5
    assert abs(large["V"][-1] - V) < 1e-6
    # bistable regime (a=1, b=0, c=-5): the fixed point V = -(1 + sqrt 5) / 2 coexists with
    # a large limit cycle around the unstable point V = (sqrt 5 - 1) / 2
    bist = {"a": 1.0, "b": 0.0, "c": -5.0}
    t, fp = sim(params=bist, inputs=zero, init={"V": 3.0, "W": 0.0}, t_ms=10000.0, sample_ms=1.0)
    _, lc = sim(params=bist, inputs=zero, init={"V": 1.0, "W": 0.0}, t_ms=10000.0, sample_ms=1.0)
    assert abs(fp["V"][-1] + (1 + math.sqrt(5)) / 2) < 1e-6
    tt, v = _tail(t, lc["V"], 0.3)
    assert np.ptp(v) > 2.0 and 500.0 < _period(tt, v) < 1500.0


# ---- Lorenz 1963
def _lorenz_rhs(y, p, u, t):
    x, v, z = y["x"], y["y"], y["z"]
    return {"x": p["sigma"] * (v - x) + u["x_inp"],
            "y": x * (p["rho"] - z) - v,
            "z": x * v - p["beta"] * z}


def _lorenz_behaviour(sim):
    t, tr = sim(inputs={"x_inp": 0.0}, t_ms=100.0, sample_ms=0.01)
    k = int(len(t) * 0.2)
    x, y, z = tr["x"][k:], tr["y"][k:], tr["z"][k:]
    # bounded inside the known trapping region, on the butterfly: both wings visited many
    # times, never settling on the fixed points C+- = (+-sqrt(72), +-sqrt(72), 27)
    assert np.abs(x).max() < 25 and np.abs(y).max() < 35 and 0 < z.min() and z.max() < 55
    assert np.sum(np.diff(np.sign(x)) != 0) > 20
    assert np.std(z[-2000:]) > 3
    # sensitive dependence: a 1e-9 perturbation grows by many orders of magnitude
    t2, tr2 = sim(inputs={"x_inp": 0.0}, init={"x": 1.0 + 1e-9}, t_ms=50.0, sample_ms=0.01)
    t1, tr1 = sim(inputs={"x_inp": 0.0}, t_ms=50.0, sample_ms=0.01)
    assert np.abs(tr1["x"] - tr2["x"]).max() > 1.0


# ---- Linear (TVB)
def _linear_rhs(y, p, u, t):
    return {"x": p["gamma"] * y["x"] + u["x_inp"]}


def _linear_behaviour(sim):
    t, tr = sim(inputs={"x_inp": 0.0}, t_ms=1.0, sample_ms=0.01)
    assert np.allclose(tr["x"], 0.01 * np.exp(-10.0 * t), rtol=1e-8, atol=1e-11)
    t, tr = sim(inputs={"x_inp": 0.05}, t_ms=2.0, sample_ms=0.01)
    x_inf = 0.05 / 10.0
    assert np.allclose(tr["x"], x_inf + (0.01 - x_inf) * np.exp(-10.0 * t), rtol=1e-8,
                       atol=1e-11)


# ---- Kuramoto-Sakaguchi network
_KUR_N = 8
_KUR_N_BEHAVIOUR = 64


def _kuramoto_rhs(y, p, u, t, W=None):
    """The whole network; W defaults to all-to-all without self-connections (brainmass's
    conn=None, exclude_self=True), the normalisation is by the full N (normalize_by_n)."""
    th = np.asarray(y["theta"], dtype=float)
    n = th.shape[-1]
    W = np.ones((n, n)) - np.eye(n) if W is None else W
    diff = th[None, :] - th[:, None] - p["alpha"]          # [i, j] = theta_j - theta_i - alpha
    coupling = p["K"] / n * np.sum(W * np.sin(diff), axis=1)
    return {"theta": p["omega"] + coupling + u["theta_inp"]}


def _gauss_quantiles(n, sigma):
    from scipy.stats import norm

    return sigma * norm.ppf((np.arange(n) + 0.5) / n)


def order_parameter(theta):
    """Kuramoto order parameter R(t) = |mean_j exp(i theta_j)| (theta: (T, N) or (N,))."""
    return np.abs(np.mean(np.exp(1j * np.asarray(theta)), axis=-1))


def _kuramoto_behaviour(sim):
    n, sigma = _KUR_N_BEHAVIOUR, 0.01
    omega = _gauss_quantiles(n, sigma)
    theta0 = np.random.default_rng(1).uniform(0, 2 * PI, n)
    k_c = 2.0 / (PI * (1.0 / (math.sqrt(2 * PI) * sigma)))   # 2 / (pi g(0))
    base = {"omega": omega, "alpha": 0.0}
    t, tr = sim(params={**base, "K": 4 * k_c}, inputs={"theta_inp": 0.0},
                init={"theta": theta0}, t_ms=1500.0, sample_ms=1.0)
    R_hi = order_parameter(tr["theta"][-300:]).mean()
    t, tr = sim(params={**base, "K": 0.3 * k_c}, inputs={"theta_inp": 0.0},
                init={"theta": theta0}, t_ms=1500.0, sample_ms=1.0)
    R_lo = order_parameter(tr["theta"][-300:]).mean()
    assert R_hi > 0.9, R_hi
    assert R_lo < 0.35, R_lo
    # no coupling: phases rotate at their own frequencies
    t, tr = sim(params={**base, "K": 0.0}, inputs={"theta_inp": 0.0},
                init={"theta": theta0}, t_ms=100.0, sample_ms=1.0)
    assert np.allclose(tr["theta"][-1], theta0 + omega * 100.0, atol=1e-8)


# ============================================================================= Wilson-Cowan family
def _F(x, a, theta):
    """Wilson & Cowan 1972 sigmoid shifted so that F(0) = 0."""
    return sigmoid(a * (x - theta)) - sigmoid(-a * theta)


# Weight names are brainmass's code's, class by class (catalogue reference section 1.10):
# WilsonCowanStep, NoSaturation, Symmetric and Linear put wIE on rI in the E equation and wEI
# on rE in the I equation (Wilson & Cowan 1972's c1..c4 = wEE, wIE, wEI, wII); Divisive,
# DivisiveInput, Delayed, Adaptive and ThreePopulation the other way round (c1..c4 = wEE,
# wEI, wIE, wII).
def _wc_rhs(y, p, u, t):  # Wilson & Cowan 1972 with k = 1; c1..c4 = wEE, wIE, wEI, wII
    rE, rI = y["rE"], y["rI"]
    xE = p["wEE"] * rE - p["wIE"] * rI + u["rE_inp"]
    xI = p["wEI"] * rE - p["wII"] * rI + u["rI_inp"]
    return {"rE": (-rE + (1 - p["r"] * rE) * _F(xE, p["a_E"], p["theta_E"])) / p["tau_E"],
            "rI": (-rI + (1 - p["r"] * rI) * _F(xI, p["a_I"], p["theta_I"])) / p["tau_I"]}


def _wc_nosat_rhs(y, p, u, t):
    rE, rI = y["rE"], y["rI"]
    xE = p["wEE"] * rE - p["wIE"] * rI + u["rE_inp"]
    xI = p["wEI"] * rE - p["wII"] * rI + u["rI_inp"]
    return {"rE": (-rE + _F(xE, p["a_E"], p["theta_E"])) / p["tau_E"],
            "rI": (-rI + _F(xI, p["a_I"], p["theta_I"])) / p["tau_I"]}


def _wc_symmetric_rhs(y, p, u, t):
    rE, rI = y["rE"], y["rI"]
    xE = p["wEE"] * rE - p["wIE"] * rI + u["rE_inp"]
    xI = p["wEI"] * rE - p["wII"] * rI + u["rI_inp"]
    return {"rE": (-rE + (1 - p["r"] * rE) * _F(xE, p["a"], p["theta"])) / p["tau"],
            "rI": (-rI + (1 - p["r"] * rI) * _F(xI, p["a"], p["theta"])) / p["tau"]}


def _wc_simplified_rhs(y, p, u, t):
    rE, rI = y["rE"], y["rI"]
    x = p["w_exc"] * rE - p["w_inh"] * rI
    FE = _F(x + u["rE_inp"], p["a_E"], p["theta_E"])
    FI = _F(x + u["rI_inp"], p["a_I"], p["theta_I"])
    return {"rE": (-rE + (1 - p["r"] * rE) * FE) / p["tau_E"],
            "rI": (-rI + (1 - p["r"] * rI) * FI) / p["tau_I"]}


def _wc_linear_rhs(y, p, u, t):
    rE, rI = y["rE"], y["rI"]
    xE = p["wEE"] * rE - p["wIE"] * rI + u["rE_inp"]
    xI = p["wEI"] * rE - p["wII"] * rI + u["rI_inp"]
    return {"rE": (-rE + (1 - p["r"] * rE) * max(xE, 0.0)) / p["tau_E"],
            "rI": (-rI + (1 - p["r"] * rI) * max(xI, 0.0)) / p["tau_I"]}


def _wc_divisive_rhs(y, p, u, t):
    rE, rI = y["rE"], y["rI"]
    gE = (1 - p["r"] * rE) / (p["sigma_E"] + p["wEI"] * rI)
    gI = (1 - p["r"] * rI) / (p["sigma_I"] + p["wII"] * rI)
    FE = _F(p["wEE"] * rE + u["rE_inp"], p["a_E"], p["theta_E"])
    FI = _F(p["wIE"] * rE + u["rI_inp"], p["a_I"], p["theta_I"])
    return {"rE": (-rE + gE * FE) / p["tau_E"], "rI": (-rI + gI * FI) / p["tau_I"]}


def _wc_divisive_input_rhs(y, p, u, t):
    rE, rI = y["rE"], y["rI"]
    xE = p["wEE"] * rE / (p["sigma_E"] + p["wEI"] * rI) + u["rE_inp"]
    xI = p["wIE"] * rE / (p["sigma_I"] + p["wII"] * rI) + u["rI_inp"]
    return {"rE": (-rE + (1 - p["r"] * rE) * _F(xE, p["a_E"], p["theta_E"])) / p["tau_E"],
            "rI": (-rI + (1 - p["r"] * rI) * _F(xI, p["a_I"], p["theta_I"])) / p["tau_I"]}


def _wc_delayed_rhs(y, p, u, t, past):
    rE, rI = y["rE"], y["rI"]
    xE = (p["wEE"] * past("rE", p["delay_EE"]) - p["wEI"] * past("rI", p["delay_EI"])
          + u["rE_inp"])
    xI = (p["wIE"] * past("rE", p["delay_IE"]) - p["wII"] * past("rI", p["delay_II"])
          + u["rI_inp"])
    return {"rE": (-rE + (1 - p["r"] * rE) * _F(xE, p["a_E"], p["theta_E"])) / p["tau_E"],
            "rI": (-rI + (1 - p["r"] * rI) * _F(xI, p["a_I"], p["theta_I"])) / p["tau_I"]}


def _wc_adaptive_rhs(y, p, u, t):
    rE, rI, aE, aI = y["rE"], y["rI"], y["aE"], y["aI"]
    xE = p["wEE"] * rE - p["wEI"] * rI + u["rE_inp"] - aE
    xI = p["wIE"] * rE - p["wII"] * rI + u["rI_inp"] - aI
    return {"rE": (-rE + (1 - p["r"] * rE) * _F(xE, p["a_E"], p["theta_E"])) / p["tau_E"],
            "rI": (-rI + (1 - p["r"] * rI) * _F(xI, p["a_I"], p["theta_I"])) / p["tau_I"],
            "aE": (-aE + p["b_E"] * rE) / p["tau_aE"],
            "aI": (-aI + p["b_I"] * rI) / p["tau_aI"]}


def _wc_three_rhs(y, p, u, t):
    rE, rI, rM = y["rE"], y["rI"], y["rM"]
    xE = p["wEE"] * rE - p["wEI"] * rI + p["wEM"] * rM + u["rE_inp"]
    xI = p["wIE"] * rE - p["wII"] * rI + p["wIM"] * rM + u["rI_inp"]
    xM = p["wME"] * rE - p["wMI"] * rI + p["wMM"] * rM + u["rM_inp"]
    return {"rE": (-rE + (1 - p["r"] * rE) * _F(xE, p["a_E"], p["theta_E"])) / p["tau_E"],
            "rI": (-rI + (1 - p["r"] * rI) * _F(xI, p["a_I"], p["theta_I"])) / p["tau_I"],
            "rM": (-rM + (1 - p["r"] * rM) * _F(xM, p["a_M"], p["theta_M"])) / p["tau_M"]}


_WC_COMMON = {"tau_E": 1.0, "a_E": 1.2, "theta_E": 2.8, "tau_I": 1.0, "a_I": 1.0, "theta_I": 4.0}
# Wilson & Cowan 1972 hysteresis set (c1..c4 = 12, 4, 13, 11) in WilsonCowanStep's names:
# brainmass's defaults
_WC72_HYST = {"wEE": 12.0, "wIE": 4.0, "wEI": 13.0, "wII": 11.0}
# brainmass's defaults for Delayed / Adaptive / ThreePopulation: the same names and values,
# but there wEI (13) multiplies rI in the E equation and wIE (4) rE in the I equation
_WC_BM_BYNAME = {"wEE": 12.0, "wEI": 13.0, "wIE": 4.0, "wII": 11.0}
# the same terms as _WC_BM_BYNAME in WilsonCowanStep's names (13 on rI -> E, 4 on rE -> I)
_WC_BM_BYNAME_AS_STEP = {"wEE": 12.0, "wIE": 13.0, "wEI": 4.0, "wII": 11.0}
# Wilson & Cowan 1972's limit-cycle set (Fig. 9): c1..c4 = 16, 12, 15, 3, P = 1.25, in
# WilsonCowanStep's names
_WC72_CYCLE = {"wEE": 16.0, "wIE": 12.0, "wEI": 15.0, "wII": 3.0, "a_E": 1.3, "theta_E": 4.0,
               "a_I": 2.0, "theta_I": 3.7}


def _wc_finite_bounded(sim, states=("rE", "rI"), inputs=None, t_ms=200.0):
    t, tr = sim(inputs=inputs, t_ms=t_ms)
    for s in states:
        assert np.all(np.isfinite(tr[s])), s
        assert tr[s].min() > -1e-9 and tr[s].max() < 1.0 + 1e-9, (s, tr[s].min(), tr[s].max())
    return t, tr


def _wc_behaviour(sim):
    # brainmass oracle (same equations and defaults, rE_inp = 1): rE -> 0.4843, rI -> 0.2585
    t, tr = sim(inputs={"rE_inp": 1.0, "rI_inp": 0.0}, init={"rE": 0.0, "rI": 0.0}, t_ms=300.0)
    assert abs(tr["rE"][-1] - 0.484306) < 2e-4 and abs(tr["rI"][-1] - 0.258463) < 2e-4
    # Wilson & Cowan 1972 hysteresis set: bistability without input (low rest / high state)
    _, lo = sim(inputs={"rE_inp": 0.0, "rI_inp": 0.0}, init={"rE": 0.0, "rI": 0.0}, t_ms=300.0)
    _, hi = sim(inputs={"rE_inp": 0.0, "rI_inp": 0.0}, init={"rE": 0.5, "rI": 0.1}, t_ms=300.0)
    assert abs(lo["rE"][-1]) < 1e-6 and hi["rE"][-1] > 0.3
    assert np.ptp(lo["rE"][-100:]) < 1e-8 and np.ptp(hi["rE"][-100:]) < 1e-8
    # Wilson & Cowan 1972 limit-cycle set with P = 1.25: sustained E-I oscillation
    t, tr = sim(params=_WC72_CYCLE, inputs={"rE_inp": 1.25, "rI_inp": 0.0},
                init={"rE": 0.1, "rI": 0.05}, t_ms=300.0, sample_ms=0.05)
    tt, rE = _tail(t, tr["rE"], 0.5)
    assert np.ptp(rE) > 0.1, np.ptp(rE)
    period = _period(tt, rE)
    assert 3.0 < period < 10.0, period  # ~5 tau


def _wc_nosat_behaviour(sim):
    _wc_finite_bounded(sim, inputs={"rE_inp": 1.0, "rI_inp": 0.0})
    # without the (1 - r rE) factor the high state is higher than WilsonCowanStep's
    _, tr = sim(inputs={"rE_inp": 1.0, "rI_inp": 0.0}, t_ms=300.0)
    assert tr["rE"][-1] > 0.484306


def _wc_divisive_behaviour(sim):
    t, tr = _wc_finite_bounded(sim, inputs={"rE_inp": 3.0, "rI_inp": 1.0})
    # stronger divisive inhibition lowers the excitatory rate
    _, strong = sim(params={"wEI": 20.0}, inputs={"rE_inp": 3.0, "rI_inp": 1.0}, t_ms=200.0)
    assert strong["rE"][-1] < tr["rE"][-1]


def _wc_delayed_behaviour(sim):
    _wc_finite_bounded(sim, inputs={"rE_inp": 1.0, "rI_inp": 0.0})
    # with zero lags it is the undelayed model with its weights on the same terms
    zero = {"delay_EE": 0.0, "delay_IE": 0.0, "delay_EI": 0.0, "delay_II": 0.0}
    inp, init = {"rE_inp": 1.0, "rI_inp": 0.0}, {"rE": 0.1, "rI": 0.05}
    t, tr = sim(params=zero, inputs=inp, init=init, t_ms=50.0)
    ref = REFERENCES["WilsonCowanStep"]
    t2, tr2 = simulate(ref, params=_WC_BM_BYNAME_AS_STEP, inputs=inp, init=init, t_ms=50.0)
    assert np.allclose(tr["rE"], tr2["rE"], atol=1e-8)
    # nonzero lags change the transient
    t, tr = sim(inputs=inp, init=init, t_ms=50.0)
    assert np.abs(tr["rE"] - tr2["rE"]).max() > 1e-3


def _wc_adaptive_behaviour(sim):
    inp = {"rE_inp": 3.0, "rI_inp": 0.0}
    t, tr = _wc_finite_bounded(sim, states=("rE", "rI"), inputs=inp, t_ms=1000.0)
    _, none = sim(params={"b_E": 0.0, "b_I": 0.0}, inputs=inp, t_ms=1000.0)
    # adaptation builds up slowly (tau_aE = 100 ms) and suppresses activity
    assert tr["aE"][-1] > 0.0 and tr["rE"][-1] < none["rE"][-1]
    k = int(round(100.0 / (t[1] - t[0])))
    assert tr["aE"][k] < tr["aE"][-1]


def _wc_three_behaviour(sim):
    t, tr = _wc_finite_bounded(sim, states=("rE", "rI", "rM"),
                               inputs={"rE_inp": 1.0, "rI_inp": 0.0, "rM_inp": 0.0})
    assert tr["rM"].max() > 0.0
    # the modulatory population is driven by E: stronger wME -> more M activity
    _, more = sim(params={"wME": 16.0}, inputs={"rE_inp": 1.0, "rI_inp": 0.0, "rM_inp": 0.0},
                  t_ms=200.0)
    assert more["rM"][-1] >= tr["rM"][-1]


def _wc_generic_behaviour(sim):
    _wc_finite_bounded(sim, inputs={"rE_inp": 1.0, "rI_inp": 0.0})


# ============================================================================= Jansen-Rit
def _jr_S(v, p):
    return p["s_max"] / (1.0 + np.exp(p["r"] * (p["v0"] - v)))


def _jr_rhs(y, p, u, t):  # Jansen & Rit 1995, y0..y5 = M, E, I, Mv, Ev, Iv
    M, E, I, Mv, Ev, Iv = (y[k] for k in ("M", "E", "I", "Mv", "Ev", "Iv"))
    Ae, Ai, be, bi, C = p["Ae"], p["Ai"], p["be"], p["bi"], p["C"]
    fr = p["fr_scale"]   # brainmass's fr_scale (Identity by default) as a gain
    return {"M": Mv, "E": Ev, "I": Iv,
            "Mv": Ae * be * fr * _jr_S(E - I + u["M_inp"], p) - 2 * be * Mv - be ** 2 * M,
            "Ev": Ae * be * fr * (u["E_inp"] + C * p["a2"] * _jr_S(C * p["a1"] * M, p))
                  - 2 * be * Ev - be ** 2 * E,
            "Iv": Ai * bi * fr * C * p["a4"] * _jr_S(C * p["a3"] * M + u["I_inp"], p)
                  - 2 * bi * Iv - bi ** 2 * I}


def _jr_behaviour(sim):
    # p = 220 Hz: the alpha rhythm of Jansen & Rit 1995 (~10 Hz)
    t, tr = sim(inputs={"M_inp": 0.0, "E_inp": 0.22, "I_inp": 0.0}, t_ms=5000.0, sample_ms=1.0)
    tt, eeg = _tail(t, tr["eeg"], 0.8)
    f = _dominant_frequency_hz(tt, eeg)
    assert 8.0 <= f <= 12.0, f
    assert np.ptp(eeg) > 2.0  # a sustained oscillation of a few mV
    # brainmass oracle (exp-Euler, dt 0.1 ms, 1 s from rest): eeg max 14.35 mV (in the
    # transient), mean 7.58 mV
    t, tr = sim(inputs={"M_inp": 0.0, "E_inp": 0.22, "I_inp": 0.0}, t_ms=1000.0, sample_ms=0.1)
    assert abs(tr["eeg"].max() - 14.35) < 0.3 and abs(tr["eeg"].mean() - 7.58) < 0.3
    # low input (p = 50 Hz): no oscillation, a stable fixed point
    t, tr = sim(inputs={"M_inp": 0.0, "E_inp": 0.05, "I_inp": 0.0}, t_ms=2000.0, sample_ms=1.0)
    assert np.ptp(tr["eeg"][-500:]) < 1e-3


# ============================================================================= Wong-Wang
def _ww_rates(y, p, u):
    I1 = (p["J_N11"] * y["S1"] - p["J_N12"] * y["S2"]
          + p["J_A_ext"] * p["mu_0"] * (1 + u["coherence"]) + p["I_0"] + u["noise_s1"])
    I2 = (p["J_N22"] * y["S2"] - p["J_N21"] * y["S1"]
          + p["J_A_ext"] * p["mu_0"] * (1 - u["coherence"]) + p["I_0"] + u["noise_s2"])
    r1 = p["a"] * (I1 - p["theta"]) if I1 > p["theta"] else 0.0
    r2 = p["a"] * (I2 - p["theta"]) if I2 > p["theta"] else 0.0
    return r1, r2


def _ww_rhs(y, p, u, t):
    r1, r2 = _ww_rates(y, p, u)
    return {"S1": -y["S1"] / p["tau_S"] + (1 - y["S1"]) * p["gamma"] * r1,
            "S2": -y["S2"] / p["tau_S"] + (1 - y["S2"]) * p["gamma"] * r2}


def _ww_behaviour(sim):
    inp = {"coherence": 0.1, "noise_s1": 0.0, "noise_s2": 0.0}
    t, tr = sim(inputs=inp, t_ms=1000.0, sample_ms=1.0)
    # brainmass oracle (coherence 0.1, 1 s, exp-Euler): S1 0.7607, S2 0.7587
    assert abs(tr["S1"][-1] - 0.7607) < 2e-3 and abs(tr["S2"][-1] - 0.7587) < 2e-3
    assert tr["S1"][-1] > tr["S2"][-1] and tr["r1"][-1] > tr["r2"][-1]
    assert np.all((tr["S1"] >= 0) & (tr["S1"] <= 1) & (tr["S2"] >= 0) & (tr["S2"] <= 1))
    # the favoured population wins by more with a stronger coherence
    _, strong = sim(inputs={**inp, "coherence": 0.5}, t_ms=1000.0, sample_ms=1.0)
    assert strong["r1"][-1] - strong["r2"][-1] > tr["r1"][-1] - tr["r2"][-1]
    # a 15 Hz decision threshold is crossed by population 1 (in Hz: r * 1000)
    assert tr["r1"][-1] * 1e3 > 15.0


def _H(x, a, b, d):
    z = a * x - b
    return z / (1.0 - np.exp(-d * z))


def _wwei_x(y, p, u):
    xE = (p["w_p"] * p["J_N"] * y["S_e"] - p["J_i"] * y["S_i"] + p["W_e"] * p["I_o"]
          + p["G"] * p["J_N"] * u["coupling"] + p["I_ext"])
    xI = (p["J_N"] * y["S_e"] - 1.0 * y["S_i"] + p["W_i"] * p["I_o"]
          + p["lamda"] * p["G"] * p["J_N"] * u["coupling"])
    return xE, xI


def _wwei_rhs(y, p, u, t):  # Deco et al. 2014, eqs. 1-6
    xE, xI = _wwei_x(y, p, u)
    HE = _H(xE, p["a_e"], p["b_e"], p["d_e"])
    HI = _H(xI, p["a_i"], p["b_i"], p["d_i"])
    return {"S_e": -y["S_e"] / p["tau_e"] + (1 - y["S_e"]) * p["gamma_e"] * HE + u["noise_e"],
            "S_i": -y["S_i"] / p["tau_i"] + p["gamma_i"] * HI + u["noise_i"]}


def _wwei_behaviour(sim):
    inp = {"coupling": 0.0, "noise_e": 0.0, "noise_i": 0.0}
    t, tr = sim(inputs=inp, t_ms=1000.0, sample_ms=0.1)
    # brainmass oracle (exp-Euler, dt 0.1 ms): S_e(0.1 ms) = 0.00121972, S_e(1 s) = 0.164361
    assert abs(tr["S_e"][1] - 0.00121972) < 2e-6
    assert abs(tr["S_e"][-1] - 0.164361) < 2e-3
    # the steady state: excitatory rate of a few Hz, inhibitory rate higher (Deco 2014)
    t, tr = sim(inputs=inp, t_ms=4000.0, sample_ms=1.0)
    HE, HI = tr["H_e"][-1] * 1e3, tr["H_i"][-1] * 1e3
    assert np.ptp(tr["S_e"][-200:]) < 1e-6
    assert 0.5 < HE < 20.0 and HI > HE, (HE, HI)
    # long-range excitation raises the excitatory rate
    _, tr2 = sim(inputs={**inp, "coupling": 0.3}, t_ms=4000.0, sample_ms=1.0)
    assert tr2["H_e"][-1] > tr["H_e"][-1]


# ============================================================================= QIF mean fields
def _mpr_rhs(y, p, u, t):  # Montbrio, Pazo & Roxin 2015, eqs. (12), dimensional
    r, v, tau = y["r"], y["v"], p["tau"]
    return {"r": (p["delta"] / (PI * tau) + 2 * r * v + u["r_inp"]) / tau,
            "v": (v * v + p["eta"] + p["J"] * tau * r - (PI * tau * r) ** 2 + u["v_inp"]) / tau}


def _mpr_fixed_points(delta, eta, J, I=0.0):
    """Fixed points (tau = 1): r = delta / (-2 pi v), with v a root of
    v^2 + eta + I + J r - (pi r)^2 = 0, v < 0 (MPR 2015, eq. 13)."""
    from scipy.optimize import brentq

    def g(v):
        r = delta / (-2 * PI * v)
        return v * v + eta + I + J * r - (PI * r) ** 2

    vs = np.linspace(-10, -1e-4, 200001)
    gs = g(vs)
    roots = [brentq(g, vs[k], vs[k + 1]) for k in np.where(np.sign(gs[:-1]) != np.sign(gs[1:]))[0]]
    return [(delta / (-2 * PI * v), v) for v in roots]


def _mpr_behaviour(sim):
    zero = {"r_inp": 0.0, "v_inp": 0.0}
    fps = _mpr_fixed_points(1.0, -5.0, 15.0)
    assert len(fps) == 3  # eta = -5, J = 15, Delta = 1: inside the bistable region (Fig. 1)
    low, high = min(fps), max(fps)
    _, lo = sim(inputs=zero, init={"r": 0.0, "v": -2.0}, t_ms=300.0)
    _, hi = sim(inputs=zero, init={"r": 1.0, "v": 0.0}, t_ms=300.0)
    assert abs(lo["r"][-1] - low[0]) < 1e-6 and abs(lo["v"][-1] - low[1]) < 1e-6
    assert abs(hi["r"][-1] - high[0]) < 1e-6 and abs(hi["v"][-1] - high[1]) < 1e-6
    # outside the bistable region (eta = -2): one high-activity state
    assert len(_mpr_fixed_points(1.0, -2.0, 15.0)) == 1
    # tau scaling: with tau = 10 ms the same dimensionless fixed point has r / 10
    _, slow = sim(params={"tau": 10.0}, inputs=zero, init={"r": 0.0, "v": -2.0}, t_ms=3000.0)
    assert abs(slow["r"][-1] - low[0] / 10.0) < 1e-6 and abs(slow["v"][-1] - low[1]) < 1e-6


def _cb_rhs(y, p, u, t):  # Coombes & Byrne 2019 (TVB CoombesByrne)
    r, v = y["r"], y["v"]
    g = p["k"] * PI * r
    return {"r": p["Delta"] / PI + 2 * v * r - g * r + u["r_inp"],
            "v": v * v - (PI * r) ** 2 + p["eta"] + (p["v_syn"] - v) * g + u["v_inp"]}


def _cb_behaviour(sim):
    zero = {"r_inp": 0.0, "v_inp": 0.0}
    t, tr = sim(inputs=zero, t_ms=400.0)
    assert np.all(np.isfinite(tr["r"])) and tr["r"].min() > 0
    # with defaults the node settles on a stable focus
    assert np.ptp(tr["r"][-500:]) < 1e-6
    r, v = tr["r"][-1], tr["v"][-1]
    d = _cb_rhs({"r": r, "v": v}, REFERENCES["CoombesByrneStep"].params, zero, 0.0)
    assert abs(d["r"]) < 1e-8 and abs(d["v"]) < 1e-8
    # k = 0 is the Montbrio-Pazo-Roxin model with J = 0 and tau = 1 ms
    _, cb = sim(params={"k": 0.0}, inputs=zero, init={"r": 0.1, "v": 0.0}, t_ms=50.0)
    mpr = REFERENCES["MontbrioPazoRoxinStep"]
    _, mp = simulate(mpr, params={"J": 0.0, "eta": 2.0, "delta": 1.0, "tau": 1.0},
                     inputs={"r_inp": 0.0, "v_inp": 0.0}, init={"r": 0.1, "v": 0.0}, t_ms=50.0)
    assert np.allclose(cb["r"], mp["r"], rtol=1e-7, atol=1e-10)
    assert np.allclose(cb["v"], mp["v"], rtol=1e-7, atol=1e-10)


# ============================================================================= Larter-Breakspear
def _gate(x, T, d):
    return 0.5 * (1 + np.tanh((x - T) / d))


def _lb_rhs(y, p, u, t):  # Breakspear, Terry & Friston 2003, eqs. 1-5 (TVB form)
    V, W, Z = y["V"], y["W"], y["Z"]
    c = u["V_inp"]
    m_Ca = _gate(V, p["TCa"], p["d_Ca"])
    m_Na = _gate(V, p["TNa"], p["d_Na"])
    m_K = _gate(V, p["TK"], p["d_K"])
    QV = p["QV_max"] * _gate(V, p["VT"], p["d_V"])
    QZ = p["QZ_max"] * _gate(Z, p["ZT"], p["d_Z"])
    I_Ca = (p["gCa"] + (1 - p["C"]) * p["rNMDA"] * p["aee"] * QV
            + p["C"] * p["rNMDA"] * p["aee"] * c) * m_Ca * (V - p["VCa"])
    I_Na = ((p["gNa"] * m_Na + (1 - p["C"]) * p["aee"] * QV + p["C"] * p["aee"] * c)
            * (V - p["VNa"]))
    I_K = p["gK"] * W * (V - p["VK"])
    I_L = p["gL"] * (V - p["VL"])
    ts = p["t_scale"]
    return {"V": ts * (-I_Ca - I_K - I_L - I_Na - p["aie"] * Z * QZ + p["ane"] * p["Iext"]),
            "W": ts * p["phi"] * (m_K - W) / p["tau_K"],
            "Z": ts * p["b"] * (p["ani"] * p["Iext"] + p["aei"] * V * QV)}


def _lb_behaviour(sim):
    zero = {"V_inp": 0.0}
    # d_V = 0.65 (default) and 0.57: sustained, bounded oscillation with several peaks of
    # different heights per cycle. (brainmass's docs call d_V > 0.59 chaotic; with these
    # defaults the reference finds a slowly modulated multi-peak orbit, no sensitivity to a
    # 1e-6 perturbation over 10 s, so no chaos is asserted.)
    for d_V in (0.57, 0.65):
        t, tr = sim(params={"d_V": d_V}, inputs=zero, t_ms=3000.0, sample_ms=0.5)
        _, V = _tail(t, tr["V"], 0.5)
        assert np.all(np.isfinite(V)) and np.abs(V).max() < 1.0
        assert np.std(V) > 0.05
        pk = V[_peaks(V)]
        assert np.std(pk) > 0.05 and pk.max() > 0.3
    # d_V = 0.5: a stable fixed point
    _, fp = sim(params={"d_V": 0.5}, inputs=zero, t_ms=3000.0, sample_ms=0.5)
    assert np.ptp(fp["V"][-1000:]) < 1e-5


# ============================================================================= Epileptor
def _ep_rhs(y, p, u, t):  # Jirsa et al. 2014 (TVB Epileptor with slope / modification)
    x1, y1, z, x2, y2, g = (y[k] for k in ("x1", "y1", "z", "x2", "y2", "g"))
    c1, c2 = u["x1_inp"], u["x2_inp"]
    if x1 < 0:
        f1 = -p["a"] * x1 ** 2 + p["b"] * x1
    else:
        f1 = p["slope"] - x2 + 0.6 * (z - 4) ** 2
    f2 = 0.0 if x2 < -0.25 else p["aa"] * (x2 + 0.25)
    z_nl = -0.1 * z ** 7 if z < 0 else 0.0
    mod = p["modification"]
    h = (mod * (p["x0"] + 3.0 / (1.0 + math.exp(-(x1 + 0.5) / 0.1)))
         + (1 - mod) * (4 * (x1 - p["x0"]) + z_nl))
    tt = p["tt"]
    return {"x1": tt * (y1 - z + p["Iext"] + p["Kvf"] * c1 + f1 * x1) + u["noise_x1"],
            "y1": tt * (p["c"] - p["d"] * x1 ** 2 - y1),
            "z": tt * p["r"] * (h - z + p["Ks"] * c1),
            "x2": tt * (-y2 + x2 - x2 ** 3 + p["Iext2"] + p["bb"] * g - 0.3 * (z - 3.5)
                        + p["Kf"] * c2) + u["noise_x2"],
            "y2": tt * (-y2 + f2) / p["tau"],
            "g": tt * (-0.01 * (g - 0.1 * x1))}


def _ep_behaviour(sim):
    zero = {"x1_inp": 0.0, "x2_inp": 0.0, "noise_x1": 0.0, "noise_x2": 0.0}
    fast = {"method": "LSODA", "rtol": 1e-7, "atol": 1e-9}
    t, tr = sim(inputs=zero, t_ms=6500.0, sample_ms=1.0, **fast)
    x1, z = tr["x1"], tr["z"]
    # x0 = -1.6 (epileptogenic): recurrent seizure-like events (Jirsa et al. 2014, Fig. 2).
    # A seizure is a burst of fast discharges (x1 jumps above -0.5 many times); between
    # seizures x1 stays on the lower branch while the slow permittivity z recovers.
    ictal = x1 > -0.5
    on = np.where(ictal[1:] & ~ictal[:-1])[0]
    starts = [k for k in on if np.all(~ictal[max(0, k - 200):k])]
    assert len(starts) >= 3, starts
    intervals = np.diff(t[starts])
    assert np.all(intervals > 1000.0) and np.ptp(intervals) < 0.1 * intervals.mean(), intervals
    discharges = [np.sum((on >= a) & (on < a + 500)) for a in starts]
    assert min(discharges) >= 5, discharges
    # z falls during a seizure and rises between seizures (slow oscillation of ~1 unit)
    assert 0.8 < np.ptp(z[starts[0]:]) < 2.0
    assert tr["lfp"].min() < -1.0 and tr["lfp"].max() > 0.5
    # x0 = -2.5 (healthy): no seizure after the initial transient
    t, tr = sim(params={"x0": -2.5}, inputs=zero, t_ms=3000.0, sample_ms=1.0, **fast)
    assert np.all(tr["x1"][len(t) // 3:] < -0.5)


# ============================================================================= the table
def _p(**kw):
    return dict(kw)


REFERENCES: Dict[str, Ref] = {}

REFERENCES["HopfStep"] = Ref(
    states=["x", "y"], params=_p(a=0.25, w=0.2, beta=1.0),
    inputs={"x_inp": 0.01, "y_inp": -0.02}, init={"x": 0.1, "y": 0.0},
    outputs={"x": _state("x"), "y": _state("y")}, rhs=_hopf_rhs,
    integrate_ms=200.0, behaviour=_hopf_behaviour, source="Deco et al. 2017, Sci Rep")

REFERENCES["StuartLandauStep"] = Ref(
    states=["x", "y"], params=_p(a=0.25, w=0.2),
    inputs={"x_inp": 0.01, "y_inp": 0.0}, init={"x": 0.025, "y": 0.025},
    outputs={"x": _state("x"), "y": _state("y")}, rhs=_sl_rhs,
    integrate_ms=200.0, behaviour=_sl_behaviour, source="Stuart 1960; Landau 1944")

REFERENCES["VanDerPolStep"] = Ref(
    states=["x", "y"], params=_p(mu=1.0),
    inputs={"x_inp": 0.05, "y_inp": -0.02}, init={"x": 0.025, "y": 0.025},
    outputs={"x": _state("x"), "y": _state("y")}, rhs=_vdp_rhs,
    integrate_ms=50.0, behaviour=_vdp_behaviour, slow=True,
    source="van der Pol 1926 (Lienard form)")

REFERENCES["FitzHughNagumoStep"] = Ref(
    states=["V", "w"],
    params=_p(alpha=3.0, beta=4.0, gamma=-1.5, delta=0.0, epsilon=0.5, tau=20.0),
    inputs={"V_inp": 1.0, "w_inp": 0.001}, init={"V": 0.025, "w": 0.025},
    outputs={"V": _state("V")}, rhs=_fhn_rhs,
    integrate_ms=200.0, behaviour=_fhn_behaviour, slow=True,
    source="FitzHugh 1961; Nagumo et al. 1962")

REFERENCES["ThresholdLinearStep"] = Ref(
    states=["E", "I"], params=_p(tau_E=20.0, tau_I=10.0, beta_E=0.066, beta_I=0.351),
    inputs={"E_inp": 10.0, "I_inp": 2.0}, init={"E": 0.0, "I": 0.5},
    outputs={"E": _state("E")}, rhs=_tl_rhs,
    integrate_ms=100.0, behaviour=_tl_behaviour, source="Chaudhuri et al. 2015, Neuron")

REFERENCES["Generic2dOscillatorStep"] = Ref(
    states=["V", "W"],
    params=_p(a=-2.0, b=-10.0, c=0.0, d=0.02, e=3.0, f=1.0, g=0.0, alpha=1.0, beta=1.0,
              gamma=1.0, I=0.0, tau=1.0),
    inputs={"V_inp": 0.2, "noise_V": 0.001, "noise_W": -0.001}, init={"V": 1.0, "W": -2.0},
    outputs={"V": _state("V")}, rhs=_g2d_rhs,
    integrate_ms=500.0, behaviour=_g2d_behaviour, slow=True,
    source="Sanz-Leon et al. 2015, NeuroImage (TVB Generic2dOscillator)")

REFERENCES["LorenzStep"] = Ref(
    states=["x", "y", "z"], params=_p(sigma=10.0, rho=28.0, beta=8.0 / 3.0),
    inputs={"x_inp": 0.0}, init={"x": 1.0, "y": 1.0, "z": 1.0},
    outputs={"x": _state("x")}, rhs=_lorenz_rhs,
    integrate_ms=5.0, sample_ms=0.01, behaviour=_lorenz_behaviour, slow=True,
    source="Lorenz 1963")

REFERENCES["LinearStep"] = Ref(
    states=["x"], params=_p(gamma=-10.0),
    inputs={"x_inp": 0.05}, init={"x": 0.01},
    outputs={"x": _state("x")}, rhs=_linear_rhs,
    integrate_ms=1.0, sample_ms=0.01, behaviour=_linear_behaviour,
    source="Sanz-Leon et al. 2015 (TVB Linear)")

_KUR_W = np.ones((_KUR_N, _KUR_N)) - np.eye(_KUR_N)
REFERENCES["KuramotoNetwork"] = Ref(
    states=["theta"],
    params=_p(omega=_gauss_quantiles(_KUR_N, 0.02), K=0.05, alpha=0.1),
    inputs={"theta_inp": 0.0},
    init={"theta": np.random.default_rng(0).uniform(0, 2 * PI, _KUR_N)},
    outputs={"theta": _state("theta")}, rhs=_kuramoto_rhs,
    integrate_ms=200.0, sample_ms=0.5, behaviour=_kuramoto_behaviour,
    network={"n_nodes": _KUR_N, "weights": _KUR_W, "coupling": "KuramotoCoupling",
             "coupling_params": ("K", "alpha"), "coupled": "theta", "target": "theta_inp"},
    source="Kuramoto 1975; Sakaguchi & Kuramoto 1986")

_WC_IN = {"rE_inp": 1.0, "rI_inp": 0.2}
_WC_OUT = {"rE": _state("rE")}
_WC0 = {"rE": 0.0, "rI": 0.0}


def _wc_ref(params, rhs, behaviour, source, inputs=None, init=None, states=("rE", "rI"),
            **kw):
    return Ref(states=list(states), params=params, inputs=dict(inputs or _WC_IN),
               init=dict(init or _WC0), outputs=_WC_OUT, rhs=rhs,
               integrate_ms=kw.pop("integrate_ms", 50.0), behaviour=behaviour, source=source,
               **kw)


REFERENCES["WilsonCowanStep"] = _wc_ref(
    _p(**_WC_COMMON, **_WC72_HYST, r=1.0), _wc_rhs, _wc_behaviour,
    "Wilson & Cowan 1972, Biophys J")
REFERENCES["WilsonCowanNoSaturationStep"] = _wc_ref(
    _p(**_WC_COMMON, **_WC72_HYST), _wc_nosat_rhs, _wc_nosat_behaviour,
    "Wilson & Cowan 1972 without refractoriness")
REFERENCES["WilsonCowanSymmetricStep"] = _wc_ref(
    _p(tau=1.0, a=1.1, theta=3.4, **_WC72_HYST, r=1.0), _wc_symmetric_rhs,
    _wc_generic_behaviour, "Wilson & Cowan 1972 (shared tau, a, theta)")
REFERENCES["WilsonCowanSimplifiedStep"] = _wc_ref(
    _p(**_WC_COMMON, w_exc=8.0, w_inh=12.0, r=1.0), _wc_simplified_rhs,
    _wc_generic_behaviour, "Wilson & Cowan 1972 (one excitatory and one inhibitory weight)",
    inputs={"rE_inp": 3.0, "rI_inp": 0.5})
REFERENCES["WilsonCowanLinearStep"] = _wc_ref(
    _p(tau_E=1.0, tau_I=1.0, wEE=0.8, wIE=0.3, wEI=1.0, wII=0.85, r=1.0), _wc_linear_rhs,
    _wc_generic_behaviour, "Wilson & Cowan 1972 with a rectified-linear transfer",
    inputs={"rE_inp": 0.5, "rI_inp": 0.1})
_WC_DIV = _p(**_WC_COMMON, wEE=6.0, wEI=6.5, wIE=2.0, wII=5.5, r=1.0, sigma_E=1.0, sigma_I=1.0)
REFERENCES["WilsonCowanDivisiveStep"] = _wc_ref(
    dict(_WC_DIV), _wc_divisive_rhs, _wc_divisive_behaviour,
    "Wilson-Cowan with divisive gain normalisation",
    inputs={"rE_inp": 3.0, "rI_inp": 1.0}, init={"rE": 0.1, "rI": 0.1})
REFERENCES["WilsonCowanDivisiveInputStep"] = _wc_ref(
    dict(_WC_DIV), _wc_divisive_input_rhs, _wc_generic_behaviour,
    "Wilson-Cowan with divisive input normalisation",
    inputs={"rE_inp": 3.0, "rI_inp": 1.0}, init={"rE": 0.1, "rI": 0.1})
REFERENCES["WilsonCowanDelayedStep"] = _wc_ref(
    _p(**_WC_COMMON, **_WC_BM_BYNAME, r=1.0, delay_EE=2.0, delay_IE=2.0, delay_EI=1.5,
       delay_II=1.5),
    _wc_delayed_rhs, _wc_delayed_behaviour,
    "Wilson-Cowan with intra-node delays (history = initial state)",
    init={"rE": 0.1, "rI": 0.05}, slow=True,
    delays=(("rE", "delay_EE"), ("rI", "delay_EI"), ("rE", "delay_IE"), ("rI", "delay_II")))
REFERENCES["WilsonCowanAdaptiveStep"] = _wc_ref(
    _p(**_WC_COMMON, **_WC_BM_BYNAME, r=1.0, tau_aE=100.0, tau_aI=80.0, b_E=0.1, b_I=0.08),
    _wc_adaptive_rhs, _wc_adaptive_behaviour, "Wilson-Cowan with adaptation",
    inputs={"rE_inp": 3.0, "rI_inp": 0.5}, init={"rE": 0.0, "rI": 0.0, "aE": 0.0, "aI": 0.0},
    states=("rE", "rI", "aE", "aI"), integrate_ms=300.0)
REFERENCES["WilsonCowanThreePopulationStep"] = _wc_ref(
    _p(**_WC_COMMON, **_WC_BM_BYNAME, r=1.0, tau_M=2.0, a_M=1.0, theta_M=3.5, wME=8.0,
       wMI=6.0, wEM=4.0, wIM=2.0, wMM=2.0),
    _wc_three_rhs, _wc_three_behaviour, "Wilson-Cowan with a third population",
    inputs={"rE_inp": 1.0, "rI_inp": 0.2, "rM_inp": 0.5},
    init={"rE": 0.0, "rI": 0.0, "rM": 0.0}, states=("rE", "rI", "rM"))

REFERENCES["JansenRitStep"] = Ref(
    states=["M", "E", "I", "Mv", "Ev", "Iv"],
    params=_p(Ae=3.25, Ai=22.0, be=0.1, bi=0.05, C=135.0, a1=1.0, a2=0.8, a3=0.25, a4=0.25,
              s_max=0.005, v0=6.0, r=0.56, fr_scale=1.0),
    inputs={"M_inp": 0.1, "E_inp": 0.22, "I_inp": -0.1},
    init={"M": 0.0, "E": 0.0, "I": 0.0, "Mv": 0.0, "Ev": 0.0, "Iv": 0.0},
    outputs={"eeg": lambda y, p, u: y["E"] - y["I"]}, rhs=_jr_rhs,
    integrate_ms=500.0, sample_ms=0.5, behaviour=_jr_behaviour,
    source="Jansen & Rit 1995, Biol Cybern")

REFERENCES["WongWangStep"] = Ref(
    states=["S1", "S2"],
    params=_p(tau_S=100.0, gamma=0.641, a=0.27, theta=0.31, J_N11=0.2609, J_N22=0.2609,
              J_N12=0.0497, J_N21=0.0497, J_A_ext=0.2243, mu_0=0.03, I_0=0.3255),
    inputs={"coherence": 0.1, "noise_s1": 0.0, "noise_s2": 0.001}, init={"S1": 0.0, "S2": 0.0},
    outputs={"r1": lambda y, p, u: _ww_rates(y, p, u)[0],
             "r2": lambda y, p, u: _ww_rates(y, p, u)[1]},
    rhs=_ww_rhs, integrate_ms=1000.0, sample_ms=1.0, behaviour=_ww_behaviour,
    source="Wong & Wang 2006, J Neurosci (reduced model, threshold-linear f-I as brainmass)")

REFERENCES["WongWangExcInhStep"] = Ref(
    states=["S_e", "S_i"],
    params=_p(a_e=0.31, b_e=0.125, d_e=160.0, gamma_e=0.641, tau_e=100.0, w_p=1.4, W_e=1.0,
              a_i=0.615, b_i=0.177, d_i=87.0, gamma_i=1.0, tau_i=10.0, W_i=0.7, J_N=0.15,
              J_i=1.0, I_o=0.382, I_ext=0.0, G=2.0, lamda=0.0),
    inputs={"coupling": 0.1, "noise_e": 0.0, "noise_i": 0.0}, init={"S_e": 0.001, "S_i": 0.001},
    outputs={"S_e": _state("S_e"),
             "H_e": lambda y, p, u: _H(_wwei_x(y, p, u)[0], p["a_e"], p["b_e"], p["d_e"]),
             "H_i": lambda y, p, u: _H(_wwei_x(y, p, u)[1], p["a_i"], p["b_i"], p["d_i"])},
    rhs=_wwei_rhs, integrate_ms=1000.0, sample_ms=1.0, behaviour=_wwei_behaviour,
    source="Deco et al. 2014, J Neurosci")

REFERENCES["MontbrioPazoRoxinStep"] = Ref(
    states=["r", "v"], params=_p(tau=1.0, eta=-5.0, delta=1.0, J=15.0),
    inputs={"r_inp": 0.0, "v_inp": 0.5}, init={"r": 2.5e-5, "v": 0.025},
    outputs={"r": _state("r")}, rhs=_mpr_rhs,
    integrate_ms=100.0, behaviour=_mpr_behaviour,
    source="Montbrio, Pazo & Roxin 2015, Phys Rev X")

REFERENCES["CoombesByrneStep"] = Ref(
    states=["r", "v"], params=_p(Delta=1.0, eta=2.0, k=1.0, v_syn=-4.0),
    inputs={"r_inp": 0.01, "v_inp": 0.1}, init={"r": 0.1, "v": 0.0},
    outputs={"r": _state("r")}, rhs=_cb_rhs,
    integrate_ms=100.0, behaviour=_cb_behaviour, source="Coombes & Byrne 2019")

REFERENCES["LarterBreakspearStep"] = Ref(
    states=["V", "W", "Z"],
    params=_p(gCa=1.1, gK=2.0, gL=0.5, gNa=6.7, TCa=-0.01, TK=0.0, TNa=0.3, d_Ca=0.15,
              d_K=0.3, d_Na=0.15, VCa=1.0, VK=-0.7, VL=-0.5, VNa=0.53, phi=0.7, tau_K=1.0,
              aee=0.4, aei=2.0, aie=2.0, ane=1.0, ani=0.4, b=0.1, C=0.1, Iext=0.3, rNMDA=0.25,
              VT=0.0, d_V=0.65, ZT=0.0, d_Z=0.7, QV_max=1.0, QZ_max=1.0, t_scale=1.0),
    inputs={"V_inp": 0.1}, init={"V": 0.0, "W": 0.0, "Z": 0.0},
    outputs={"V": _state("V")}, rhs=_lb_rhs,
    integrate_ms=100.0, behaviour=_lb_behaviour, slow=True,
    source="Breakspear, Terry & Friston 2003, Cereb Cortex (TVB LarterBreakspear)")

REFERENCES["EpileptorStep"] = Ref(
    states=["x1", "y1", "z", "x2", "y2", "g"],
    params=_p(a=1.0, b=3.0, c=1.0, d=5.0, r=0.00035, x0=-1.6, Iext=3.1, slope=0.0, Iext2=0.45,
              tau=10.0, aa=6.0, bb=2.0, Kvf=0.0, Kf=0.0, Ks=0.0, tt=1.0, modification=0.0),
    inputs={"x1_inp": 0.0, "x2_inp": 0.0, "noise_x1": 0.0, "noise_x2": 0.0},
    init={"x1": -1.5, "y1": -10.0, "z": 3.5, "x2": -1.0, "y2": 0.0, "g": 0.0},
    outputs={"lfp": lambda y, p, u: y["x2"] - y["x1"]}, rhs=_ep_rhs,
    integrate_ms=200.0, sample_ms=0.5, behaviour=_ep_behaviour, slow=True,
    source="Jirsa et al. 2014, Brain (TVB Epileptor)")
