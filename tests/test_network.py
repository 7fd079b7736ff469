"""Whole-brain networks (issue 5, item 2): the fused network kernel against an analytic
delayed linear system and against plain-NumPy loop simulations written here (same lags,
same noise stream, same scheme), plus the runtime contracts: zero delay == no delay,
sparse == dense, batch element == single run, chunked == unchunked, continued == one run,
self connections, the connectivity convention, delays, history, errors, and the bundled
68-region connectome.

Conventions under test: conn[i, j] is the weight from node j to node i; lag_ij =
round(delay_ij / dt) steps (delay = distance / speed, mm and m/s = mm/ms); the coupling of
step g is computed once from the states at the start of the step (held over the stages of
the scheme) with x_j(t_g - lag_ij dt), and the history before t = 0 equals the initial state;
network noise draws fast_normal(seed, step, batch, node, stream).
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

import brainmass_dsl as bm
from brainmass_dsl.rng import fast_normals_numpy

MODELS = Path(__file__).resolve().parent / "models"


@pytest.fixture(scope="module")
def lib():
    return bm.load(MODELS / "network_models.nmm")


def run(net, duration, dt=0.1, **kw):
    kw.setdefault("progress", False)
    return bm.Simulator(net, dt=dt).run(duration, **kw)


def close(actual, desired, rtol=1e-12, atol=1e-13):
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol)


def rand_conn(n, seed, density=0.6, max_delay=3.0):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.1, 1.0, (n, n)) * (rng.random((n, n)) < density)
    d = rng.uniform(0.0, max_delay, (n, n))
    return w, d


# ------------------------------------------------------------------ NumPy reference
@dataclass
class RefTerm:
    """One coupling term of the reference: s_i = sum_j W_ij pre(c_i, c_j(t - lag_ij dt)),
    the target input receives post(s)."""

    W: np.ndarray                     # effective weights (diagonal already handled)
    lag: np.ndarray                   # (N, N) int steps
    coupled: Callable                 # states dict -> (N,)
    pre: Callable                     # (c_i[:, None], c_j delayed (N, N)) -> (N, N)
    post: Callable                    # s (N,) -> (N,)
    target: str


def weights_of(conn, self_connection=False):
    w = np.array(conn, dtype=float)
    if not self_connection:
        np.fill_diagonal(w, 0.0)
    return w


def lags_of(delay_ms, dt):
    return np.rint(np.asarray(delay_ms) / dt).astype(int)


def reference(deriv, x0, terms, n_steps, dt, scheme="euler", noise=None, batch=0, seed=0):
    """Plain loop over steps; returns {state: (n_steps, N)} recorded at the end of each step.

    deriv(states, inputs) -> derivatives; noise: {state: (sigma, stream)} additive white
    noise, x += sqrt(dt) sigma z with z = fast_normal(seed, step, batch, node, stream).
    """
    state = {k: np.array(v, dtype=float) for k, v in x0.items()}
    n = len(next(iter(state.values())))
    hist = [[] for _ in terms]
    out = {k: [] for k in state}
    for g in range(n_steps):
        inputs = {}
        for t, h in zip(terms, hist):
            c = np.asarray(t.coupled(state), dtype=float)
            h.append(c.copy())
            delayed = np.empty((n, n))
            for i in range(n):
                for j in range(n):
                    gj = g - t.lag[i, j]
                    delayed[i, j] = h[gj][j] if gj >= 0 else h[0][j]
            s = np.array([sum(t.W[i, j] * t.pre(c[i], delayed[i, j]) for j in range(n))
                          for i in range(n)])
            inputs[t.target] = inputs.get(t.target, 0.0) + t.post(s)

        def f(st, inputs=inputs):
            return deriv(st, inputs)

        if scheme in ("euler", "euler_maruyama"):
            k1 = f(state)
            new = {k: state[k] + dt * k1[k] for k in state}
        elif scheme == "heun2":                     # explicit trapezoid (TVB's Heun)
            k1 = f(state)
            k2 = f({k: state[k] + dt * k1[k] for k in state})
            new = {k: state[k] + dt / 2 * (k1[k] + k2[k]) for k in state}
        elif scheme == "heun":                      # Heun's third-order method (braintools)
            k1 = f(state)
            k2 = f({k: state[k] + dt / 3 * k1[k] for k in state})
            k3 = f({k: state[k] + 2 * dt / 3 * k2[k] for k in state})
            new = {k: state[k] + dt * (k1[k] / 4 + 3 * k3[k] / 4) for k in state}
        elif scheme == "rk4":
            k1 = f(state)
            k2 = f({k: state[k] + dt / 2 * k1[k] for k in state})
            k3 = f({k: state[k] + dt / 2 * k2[k] for k in state})
            k4 = f({k: state[k] + dt * k3[k] for k in state})
            new = {k: state[k] + dt / 6 * (k1[k] + 2 * k2[k] + 2 * k3[k] + k4[k]) for k in state}
        else:
            raise ValueError(scheme)
        for name, (sigma, stream) in (noise or {}).items():
            z = fast_normals_numpy(seed, g, batch, np.arange(n), stream)
            new[name] = new[name] + np.sqrt(dt) * sigma * z
        state = new
        for k in state:
            out[k].append(state[k].copy())
    return {k: np.array(v) for k, v in out.items()}


def hopf_deriv(a=0.25, w=0.2, beta=1.0):
    def f(s, inp):
        x, y = s["x"], s["y"]
        r = x * x + y * y
        return {"x": (a - beta * r) * x - w * y + inp.get("x_inp", 0.0),
                "y": (a - beta * r) * y + w * x + inp.get("y_inp", 0.0)}
    return f


def two_state_deriv(a=0.5, b=0.8, tau=4.0):
    def f(s, inp):
        x, y = s["x"], s["y"]
        return {"x": -a * x + b * np.tanh(y) + inp.get("x_inp", 0.0),
                "y": (x - y) / tau + inp.get("y_inp", 0.0)}
    return f


def diffusive(k):
    return dict(pre=lambda xi, xj: xj - xi, post=lambda s: k * s)


def additive(k, b=0.0):
    return dict(pre=lambda xi, xj: xj, post=lambda s: k * s + b)


# ------------------------------------------------------------------ analytic
def test_analytic_delayed_linear_system():
    """dx_i/dt = g x_i + k sum_j w_ij x_j(t - d), x = x0 before t = 0 (method of steps).

    On [0, d] the delayed term is the constant k W x0: x = x_inf + (x0 - x_inf) e^{g t}, which
    exponential Euler reproduces to round-off (the coupling is constant over each step). On
    [d, 2d]: x = -A/g + (B u + C) e^{g u}, u = t - d, A = k W x_inf, B = k W (x0 - x_inf),
    C = x(d) + A/g; the delayed input is held over each step, so the error is O(dt)."""
    g, k, d = -0.5, 0.8, 2.0
    W = np.array([[0.0, 1.0, 0.3], [0.5, 0.0, 0.0], [0.2, 0.7, 0.0]])
    x0 = np.array([1.0, -0.5, 0.25])
    x_inf = -k * W @ x0 / g
    A, B = k * W @ x_inf, k * W @ (x0 - x_inf)

    def first(t):
        return x_inf + (x0 - x_inf) * np.exp(g * np.asarray(t)[..., None])

    def second(t):
        u = np.asarray(t)[..., None] - d
        return -A / g + (B * u + first(d) + A / g) * np.exp(g * u)

    errors = []
    for dt in (0.1, 0.05):
        node = bm.LinearStep(3, gamma=g, init_x=x0)
        net = bm.Network(node, conn=W, delay=np.full((3, 3), d), coupling="additive",
                         coupled_var="x", k=k)
        assert net.method == "exp_euler"
        res = run(net, 2 * d, dt=dt)
        lag = int(round(d / dt))
        ts, x = res.ts, res["x"]
        # steps 0..lag use x_j(t - d) = x0: exact on [0, (lag + 1) dt]
        close(x[:lag + 1], first(ts[:lag + 1]), rtol=1e-11, atol=1e-14)
        errors.append(np.abs(x[-1] - second(ts[-1])).max())
        assert ts[-1] == pytest.approx(2 * d)
    assert errors[0] < 0.05, errors
    assert 1.8 < errors[0] / errors[1] < 2.2, errors  # first order in dt on the second interval


def test_history_before_t0_is_the_initial_state():
    """gamma = 0, additive coupling, Euler: x_i(n dt) = x0_i + n dt sum_j w_ij x0_j while
    every delayed value comes from before t = 0 (n <= min lag + 1)."""
    rng = np.random.default_rng(3)
    N, dt = 4, 0.1
    W = rng.uniform(0.2, 1.0, (N, N))
    D = rng.uniform(3.0, 6.0, (N, N))          # lags 30..60 steps
    x0 = rng.standard_normal(N)
    node = bm.LinearStep(N, gamma=0.0, init_x=x0, method="euler")
    net = bm.Network(node, conn=W, delay=D, coupling="additive", coupled_var="x", k=1.0)
    res = run(net, 5.0, dt=dt)
    n_ok = lags_of(D, dt)[~np.eye(N, dtype=bool)].min() + 1
    n = np.arange(1, n_ok + 1)[:, None]
    close(res["x"][:n_ok], x0 + n * dt * (weights_of(W) @ x0), rtol=1e-13, atol=1e-13)
    # a new run (init_states=True) starts from a fresh history, not the last run's
    np.testing.assert_array_equal(run(net, 5.0, dt=dt)["x"], res["x"])


# ------------------------------------------------------------------ NumPy references
def test_reference_diffusive_delays_additive_noise_batched():
    """Hopf, delayed diffusive coupling, network noise, Euler-Maruyama; batch of 2 with a
    per-batch k: element b draws the noise of batch index b."""
    N, dt, n = 6, 0.1, 150
    W, D = rand_conn(N, 1, max_delay=2.5)            # lags up to 25 (long and short edges)
    rng = np.random.default_rng(2)
    x0, y0 = 0.3 * rng.standard_normal(N), 0.3 * rng.standard_normal(N)
    a, w, beta, sigma, ks = 0.1, 0.3, 1.0, 0.05, np.array([0.4, 0.9])
    node = bm.HopfStep(N, method="euler_maruyama", init_x=x0, init_y=y0, a=a, w=w, beta=beta)
    net = bm.Network(node, conn=W, delay=D, coupling="diffusive", coupled_var="x", k=ks,
                     noise=sigma)
    res = run(net, n * dt, dt=dt, batch_size=2, seed=7, monitors=["x", "y"])
    assert res["x"].shape == (n, 2, N)
    for b in range(2):
        term = RefTerm(weights_of(W), lags_of(D, dt), lambda s: s["x"], target="x_inp",
                       **diffusive(ks[b]))
        ref = reference(hopf_deriv(a, w, beta), {"x": x0, "y": y0}, [term], n, dt,
                        "euler_maruyama", noise={"x": (sigma, 0)}, batch=b, seed=7)
        close(res["x"][:, b], ref["x"])
        close(res["y"][:, b], ref["y"])


@pytest.mark.parametrize("scheme", ["heun2", "heun"])
@pytest.mark.parametrize("coupling,params,post", [
    ("sigmoidal", dict(k=0.6, a=1.5, b=0.1, slope=2.0, midpoint=0.2),
     lambda s: 0.6 / (1 + np.exp(-2.0 * (1.5 * s + 0.1 - 0.2)))),
    ("tanh", dict(k=0.4, scale=1.7), lambda s: 0.4 * np.tanh(1.7 * s)),
])
def test_reference_nonlinear_coupling_heun(coupling, params, post, scheme):
    """A nonlinear post() with delays; Heun's second- and third-order methods: the coupling
    is held over the stages."""
    N, dt, n = 5, 0.1, 120
    W, D = rand_conn(N, 4, max_delay=1.5)
    rng = np.random.default_rng(5)
    x0, y0 = 0.4 * rng.standard_normal(N), 0.4 * rng.standard_normal(N)
    node = bm.HopfStep(N, method=scheme, init_x=x0, init_y=y0)
    net = bm.Network(node, conn=W, delay=D, coupling=coupling, coupled_var="x",
                     coupling_params=params)
    res = run(net, n * dt, dt=dt, monitors=["x", "y"])
    term = RefTerm(weights_of(W), lags_of(D, dt), lambda s: s["x"], lambda xi, xj: xj, post,
                   "x_inp")
    ref = reference(hopf_deriv(), {"x": x0, "y": y0}, [term], n, dt, scheme)
    close(res["x"], ref["x"])
    close(res["y"], ref["y"])


@pytest.mark.parametrize("sparse", [False, True])
def test_reference_kuramoto_per_edge(sparse):
    """Kuramoto-Sakaguchi: pre = sin(x_j - x_i - alpha) is evaluated per edge."""
    N, dt, n = 7, 0.1, 150
    W, D = rand_conn(N, 6, max_delay=2.0)
    rng = np.random.default_rng(7)
    th0, omega = rng.uniform(0, 2 * np.pi, N), rng.uniform(0.05, 0.2, N)
    K, alpha = 0.8, 0.3
    node = bm.Kuramoto(N, omega=omega, init_theta=th0, method="euler")
    net = bm.Network(node, conn=W, delay=D, coupling="KuramotoCoupling",
                     coupling_params={"K": K, "alpha": alpha}, sparse=sparse)
    assert net._meta["coupling_terms"][0]["per_edge"]
    res = run(net, n * dt, dt=dt)
    term = RefTerm(weights_of(W), lags_of(D, dt), lambda s: s["theta"],
                   lambda xi, xj: np.sin(xj - xi - alpha), lambda s: K * s / N, "theta_inp")
    ref = reference(lambda s, inp: {"theta": omega + inp["theta_inp"]}, {"theta": th0},
                    [term], n, dt)
    close(res["theta"], ref["theta"])


@pytest.mark.parametrize("same_input", [False, True])
def test_reference_two_coupling_terms(lib, same_input):
    """Long-range (delayed, additive, on x_inp) + local (undelayed diffusive of y, on y_inp
    or also on x_inp) coupling terms on one node; the second term's parameters are
    "local.<name>"."""
    N, dt, n = 5, 0.1, 120
    W1, D1 = rand_conn(N, 8, max_delay=2.0)
    W2 = np.random.default_rng(9).uniform(0, 1, (N, N))
    target2 = "x_inp" if same_input else "y_inp"
    node = lib.TwoState(N, method="heun2")
    local = bm.Coupling("diffusive", conn=W2, coupled_var="y", target=target2, name="local",
                        params={"k": 0.7})
    net = bm.Network(node, conn=W1, delay=D1, coupling="additive", coupled_var="x",
                     target="x_inp", coupling_params={"k": 0.3, "b": 0.01}, couplings=[local])
    assert "local.k" in net.parameter_names and "coupling.b" in net.parameter_names
    assert net.get_param("local.k") == pytest.approx(0.7)
    res = run(net, n * dt, dt=dt, monitors=["x", "y"])
    terms = [RefTerm(weights_of(W1), lags_of(D1, dt), lambda s: s["x"], target="x_inp",
                     **additive(0.3, 0.01)),
             RefTerm(weights_of(W2), np.zeros((N, N), int), lambda s: s["y"], target=target2,
                     **diffusive(0.7))]
    ref = reference(two_state_deriv(), {"x": np.full(N, 0.1), "y": np.full(N, -0.2)}, terms,
                    n, dt, "heun2")
    close(res["x"], ref["x"])
    close(res["y"], ref["y"])
    # changing a term's parameter never recompiles and changes the run
    key = net.kernel.key
    net.set_params(**{"local.k": 0.0})
    assert net.kernel.key == key
    assert not np.array_equal(run(net, n * dt, dt=dt)["y"], res["y"])


def test_reference_coupled_expression(lib):
    """The coupled quantity is the node's `couples x - y` (an expression, not a state);
    RK4, delays, per-node parameters."""
    N, dt, n = 5, 0.1, 100
    W, D = rand_conn(N, 10, max_delay=1.2)
    a = np.linspace(0.3, 0.7, N)
    node = lib.TwoState(N, method="rk4", a=a, init_x=np.linspace(-0.5, 0.5, N))
    net = bm.Network(node, conn=W, delay=D, coupling="diffusive", target="y_inp", k=0.6)
    assert net._meta["coupling_terms"][0]["coupled"] == "x - y"
    res = run(net, n * dt, dt=dt, monitors=["x", "y"])
    term = RefTerm(weights_of(W), lags_of(D, dt), lambda s: s["x"] - s["y"], target="y_inp",
                   **diffusive(0.6))
    ref = reference(two_state_deriv(a=a), {"x": np.linspace(-0.5, 0.5, N),
                                           "y": np.full(N, -0.2)}, [term], n, dt, "rk4")
    close(res["x"], ref["x"])
    close(res["y"], ref["y"])


def _jansen_rit_reference(N, W, D, dt, n, init, pre, post, target, to_declared, base):
    """JR nodes advanced by the node model's own compiled step (`update`), the coupling
    computed here in NumPy from the history of E - I; `to_declared` converts post(s) to the
    target input's declared unit."""
    node = bm.JansenRitStep(N, **init)
    node.init_all_states()
    lag = lags_of(D, dt)
    Wz = weights_of(W)
    hist, out = [], []
    with bm.environ.context(dt=dt):
        for g in range(n):
            c = node.E.value - node.I.value
            hist.append(c.copy())
            s = np.zeros(N)
            for i in range(N):
                for j in range(N):
                    gj = g - lag[i, j]
                    s[i] += Wz[i, j] * pre(c[i], hist[gj][j] if gj >= 0 else hist[0][j])
            node.update(**{**base, target: base.get(target, 0.0) + to_declared * post(s)})
            out.append(node.E.value - node.I.value)
    return np.array(out)


JR_INIT = dict(init_M=np.array([0.1, 0.3, -0.2, 0.0]), init_E=np.array([1.0, 3.0, 5.0, 8.0]),
               init_I=np.array([0.5, 2.0, 4.0, 1.0]))


def test_reference_jansen_rit_eeg_coupling():
    """JR's own `couples E - I` (the EEG), diffusive into M_inp (mV) with delays."""
    N, dt, n = 4, 0.1, 150
    W, D = rand_conn(N, 11, density=0.8, max_delay=3.0)
    base = {"E_inp": 220.0}
    net = bm.Network(bm.JansenRitStep(N, **JR_INIT), conn=W, delay=D, coupling="diffusive",
                     k=0.5)
    assert net._meta["coupling_terms"][0]["coupled"] == "E - I"
    res = run(net, n * dt, dt=dt, inputs=base, monitors=["eeg"])
    ref = _jansen_rit_reference(N, W, D, dt, n, JR_INIT, lambda xi, xj: xj - xi,
                                lambda s: 0.5 * s, "M_inp", 1.0, base)
    close(res["eeg"], ref, rtol=1e-10, atol=1e-11)


def test_sigmoidal_jansen_rit_rate_is_canonical():
    """SigmoidalJansenRit's output is documented (models/coupling/couplings.nmm) as a rate in
    canonical 1/ms (cmax = 0.005 /ms = 5 Hz) for JansenRitStep's E_inp (declared in Hz): with
    k = 1 and unit weights node i should receive up to 5 Hz per neighbour."""
    N, dt, n = 4, 0.1, 150
    W, D = rand_conn(N, 12, density=0.9, max_delay=2.0)
    base = {"E_inp": 150.0}
    net = bm.Network(bm.JansenRitStep(N, **JR_INIT), conn=W, delay=D,
                     coupling="SigmoidalJansenRit", target="E_inp", k=1.0)
    res = run(net, n * dt, dt=dt, inputs=base, monitors=["eeg"])

    def pre(xi, xj):
        return 0.0 + (0.005 - 0.0) / (1 + np.exp(0.56 * (6.0 - xj)))

    ref = _jansen_rit_reference(N, W, D, dt, n, JR_INIT, pre, lambda s: 1.0 * s, "E_inp",
                                1000.0, base)  # 1/ms -> Hz
    close(res["eeg"], ref, rtol=1e-10, atol=1e-11)


def test_coupled_value_unit_same_for_state_and_expression(lib):
    """`coupled_var="u"` and `coupled_var="1 * u"` are the same quantity (a rate declared in
    Hz) and must give the same network."""
    N, dt, n = 4, 0.1, 100
    W = np.random.default_rng(13).uniform(0.2, 1.0, (N, N))
    u0 = np.array([1.0, 4.0, 9.0, 20.0])  # Hz
    runs = {}
    for cv in ("u", "1 * u"):
        node = lib.RateNode(N, init_u=u0, method="euler")
        net = bm.Network(node, conn=W, coupling="diffusive", coupled_var=cv, k=0.5)
        runs[cv] = run(net, n * dt, dt=dt)["u"]
    # reference in Hz (dimensionally consistent in any unit: diffusive is linear)
    term = RefTerm(weights_of(W), np.zeros((N, N), int), lambda s: s["u"], target="u_inp",
                   **diffusive(0.5))
    ref = reference(lambda s, inp: {"u": (inp["u_inp"] - s["u"]) / 10.0}, {"u": u0}, [term],
                    n, dt)
    close(runs["u"], ref["u"])
    close(runs["1 * u"], ref["u"])


@pytest.mark.parametrize("per_node", [False, True])
def test_separable_and_per_edge_forms_of_a_coupling_agree(lib, per_node):
    """SigmoidRate and SigmoidRatePerEdge (tests/models/network_models.nmm) are the same
    coupling; the compiler stores the first's G(x_j) per node and evaluates the second per
    edge. Both give the same network. A per-node value of a parameter inside G(x_j) would be
    read at the sending node in the separable form, so it is refused there (the per-edge form
    reads the receiving node's value)."""
    N = 4
    W = np.random.default_rng(0).uniform(0.2, 1.0, (N, N))
    out = {}
    for c in ("SigmoidRate", "SigmoidRatePerEdge"):
        net = bm.Network(lib.TwoState(N, method="euler"), conn=W, coupling=c,
                         coupled_var="x", k=0.5)
        assert net._meta["coupling_terms"][0]["per_edge"] == c.endswith("PerEdge")
        if per_node:
            net.set_params(**{"coupling.midpoint": np.linspace(-1.0, 1.0, N)})
            if c == "SigmoidRate":
                with pytest.raises(ValueError, match="coupling.midpoint.*cannot differ between"):
                    run(net, 5.0)
                net.set_params(**{"coupling.midpoint": 0.3})
        out[c] = run(net, 5.0)["x"]
    if not per_node:
        close(out["SigmoidRate"], out["SigmoidRatePerEdge"], rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------ contracts
def _hopf_net(N=6, seed=0, sparse=None, noise=0.05, method="euler_maruyama", **kw):
    W, D = rand_conn(N, seed, density=0.5, max_delay=3.0)
    rng = np.random.default_rng(seed + 100)
    node = bm.HopfStep(N, method=method, init_x=0.3 * rng.standard_normal(N),
                       init_y=0.3 * rng.standard_normal(N))
    kw.setdefault("delay", D)
    kw.setdefault("conn", W)
    kw.setdefault("coupling", "diffusive")
    kw.setdefault("k", 0.4)
    return bm.Network(node, coupled_var="x", noise=noise, sparse=sparse, **kw)


def test_zero_delays_equal_no_delay_bitwise():
    N = 6
    ref = run(_hopf_net(N, delay=None), 30.0, seed=1)["x"]
    zeros = np.zeros((N, N))
    for kw in (dict(delay=zeros), dict(delay=None, distance=zeros, speed=5.0),
               dict(delay=np.full((N, N), 0.049))):  # rounds to lag 0 at dt = 0.1
        np.testing.assert_array_equal(run(_hopf_net(N, **kw), 30.0, seed=1)["x"], ref)


@pytest.mark.parametrize("batch_size", [None, 3])
def test_sparse_equals_dense(batch_size):
    a = run(_hopf_net(8, sparse=True), 40.0, seed=2, batch_size=batch_size)["x"]
    b = run(_hopf_net(8, sparse=False), 40.0, seed=2, batch_size=batch_size)["x"]
    c = run(_hopf_net(8), 40.0, seed=2, batch_size=batch_size)["x"]  # chosen by density
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_batch_element_equals_single_run_bitwise():
    """Node parameters (per batch and per batch-and-node) and coupling parameters per batch
    element; deterministic, so element b equals a single run with parameter b."""
    N, B = 5, 3
    a = np.array([0.05, 0.2, -0.1])
    k = np.array([0.1, 0.5, 1.0])
    w = np.random.default_rng(1).uniform(0.1, 0.4, (B, N))
    net = _hopf_net(N, noise=None, method="heun")
    net.set_params(a=a, w=w, **{"coupling.k": k})
    res = run(net, 30.0, batch_size=B, monitors=["x", "y"])
    assert res["x"].shape[1:] == (B, N)
    for b in range(B):
        single = _hopf_net(N, noise=None, method="heun")
        single.set_params(a=a[b], w=w[b], k=k[b])
        one = run(single, 30.0, monitors=["x", "y"])
        np.testing.assert_array_equal(res["x"][:, b], one["x"])
        np.testing.assert_array_equal(res["y"][:, b], one["y"])


def test_coupling_values_as_long_as_nodes_and_batch_must_say_which():
    """Issue 20: k = [0, .05, .5, 2] on 4 nodes with batch_size=4 was applied per node (every
    batch element identical). Refused; per_batch / per_node / a (batch, node) array say it."""
    N = B = 4
    ks = [0.0, 0.05, 0.5, 2.0]

    def _net(k):
        W, D = rand_conn(N, 0, density=0.5, max_delay=3.0)
        x0 = np.random.default_rng(1).standard_normal((2, N))
        node = bm.HopfStep(N, method="heun", init_x=bm.per_node(x0[0]),
                           init_y=bm.per_node(x0[1]))
        return bm.Network(node, conn=W, delay=D, coupled_var="x", k=k)

    net = _net(ks)
    with pytest.raises(ValueError, match=r"init_x of Network\[HopfStep\] is ambiguous"):
        run(_hopf_net(N, noise=None), 10.0, batch_size=B)     # initial states too
    with pytest.raises(ValueError, match=r"parameter 'coupling.k' of Network\[HopfStep\] is "
                       r"ambiguous: a 1-D value of length 4 could be one value per node \(4 "
                       r"nodes\) or one per batch element \(batch size 4\); write "
                       r"bm.per_node\(value\).*bm.per_batch\(value\).*shape \(4, 4\)"):
        run(net, 10.0, batch_size=B)
    net.set_params(**{"coupling.k": bm.per_batch(ks)})
    per_batch = run(net, 10.0, batch_size=B)["x"]
    for b in range(B):
        np.testing.assert_array_equal(per_batch[:, b], run(_net(ks[b]), 10.0)["x"])
    assert np.ptp(per_batch[-1], axis=0).max() > 1e-3      # the batch elements differ
    net.set_params(**{"coupling.k": np.tile(ks, (B, 1)).T})   # (batch, node): the same
    np.testing.assert_array_equal(run(net, 10.0, batch_size=B)["x"], per_batch)
    net.set_params(**{"coupling.k": bm.per_node(ks)})
    per_node = run(net, 10.0, batch_size=B)["x"]
    single = run(_net(ks), 10.0)["x"]
    for b in range(B):
        np.testing.assert_array_equal(per_node[:, b], single)


def test_batch_noise_depends_only_on_the_batch_index():
    """With noise: element b draws batch index b, so a batch of 2 is the prefix of a batch of
    4 and element 0 equals the unbatched run (bitwise); other elements differ."""
    net = _hopf_net(6)
    four = run(net, 30.0, seed=4, batch_size=4)["x"]
    two = run(net, 30.0, seed=4, batch_size=2)["x"]
    one = run(net, 30.0, seed=4)["x"]
    np.testing.assert_array_equal(two, four[:, :2])
    np.testing.assert_array_equal(one, four[:, 0])
    assert not np.array_equal(four[:, 0], four[:, 1])
    assert not np.array_equal(run(net, 30.0, seed=5)["x"], one)


@pytest.mark.parametrize("chunk", [1, 5, 37, 64])
def test_chunked_equals_unchunked_bitwise(chunk):
    """Chunks shorter and longer than the largest lag (30 steps) and than the noise and
    blocking widths of the kernel."""
    net = _hopf_net(6)
    ref = run(net, 25.0, seed=3, batch_size=2, sample_every=3, transient=1.0)
    res = run(net, 25.0, seed=3, batch_size=2, sample_every=3, transient=1.0,
              chunk_steps=chunk)
    np.testing.assert_array_equal(res["x"], ref["x"])
    np.testing.assert_array_equal(res.ts, ref.ts)


def test_continued_run_equals_one_long_run():
    net = _hopf_net(6)
    whole = run(net, 30.0, seed=6, monitors=["x", "y"])
    first = run(net, 13.0, seed=6, monitors=["x", "y"])
    second = run(net, 17.0, seed=6, monitors=["x", "y"], init_states=False)
    for name in ("x", "y"):
        np.testing.assert_array_equal(np.concatenate([first[name], second[name]]), whole[name])
    np.testing.assert_allclose(np.concatenate([first.ts, second.ts]), whole.ts, rtol=1e-12)


def test_self_connection_toggle():
    N, dt, n = 4, 0.1, 80
    W = np.random.default_rng(14).uniform(0.2, 1.0, (N, N))
    D = np.random.default_rng(15).uniform(0.5, 2.0, (N, N))
    x0 = np.array([0.5, -0.2, 0.1, 0.8])

    def net(conn, self_connection):
        node = bm.LinearStep(N, gamma=-0.3, init_x=x0, method="euler")
        return bm.Network(node, conn=conn, delay=D, coupling="additive", coupled_var="x",
                          k=0.4, self_connection=self_connection)

    off = run(net(W, False), n * dt)["x"]
    np.testing.assert_array_equal(off, run(net(weights_of(W), False), n * dt)["x"])
    on = run(net(W, True), n * dt)["x"]
    assert not np.allclose(on, off)
    lin = lambda s, inp: {"x": -0.3 * s["x"] + inp["x_inp"]}  # noqa: E731
    for self_connection, got in ((False, off), (True, on)):
        term = RefTerm(weights_of(W, self_connection), lags_of(D, dt), lambda s: s["x"],
                       target="x_inp", **additive(0.4))
        close(got, reference(lin, {"x": x0}, [term], n, dt)["x"])


def test_flat_conn_equals_square():
    N = 5
    W, D = rand_conn(N, 16)
    node = bm.HopfStep(N, init_x=np.linspace(-0.3, 0.3, N))
    square = run(bm.Network(node, conn=W, delay=D, k=0.3), 20.0)["x"]
    flat = run(bm.Network(node, conn=W.ravel(), delay=D.ravel(), k=0.3), 20.0)["x"]
    np.testing.assert_array_equal(flat, square)


def test_direction_convention_conn_ij_is_from_j_to_i():
    """conn[0, 1] = 1: node 0 receives node 1's value; node 1 receives nothing."""
    W = np.zeros((3, 3))
    W[0, 1] = 1.0
    x0 = np.array([1.0, 2.0, 3.0])
    node = bm.LinearStep(3, gamma=0.0, init_x=x0, method="euler")
    res = run(bm.Network(node, conn=W, coupling="additive", coupled_var="x", k=1.0), 5.0)
    close(res["x"][:, 0], 1.0 + 2.0 * res.ts)
    np.testing.assert_array_equal(res["x"][:, 1:], np.broadcast_to(x0[1:], (50, 2)))
    res_t = run(bm.Network(node, conn=W.T, coupling="additive", coupled_var="x", k=1.0), 5.0)
    close(res_t["x"][:, 1], 2.0 + 1.0 * res_t.ts)
    np.testing.assert_array_equal(res_t["x"][:, 0], np.ones(50))


def test_delay_matrix_in_ms_equals_distance_over_speed():
    from brainmass_dsl.frontend.units import registry

    u = registry()
    N = 6
    L = np.random.default_rng(18).uniform(5.0, 60.0, (N, N))  # mm
    speed = 20.0  # m/s = mm/ms; lags 2..30 steps
    ref = run(_hopf_net(N, delay=None, distance=L, speed=speed), 20.0, seed=8)["x"]
    for kw in (dict(delay=L / speed), dict(delay=(L / speed) * u.ms),
               dict(delay=None, distance=L / 10 * u.cm, speed=speed * u("m/s"))):
        np.testing.assert_array_equal(run(_hopf_net(N, **kw), 20.0, seed=8)["x"], ref)
    # lag = round(delay / dt): a delay of 0.26 ms is 3 steps at dt = 0.1 ms, 0.24 ms is 2
    x0 = np.array([1.0, 0.0])
    W2 = np.array([[0.0, 0.0], [1.0, 0.0]])
    for d, lag in ((0.26, 3), (0.24, 2)):
        node = bm.LinearStep(2, gamma=0.0, init_x=x0, method="euler")
        net = bm.Network(node, conn=W2, delay=np.full((2, 2), d), coupling="additive",
                         coupled_var="x", k=1.0)
        net.node.set_params(gamma=np.array([-1.0, 0.0]))  # node 0 decays, node 1 integrates it
        res = run(net, 1.0)
        x_src = np.concatenate([[1.0], res["x"][:, 0]])  # node 0 at the start of each step
        delayed = [x_src[max(g - lag, 0)] for g in range(10)]
        close(res["x"][:, 1], 0.1 * np.cumsum(delayed))


def test_per_step_update_equals_run():
    """The per-step API (brainmass's `update`) advances the same fused kernel one step."""
    res = run(_hopf_net(6), 5.0, seed=0, monitors=["x"])
    net = _hopf_net(6)
    net.init_all_states()
    xs = []
    with bm.environ.context(dt=0.1):
        for _ in range(50):
            net.update()
            xs.append(net.x.value.copy())
    np.testing.assert_array_equal(np.array(xs), res["x"])


def test_noise_substeps_follow_the_fine_brownian_path():
    """noise_substeps=2 at 2 dt sums the two normals of the fine run's steps."""
    def net():
        node = bm.LinearStep(3, gamma=0.0, method="euler_maruyama")
        return bm.Network(node, conn=np.ones((3, 3)), coupling="additive", k=0.0, noise=0.3)

    fine = run(net(), 4.0, dt=0.1, seed=1)["x"]
    coarse = run(net(), 4.0, dt=0.2, seed=1, noise_substeps=2)["x"]
    close(coarse, fine[1::2], rtol=1e-12, atol=1e-14)


def test_lags_longer_than_a_kernel_call():
    """A 250 ms delay (2500 steps) is longer than the network's bounded kernel calls and
    than the chunks: chunked == unchunked, and the coupling arrives 2500 steps late."""
    W = np.ones((3, 3))
    node = bm.HopfStep(3, init_x=np.array([0.1, 0.2, 0.3]))
    net = bm.Network(node, conn=W, delay=np.full((3, 3), 250.0), k=0.2)
    ref = run(net, 600.0, seed=1)["x"]
    np.testing.assert_array_equal(run(net, 600.0, seed=1, chunk_steps=999)["x"], ref)
    uncoupled = run(bm.Network(node, conn=W, delay=np.full((3, 3), 250.0), k=0.0), 600.0)["x"]
    # diffusive: sum_j w_ij (x_j(t - d) - x_i(t)) != 0 from step 0 (x_i(t) is not delayed)
    assert not np.array_equal(ref[:10], uncoupled[:10])


def test_history_memory_is_bounded_by_the_lags_not_the_run():
    """Issue 5: one history buffer per coupled expression sized by the largest lag, never by
    the run length (a (steps x N) window would be 32 MB here)."""
    import tracemalloc

    N = 100
    rng = np.random.default_rng(0)
    W = rng.random((N, N)) * (rng.random((N, N)) < 0.1)
    node = bm.HopfStep(N, method="euler_maruyama", init_x=0.1 * rng.standard_normal(N))
    net = bm.Network(node, conn=W, delay=rng.uniform(0, 2, (N, N)), k=0.1, noise=0.01)
    run(net, 10.0, sample_every=100, monitors=["x"])  # compile outside the measurement
    tracemalloc.start()
    try:
        run(net, 4000.0, sample_every=1000, monitors=["x"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8e6, f"peak {peak / 1e6:.1f} MB for 40,000 steps of 100 nodes"


# ------------------------------------------------------------------ errors
def _errors_node():
    return bm.HopfStep(3)


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(conn=np.ones((3, 2))), ValueError, r"conn must be a square"),
    (dict(conn=np.ones((4, 4))), ValueError, r"conn is 4x4 but the node model has 3"),
    (dict(conn=np.ones(8)), ValueError, r"conn must be a square"),
    (dict(conn=np.where(np.eye(3) > 0, np.nan, 1.0)), ValueError, r"conn contains NaN"),
    (dict(conn=np.where(np.eye(3) > 0, np.inf, 1.0)), ValueError, r"conn contains NaN or inf"),
    (dict(conn=np.ones((3, 3)), delay=-np.ones((3, 3))), ValueError, r"delay.*non-negative"),
    (dict(conn=np.ones((3, 3)), delay=np.ones((2, 2))), ValueError, r"delay is 2x2"),
    (dict(conn=np.ones((3, 3)), distance=-np.ones((3, 3)), speed=1.0), ValueError,
     r"distance.*non-negative"),
    (dict(conn=np.ones((3, 3)), distance=np.ones((3, 3)), speed=-1.0), ValueError,
     r"speed must be a positive"),
    (dict(conn=np.ones((3, 3)), distance=np.ones((3, 3))), ValueError, r"needs speed="),
    (dict(conn=np.ones((3, 3)), coupling="difusive"), ValueError,
     r"unknown coupling 'difusive'; did you mean 'diffusive'"),
    (dict(conn=np.ones((3, 3)), coupling=3), TypeError, r"coupling must be a coupling name"),
    (dict(conn=np.ones((3, 3)), coupled_var="z"), ValueError, r"coupled_var 'z' is not a state"),
    (dict(conn=np.ones((3, 3)), coupled_var="x + zz"), ValueError, r"'zz' is not a state"),
    (dict(conn=np.ones((3, 3)), target="z_inp"), ValueError,
     r"target 'z_inp' is not an input of HopfStep \(inputs: x_inp, y_inp\)"),
    (dict(conn=np.ones((3, 3)), coupling_params={"kk": 1.0}), TypeError,
     r"no coupling parameter 'coupling.kk'"),
    (dict(conn=np.ones((3, 3)), k=np.nan), ValueError, r"'coupling.k'.*NaN"),
    (dict(conn=None), ValueError, r"conn= .* is required"),
    (dict(conn="abc"), TypeError, r"conn must be a number or an array"),
    (dict(conn=np.ones((3, 3)), noise="loud"), TypeError, r"noise= must be a noise process"),
])
def test_construction_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        bm.Network(_errors_node(), **kwargs)


def test_parameter_name_errors():
    net = bm.Network(_errors_node(), conn=np.ones((3, 3)))
    with pytest.raises(TypeError, match=r"HopfStep has no parameter 'nope'"):
        net.set_params(nope=1.0)
    with pytest.raises(TypeError, match=r"no coupling parameter 'foo.k'; coupling terms: "
                                        r"coupling"):
        net.set_params(**{"foo.k": 1.0})
    with pytest.raises(TypeError, match="node must be a brainmass_dsl node model"):
        bm.Network("HopfStep", conn=np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"needs a 1-D node model \(in_size=N\)"):
        bm.Network(bm.HopfStep((2, 2)), conn=np.ones((4, 4)))
    with pytest.raises(ValueError, match="coupling term names must differ"):
        bm.Network(_errors_node(), conn=np.ones((3, 3)),
                   couplings=[bm.Coupling("diffusive", np.ones((3, 3)))])


def test_get_param_unknown_name_is_a_clear_error():
    """`net.get_param("nope")` gives the same clear error as `set_params` (it once raised a
    bare KeyError)."""
    net = bm.Network(_errors_node(), conn=np.ones((3, 3)))
    with pytest.raises((TypeError, ValueError), match="nope"):
        net.get_param("nope")


@pytest.mark.parametrize("text", ["x +", "x y"])
def test_coupled_var_syntax_error_names_the_argument(text):
    """An unparsable coupled_var is a ValueError naming coupled_var (not an NmmError that
    blames the model source)."""
    with pytest.raises(ValueError, match="coupled_var"):
        bm.Network(_errors_node(), conn=np.ones((3, 3)), coupled_var=text)


# ------------------------------------------------------------------ bundled connectome
def test_synthetic68_connectome_runs_with_catalogue_hopf():
    from brainmass_dsl.datasets import default_connectome

    c = default_connectome()
    N = c.weights.shape[0]
    assert N == 68
    rng = np.random.default_rng(0)
    node = bm.HopfStep(N, method="euler_maruyama", init_x=0.1 * rng.standard_normal(N),
                       init_y=0.1 * rng.standard_normal(N))
    net = bm.Network(node, conn=c.weights, distance=c.lengths, speed=10.0,
                     coupling="diffusive", coupled_var="x", k=0.2, noise=0.02)
    res = run(net, 200.0, sample_every=10, monitors=["x"], batch_size=2,
              chunk_steps=777)
    assert res["x"].shape == (200, 2, N)
    assert np.isfinite(res["x"]).all()
    assert 0.05 < np.abs(res["x"][-50:]).max() < 2.0
    assert lags_of(c.lengths / 10.0, 0.1).max() > 8  # delays on the blocked (long-edge) path


# ------------------------------------------------------------------ Laplacian couplings
def test_laplacian_connectivity_forms():
    """None: W - diag(d); 'rw': D^-1 W - I; 'sym': D^-1/2 W D^-1/2 - I (brainmass's
    laplacian_connectivity); rows of the None and 'rw' forms sum to zero."""
    W, _ = rand_conn(7, 3, density=0.7)
    np.fill_diagonal(W, 0.0)
    d = W.sum(axis=1)
    L, diag = bm.laplacian_connectivity(W, return_diag=True)
    close(L, W - np.diag(d))
    close(diag, d)
    close(bm.laplacian_connectivity(W, normalize="rw"), W / d[:, None] - np.eye(7))
    close(bm.laplacian_connectivity(W, normalize="sym"),
          W / np.sqrt(np.outer(d, d)) - np.eye(7))
    for form in (None, "rw"):
        close(bm.laplacian_connectivity(W, normalize=form).sum(axis=1), np.zeros(7), atol=1e-12)
    with pytest.raises(ValueError, match="normalize must be None, 'rw' or 'sym'"):
        bm.laplacian_connectivity(W, normalize=True)       # brainmass's docs say True/False
    with pytest.raises(ValueError, match="square"):
        bm.laplacian_connectivity(np.ones((2, 3)))


@pytest.mark.parametrize("form", ["laplacian", "laplacian_rw"])
def test_laplacian_coupling_is_diffusive_coupling(form):
    """coupling="laplacian": additive coupling on L(conn) with the diagonal undelayed, which
    is diffusive coupling on conn (on D^-1 conn for "laplacian_rw"), delays and noise alike."""
    N = 6
    W, D = rand_conn(N, 0, density=0.5, max_delay=3.0)
    np.fill_diagonal(W, 0.0)
    np.fill_diagonal(D, 1.7)                 # a self-delay that the Laplacian must not use
    lap = run(_hopf_net(N, coupling=form, conn=W, delay=D, k=0.4), 30.0, seed=4)["x"]
    Wd = W / W.sum(axis=1)[:, None] if form == "laplacian_rw" else W
    ref = run(_hopf_net(N, conn=Wd, delay=D, k=0.4), 30.0, seed=4)["x"]
    close(lap, ref, rtol=1e-10, atol=1e-12)
