"""The compiled discrete adjoint (plan/adjoint.py, runtime/gradient.py) against central
finite differences of the forward run, on delayed, noisy networks; checkpointed == stored."""
import numpy as np
import pytest
import sympy as sp

import brainmass_dsl as bm
from brainmass_dsl.ir.analysis import Assign
from brainmass_dsl.ir.reverse import reverse
from brainmass_dsl.plan.adjoint import GradientRefused
from brainmass_dsl.runtime.gradient import network_gradient
from brainmass_dsl.runtime.sensitivity import network_sensitivity

H = 1e-6     # central differences: truncation ~H**2, rounding ~1e-16 * loss / H


def _connectome(n, seed):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0, 1, (n, n)) * (rng.uniform(0, 1, (n, n)) < 0.7)
    np.fill_diagonal(w, 0)
    lengths = rng.uniform(5, 60, (n, n))
    return w, (lengths + lengths.T) / 2


def fc_loss(name, target_fc):
    """1 - Pearson correlation of the upper triangles of FC(prediction) and target_fc, and
    its gradient, written out here (independent of bm.objectives)."""
    iu = np.triu_indices(target_fc.shape[0], 1)
    t = target_fc[iu] - target_fc[iu].mean()

    def lg(pred):
        x = pred[name]
        xc = x - x.mean(axis=0)
        norm = np.sqrt((xc ** 2).sum(axis=0))
        z = xc / norm
        fc = z.T @ z
        f = fc[iu]
        fcn = f - f.mean()
        r = (fcn @ t) / (np.linalg.norm(fcn) * np.linalg.norm(t))
        # d r / d f, then through fc = z^T z and the normalisation
        df = t / (np.linalg.norm(fcn) * np.linalg.norm(t)) - r * fcn / (fcn @ fcn)
        G = np.zeros_like(fc)
        G[iu] = -df
        dz = z @ (G + G.T)
        dxc = (dz - z * (z * dz).sum(axis=0)) / norm
        return 1.0 - r, {name: dxc - dxc.mean(axis=0)}
    return lg


def _loss(net, lg, duration, **kw):
    monitors = kw.pop("monitors")
    res = bm.Simulator(net, dt=0.1).run(duration, monitors=monitors, progress=False, **kw)
    return lg({m: res[m] for m in monitors})[0]


def _fd(net, lg, duration, change, **kw):
    vals = []
    for s in (H, -H):
        undo = change(s)
        vals.append(_loss(net, lg, duration, **dict(kw)))
        undo()
    return (vals[0] - vals[1]) / (2 * H)


def _param_change(net, name, index=None):
    def change(s):
        old = net.get_param(name)
        new = np.array(old, dtype=float)
        if index is None:
            new = new + s
        else:
            new[index] += s
        net.set_params(**{name: new if new.ndim else float(new)})
        return lambda: net.set_params(**{name: old})
    return change


def _weight_change(net, i, j, term=0):
    def change(s):
        net.terms[term].weights[i, j] += s
        net._edge_cache.clear()

        def undo():
            net.terms[term].weights[i, j] -= s
            net._edge_cache.clear()
        return undo
    return change


def _close(a, b, rel=1e-6, floor=1e-9):
    assert abs(a - b) <= rel * max(abs(a), abs(b)) + floor, (a, b)


# ------------------------------------------------------------------ Hopf, OU noise, delays
@pytest.fixture(scope="module")
def hopf_case():
    n = 8
    w, lengths = _connectome(n, seed=11)
    node = bm.HopfStep(n, a=np.linspace(-0.05, 0.05, n), w=0.3, init_x=0.3, init_y=0.1)
    net = bm.Network(node, w, distance=lengths, speed=6.0, k=0.3,
                     noise=bm.OUProcess(n, sigma=0.05, tau=5.0))
    rng = np.random.default_rng(0)
    target = np.corrcoef(rng.standard_normal((200, n)), rowvar=False)
    lg = fc_loss("x", target)
    kw = dict(monitors=["x"], sample_every=5, seed=4, transient=50)
    out = {K: network_gradient(net, 60.0, dt=0.1, loss_grad=lg, checkpoint_every=K, **kw)
           for K in (23, 600)}
    return net, lg, kw, out


def test_loss_is_the_forward_runs(hopf_case):
    net, lg, kw, out = hopf_case
    loss, _g, pred = out[23]
    assert loss == _loss(net, lg, 60.0, **dict(kw))
    res = bm.Simulator(net, dt=0.1).run(60.0, progress=False, **kw)
    np.testing.assert_array_equal(pred["x"], res["x"])


def test_checkpointed_equals_stored(hopf_case):
    _net, _lg, _kw, out = hopf_case
    g1, g2 = out[23][1], out[600][1]
    assert g1.keys() == g2.keys()
    for k in g1:
        if k.endswith(".weights"):
            # summed segment by segment: the same terms, grouped differently
            np.testing.assert_allclose(g1[k], g2[k], rtol=1e-12, atol=1e-15)
        else:
            np.testing.assert_array_equal(g1[k], g2[k])


def test_fc_gradient_matches_finite_differences(hopf_case):
    net, lg, kw, out = hopf_case
    g = out[23][1]
    _close(g["coupling.k"], _fd(net, lg, 60.0, _param_change(net, "coupling.k"), **kw))
    for i in (0, 5):
        _close(g["a"][i], _fd(net, lg, 60.0, _param_change(net, "a", i), **kw))
    _close(g["noise.sigma"], _fd(net, lg, 60.0, _param_change(net, "noise.sigma"), **kw))
    for i, j in ((0, 1), (3, 6), (7, 2)):
        _close(g["coupling.weights"][i, j], _fd(net, lg, 60.0, _weight_change(net, i, j), **kw))
    assert np.all(np.diag(g["coupling.weights"]) == 0)


# ------------------------------------------------------------------ per-edge coupling
def test_kuramoto_per_edge_coupling():
    n = 5
    w, lengths = _connectome(n, seed=5)
    node = bm.Kuramoto(n, omega=np.linspace(0.01, 0.05, n), init_theta=np.arange(n) * 1.0)
    net = bm.Network(node, conn=w, distance=lengths, speed=3.0, coupling="KuramotoCoupling",
                     coupling_params={"K": 0.3})
    rng = np.random.default_rng(1)
    target = rng.standard_normal((25, n))

    def lg(pred):
        d = np.sin(pred["theta"]) - target
        return 0.5 * float((d ** 2).sum()), {"theta": d * np.cos(pred["theta"])}
    kw = dict(monitors=["theta"], sample_every=4)
    loss, g, _ = network_gradient(net, 10.0, dt=0.1, loss_grad=lg, checkpoint_every=9, **kw)
    names = [n_ for n_ in g if n_.endswith(".K")] + [n_ for n_ in g if n_.endswith("alpha")]
    assert names
    for name in names:
        _close(g[name], _fd(net, lg, 10.0, _param_change(net, name), **kw))
    _close(g["omega"][2], _fd(net, lg, 10.0, _param_change(net, "omega", 2), **kw))
    for i, j in ((0, 3), (4, 1)):
        _close(g["coupling.weights"][i, j], _fd(net, lg, 10.0, _weight_change(net, i, j), **kw))


# ------------------------------------------------------------------ two terms, sender params
def test_jansen_rit_sigmoidal_two_terms():
    n = 4
    w, lengths = _connectome(n, seed=7)
    node = bm.JansenRitStep(n, method="heun2")
    net = bm.Network(node, conn=w, distance=lengths, speed=4.0, coupling="SigmoidalJansenRit",
                     k=2.0, couplings=[bm.Coupling("diffusive", conn=w.T,
                                                   delay=np.full((n, n), 1.5), name="back",
                                                   coupled_var="M", target="I_inp",
                                                   params={"k": 0.05})])
    rng = np.random.default_rng(2)
    target = rng.standard_normal((30, n))
    kw = dict(monitors=["E"], sample_every=5, inputs={"E_inp": 0.22})

    def lg(pred):
        d = pred["E"] - target
        return 0.5 * float((d ** 2).sum()), {"E": d}

    def loss_fd(change, h=1e-3):
        # the gradients here are ~1e-5 of a loss of ~60: a larger step keeps rounding out;
        # rounding still leaves ~eps * loss / h ~ 1e-11 absolute (the floor below)
        vals = []
        for s in (h, -h):
            undo = change(s)
            res = bm.Simulator(net, dt=0.1).run(15.0, monitors=["E"], sample_every=5,
                                                inputs={"E_inp": 0.22}, progress=False)
            vals.append(lg({"E": res["E"]})[0])
            undo()
        return (vals[0] - vals[1]) / (2 * h)
    _loss_v, g, _ = network_gradient(net, 15.0, dt=0.1, loss_grad=lg, checkpoint_every=40, **kw)
    for name in ("coupling.k", "back.k", "coupling.cmin", "coupling.r", "C"):
        _close(g[name], loss_fd(_param_change(net, name)), rel=2e-5, floor=2e-11)
    _close(g["back.weights"][1, 2], loss_fd(_weight_change(net, 1, 2, term=1)), rel=2e-5,
           floor=2e-11)
    _close(g["coupling.weights"][3, 0], loss_fd(_weight_change(net, 3, 0)), rel=2e-5,
           floor=2e-11)


# ------------------------------------------------------------------ symbolic reverse mode
def test_reverse_mode_of_straight_line_code():
    x, y, a, lx, ly = sp.symbols("x y a lx ly", real=True)
    u, xn, yn = sp.symbols("u xn yn", real=True)
    body = [Assign(u, a * x * y), Assign(xn, x + sp.Max(u, 0) * sp.exp(x)),
            Assign(yn, y - u ** 2)]
    adj = reverse(body, {xn: lx, yn: ly}, [x, y, a])
    subs = {x: 0.7, y: -1.3, a: 0.4, lx: 0.9, ly: -0.2}
    env = dict(subs)
    for asg in adj.body:
        env[asg.target] = float(asg.expr.subs(env))
    L = lx * (x + sp.Max(a * x * y, 0) * sp.exp(x)) + ly * (y - (a * x * y) ** 2)
    for s in (x, y, a):
        want = float(sp.diff(L, s).subs(subs))
        assert abs(float(adj.grads[s].subs(env)) - want) < 1e-12


def test_refuses_models_with_own_delays_and_callable_monitors(hopf_case):
    net, lg, _kw, _ = hopf_case
    with pytest.raises(ValueError, match="monitors given by name"):
        network_gradient(net, 5.0, dt=0.1, loss_grad=lg, monitors={"x": lambda m: m.x})
    assert issubclass(GradientRefused, ValueError)


def test_time_varying_inputs(hopf_case):
    """A time series and a callable input (held fixed): the gradient matches central
    differences, the tangent the adjoint, and both see the input (it changes them)."""
    net, lg, kw, out = hopf_case
    drive = 0.05 * np.sin(np.arange(600) * 0.1 * 0.2)[:, None] * np.linspace(0.5, 1.5, 8)
    series = {"y_inp": drive}
    loss, g, _ = network_gradient(net, 60.0, dt=0.1, loss_grad=lg, inputs=series,
                                  checkpoint_every=37, **kw)
    assert loss != out[23][0]
    fd_kw = dict(kw, inputs=series)
    _close(g["coupling.k"], _fd(net, lg, 60.0, _param_change(net, "coupling.k"), **fd_kw))
    _close(g["a"][2], _fd(net, lg, 60.0, _param_change(net, "a", 2), **fd_kw))
    _close(g["coupling.weights"][4, 1], _fd(net, lg, 60.0, _conn_change(net, 4, 1), **fd_kw))

    def call(i, t):
        return {"y_inp": drive[i]}
    loss_c, g_c, _ = network_gradient(net, 60.0, dt=0.1, loss_grad=lg, inputs=call, **kw)
    assert loss_c == loss
    np.testing.assert_allclose(g_c["a"], g["a"], rtol=1e-12)
    G, lin = _linear_loss("x", (110, 8), seed=8)
    _l, gl, _ = network_gradient(net, 60.0, dt=0.1, loss_grad=lin, inputs=series, **kw)
    _p, tan = network_sensitivity(net, 60.0, dt=0.1, directions=["coupling.k"], inputs=series,
                                  checkpoint_every=41, **kw)
    _close(float((G * tan["coupling.k"]["x"]).sum()), float(gl["coupling.k"]), rel=1e-12,
           floor=1e-13)


# ------------------------------------------------------------------ through the Fitter
def test_fitter_grad_backend_uses_the_compiled_adjoint(hopf_case):
    net, _lg, _kw, _ = hopf_case
    pred = bm.Simulator(net, dt=0.1).prediction(40.0, "x", sample_every=5, seed=4)
    target = pred(net) * 1.1 + 0.01
    fitter = bm.Fitter(net, predict=pred, objective=bm.objectives.timeseries_rmse(),
                       backend="grad", search_space={"coupling.k": (0.0, 1.0)})
    k0 = net.get_param("coupling.k")
    loss, g = fitter.loss_and_grad({"coupling.k": k0}, target)
    up = fitter.loss({"coupling.k": k0 + 1e-6}, target)
    down = fitter.loss({"coupling.k": k0 - 1e-6}, target)
    _close(float(np.asarray(g["coupling.k"]).sum()), (up - down) / 2e-6, rel=1e-5)
    res = fitter.fit(target, 5)
    assert res.best_loss <= res.history[0]
    net.set_params(**{"coupling.k": k0})


# ------------------------------------------------------------------ the connectivity as a parameter
def _conn_change(net, i, j, name="coupling.weights"):
    def change(s):
        old = net.get_param(name)
        new = old.copy()
        new[i, j] += s
        net.set_params(**{name: new})
        return lambda: net.set_params(**{name: old})
    return change


@pytest.mark.parametrize("coupling", ["laplacian", "laplacian_rw", "laplacian_sym"])
def test_laplacian_weights_gradient_is_with_respect_to_conn(coupling):
    """The kernel reads L(conn); the gradient named coupling.weights is d loss / d conn."""
    n = 5
    w, lengths = _connectome(n, seed=3)
    node = bm.HopfStep(n, a=-0.02, w=0.3, init_x=np.linspace(-0.3, 0.3, n), init_y=0.1)
    net = bm.Network(node, w, distance=lengths, speed=6.0, k=0.2, coupling=coupling,
                     coupled_var="x", noise=0.02)
    rng = np.random.default_rng(1)
    lg = fc_loss("x", np.corrcoef(rng.standard_normal((50, n)), rowvar=False))
    kw = dict(monitors=["x"], sample_every=2, seed=1)
    _loss_, g, _ = network_gradient(net, 20.0, dt=0.1, loss_grad=lg, **kw)
    gw = g["coupling.weights"]
    assert gw.shape == (n, n) and np.all(np.diag(gw) == 0)
    for i, j in ((0, 1), (3, 2), (4, 0)):
        _close(gw[i, j], _fd(net, lg, 20.0, _conn_change(net, i, j), **kw), rel=1e-6,
               floor=1e-10)
    np.testing.assert_array_equal(net.get_param("coupling.weights"), w)


def test_fitter_trains_the_connectivity(hopf_case):
    net, _lg, _kw, _ = hopf_case
    W0 = net.get_param("coupling.weights")
    pred = bm.Simulator(net, dt=0.1).prediction(40.0, "x", sample_every=5, seed=4)
    target = pred(net) * 1.1 + 0.01
    fitter = bm.Fitter(net, bm.fitting.fitter.Adam(lr=0.05), predict=pred,
                       objective=bm.objectives.timeseries_rmse(), backend="grad",
                       search_space={"coupling.weights": (0.0, 2.0)})
    assert fitter.space.items[0].shape == (8, 8)
    loss, g = fitter.loss_and_grad({}, target)
    assert g["coupling.weights"].shape == (8, 8)
    for i, j in ((0, 1), (5, 2)):
        W = W0.copy()
        W[i, j] += 1e-6
        up = fitter.loss({"coupling.weights": W}, target)
        W[i, j] -= 2e-6
        down = fitter.loss({"coupling.weights": W}, target)
        _close(g["coupling.weights"][i, j], (up - down) / 2e-6, rel=1e-5, floor=1e-11)
    np.testing.assert_array_equal(net.get_param("coupling.weights"), W0)
    res = fitter.fit(target, 4)
    assert res.best_loss < res.history[0]
    assert res.best_params["coupling.weights"].shape == (8, 8)
    np.testing.assert_array_equal(net.get_param("coupling.weights"),
                                  res.best_params["coupling.weights"])
    net.set_params(**{"coupling.weights": W0})
    with pytest.raises(ValueError, match=r"'coupling.weights' \(8x8 connection weights\) is "
                                         r"trainable with backend='grad' only"):
        bm.Fitter(net, predict=pred, backend="nevergrad",
                  search_space={"coupling.weights": (0.0, 2.0)})
    with pytest.raises(ValueError, match="per-batch connectivity"):
        net.set_params(**{"coupling.weights": np.stack([W0, W0])})
    with pytest.raises(ValueError, match=r"coupling.weights is 3x3"):
        net.set_params(**{"coupling.weights": np.eye(3)})


# ------------------------------------------------------------------ truncation horizon
def test_truncated_gradient_is_the_windowed_objectives_gradient(hopf_case):
    """truncate=W: the gradient of sum_w L_w, where window w's samples are run from the state
    and history reached at the window's start, held fixed. Reference: central differences of
    runs restarted (init_states=False) at each window's start with the parameter changed."""
    net, _lg, _kw, _ = hopf_case
    n_steps, W = 600, 200
    g_x = np.random.default_rng(5).standard_normal((n_steps, 8))

    def lg(pred):                       # a linear loss: d loss / d x = g_x everywhere
        return float((g_x * pred["x"]).sum()), {"x": g_x}

    kw = dict(monitors=["x"], seed=4)
    exact = network_gradient(net, 60.0, dt=0.1, loss_grad=lg, **kw)[1]
    same = network_gradient(net, 60.0, dt=0.1, loss_grad=lg, truncate=60.0, **kw)[1]
    np.testing.assert_array_equal(exact["a"], same["a"])
    cut = network_gradient(net, 60.0, dt=0.1, loss_grad=lg, truncate=20.0,
                           checkpoint_every=70, **kw)[1]
    sim = bm.Simulator(net, dt=0.1)

    def windowed(change):
        total = 0.0
        for s in (H, -H):
            for w0 in range(0, n_steps, W):
                if w0:
                    sim.run(w0 * 0.1, monitors=["x"], seed=4, progress=False)
                undo = change(s)
                res = sim.run(W * 0.1, monitors=["x"], seed=4, progress=False,
                              init_states=(w0 == 0))
                undo()
                total += (1 if s > 0 else -1) * float((g_x[w0:w0 + W] * res["x"]).sum())
        return total / (2 * H)

    _close(cut["coupling.k"], windowed(_param_change(net, "coupling.k")), rel=1e-6, floor=1e-8)
    _close(cut["a"][3], windowed(_param_change(net, "a", 3)), rel=1e-6, floor=1e-8)
    _close(cut["noise.sigma"], windowed(_param_change(net, "noise.sigma")), rel=1e-6,
           floor=1e-8)
    _close(cut["coupling.weights"][2, 5], windowed(_conn_change(net, 2, 5)), rel=1e-6,
           floor=1e-8)
    assert abs(cut["coupling.k"] - exact["coupling.k"]) > 1e-3 * abs(exact["coupling.k"])
    with pytest.raises(ValueError, match="truncate"):
        network_gradient(net, 60.0, dt=0.1, loss_grad=lg, truncate=0.0, **kw)


def test_prediction_carries_the_truncation_to_the_fitter(hopf_case):
    net, _lg, _kw, _ = hopf_case
    sim = bm.Simulator(net, dt=0.1)
    exact = sim.prediction(40.0, "x", sample_every=5, seed=4)
    cut = sim.prediction(40.0, "x", sample_every=5, seed=4, truncate=10.0, checkpoint_every=30)
    target = exact(net) * 1.1
    obj = bm.objectives.timeseries_rmse()
    le, ge = exact.loss_and_grad(net, obj, target)
    lc, gc = cut.loss_and_grad(net, obj, target)
    assert le == lc and not np.allclose(ge["coupling.k"], gc["coupling.k"])
    ref = network_gradient(net, 40.0, dt=0.1, monitors=["x"], sample_every=5, seed=4,
                           truncate=10.0, loss_grad=lambda p: (obj(p["x"], target),
                                                               {"x": obj.grad(p["x"], target)}))
    np.testing.assert_allclose(gc["a"], ref[1]["a"], rtol=1e-12)
    with pytest.raises(ValueError, match="truncate"):
        sim.prediction(40.0, "x", truncate=0.0)


# ------------------------------------------------------------------ forward sensitivities
def _linear_loss(name, shape, seed):
    G = np.random.default_rng(seed).standard_normal(shape)
    return G, lambda pred: (float((G * pred[name]).sum()), {name: G})


@pytest.mark.parametrize("average", [False, True])
def test_forward_sensitivities_equal_the_adjoint(hopf_case, average):
    """<adjoint gradient, direction> == <d loss / d samples, tangent> for a parameter, a
    noise parameter, a per-node direction and a weights direction."""
    net, _lg, kw, _ = hopf_case
    kw = dict(kw, average=average)
    n_samples = (600 - 50) // 5 if average else 110
    G, lg = _linear_loss("x", (n_samples, 8), seed=2)
    _l, g, pred = network_gradient(net, 60.0, dt=0.1, loss_grad=lg, **kw)
    dW = np.random.default_rng(3).standard_normal((8, 8))
    da = np.arange(8.0)
    p2, tan = network_sensitivity(net, 60.0, dt=0.1, checkpoint_every=70, directions=[
        "coupling.k", "noise.sigma", {"a": da}, {"coupling.weights": dW},
        {"coupling.k": 2.0, "w": -1.0}], **kw)
    np.testing.assert_array_equal(p2["x"], pred["x"])
    assert tan["coupling.k"]["x"].shape == pred["x"].shape
    expect = {"coupling.k": g["coupling.k"], "noise.sigma": g["noise.sigma"],
              "a": (g["a"] * da).sum(), "coupling.weights": (g["coupling.weights"] * dW).sum(),
              "coupling.k, w": 2.0 * g["coupling.k"] - np.sum(g["w"])}
    for label, ref in expect.items():
        _close(float((G * tan[label]["x"]).sum()), float(ref), rel=1e-12, floor=1e-13)


def test_forward_sensitivity_of_the_trajectory_matches_finite_differences(hopf_case):
    net, _lg, kw, _ = hopf_case
    _p, tan = network_sensitivity(net, 60.0, dt=0.1, directions=["coupling.k", {"a": 1.0}],
                                  **kw)
    for label, name in (("coupling.k", "coupling.k"), ("a", "a")):
        xs = []
        for s in (H, -H):
            undo = _param_change(net, name)(s)
            xs.append(bm.Simulator(net, dt=0.1).run(60.0, progress=False, **kw)["x"])
            undo()
        fd = (xs[0] - xs[1]) / (2 * H)
        np.testing.assert_allclose(tan[label]["x"], fd, rtol=1e-5, atol=1e-8)
        assert np.abs(tan[label]["x"]).max() > 1e-3


def test_forward_sensitivities_per_edge_and_two_terms():
    """The tangent kernel's per-edge path (Kuramoto) and two terms with sender parameters and
    inputs (Jansen-Rit) against the adjoint."""
    n = 5
    w, lengths = _connectome(n, seed=5)
    node = bm.Kuramoto(n, omega=np.linspace(0.01, 0.05, n), init_theta=np.arange(n) * 1.0)
    kur = bm.Network(node, conn=w, distance=lengths, speed=3.0, coupling="KuramotoCoupling",
                     coupling_params={"K": 0.3})
    jr_w, jr_len = _connectome(4, seed=7)
    jr = bm.Network(bm.JansenRitStep(4, method="heun2"), conn=jr_w, distance=jr_len, speed=4.0,
                    coupling="SigmoidalJansenRit", k=2.0,
                    couplings=[bm.Coupling("diffusive", conn=jr_w.T, delay=np.full((4, 4), 1.5),
                                           name="back", coupled_var="M", target="I_inp",
                                           params={"k": 0.05})])
    cases = [(kur, "theta", 10.0, dict(sample_every=4), ["coupling.K", "omega"], (25, n)),
             (jr, "E", 15.0, dict(sample_every=5, inputs={"E_inp": 0.22}),
              ["coupling.k", "back.k", "coupling.cmin", "coupling.r", "C"], (30, 4))]
    for net, mon, dur, kw, names, shape in cases:
        G, lg = _linear_loss(mon, shape, seed=4)
        _l, g, _ = network_gradient(net, dur, dt=0.1, loss_grad=lg, monitors=[mon], **kw)
        dW = np.random.default_rng(6).standard_normal(w.shape if net is kur else (4, 4))
        _p, tan = network_sensitivity(net, dur, dt=0.1, monitors=[mon], checkpoint_every=9,
                                      directions=names + [{"coupling.weights": dW}], **kw)
        for name in names:
            _close(float((G * tan[name][mon]).sum()), float(np.sum(g[name])), rel=1e-10,
                   floor=1e-15)
        _close(float((G * tan["coupling.weights"][mon]).sum()),
               float((g["coupling.weights"] * dW).sum()), rel=1e-10, floor=1e-15)


def test_sensitivity_arguments(hopf_case):
    net, _lg, kw, _ = hopf_case
    with pytest.raises(ValueError, match=r"'b' is not a parameter.*did you mean"):
        network_sensitivity(net, 5.0, dt=0.1, directions=["b"], monitors=["x"])
    with pytest.raises(ValueError, match=r"as a \{'coupling.weights': \(N, N\) matrix\}"):
        network_sensitivity(net, 5.0, dt=0.1, directions=["coupling.weights"], monitors=["x"])
    with pytest.raises(ValueError, match=r"direction of 'a' must be a number or per node"):
        network_sensitivity(net, 5.0, dt=0.1, directions=[{"a": np.ones(3)}], monitors=["x"])
    with pytest.raises(TypeError, match="parameter names or"):
        network_sensitivity(net, 5.0, dt=0.1, directions=[3], monitors=["x"])


def test_laplacian_jvp_matches_finite_differences():
    from brainmass_dsl.runtime.connectivity import laplacian_connectivity, laplacian_jvp

    rng = np.random.default_rng(0)
    W = rng.random((5, 5))
    dW = rng.standard_normal((5, 5))
    for norm in (None, "rw", "sym"):
        fd = (laplacian_connectivity(W + 1e-6 * dW, normalize=norm)
              - laplacian_connectivity(W - 1e-6 * dW, normalize=norm)) / 2e-6
        np.testing.assert_allclose(laplacian_jvp(W, dW, normalize=norm), fd, atol=1e-8)


# ------------------------------------------------------------------ through the fused BOLD
@pytest.fixture(scope="module")
def bold_case():
    """The issue's case: FC correlation of the BOLD of a delayed, noisy 8-region network
    (3 s, so that the BOLD deviates enough from rest for central differences to resolve)."""
    n = 8
    w, lengths = _connectome(n, seed=11)
    node = bm.HopfStep(n, a=np.linspace(-0.05, 0.05, n), w=0.3, init_x=0.3, init_y=0.1)
    net = bm.Network(node, w, distance=lengths, speed=6.0, k=0.3,
                     noise=bm.OUProcess(n, sigma=0.05, tau=5.0))
    mon = bm.ForwardMonitor(bm.BOLDSignal(n), drive="x", every=10, tr=50.0)
    rng = np.random.default_rng(0)
    lg = fc_loss("bold", np.corrcoef(rng.standard_normal((200, n)), rowvar=False))
    kw = dict(seed=4, transient=500.0)
    out = network_gradient(net, 3000.0, dt=0.1, loss_grad=lg, forward=mon, **kw)
    return net, mon, lg, kw, out


def _bold_loss(net, mon, lg, kw):
    res = bm.Simulator(net, dt=0.1).run(3000.0, forward=mon, progress=False, **kw)
    return lg({"bold": res["bold"]})[0]


def _bold_fd(net, mon, lg, kw, change, h=5e-4):
    """Five-point central differences (truncation ~h**4): the BOLD signal is a small
    deviation from rest (1 - q ~ 1e-4), so its rounding (~1e-12 of the loss) needs a
    larger step than H."""
    vals = {}
    for s in (2 * h, h, -h, -2 * h):
        undo = change(s)
        vals[s] = _bold_loss(net, mon, lg, kw)
        undo()
    return (8 * (vals[h] - vals[-h]) - (vals[2 * h] - vals[-2 * h])) / (12 * h)


def test_bold_fc_gradient_matches_finite_differences(bold_case):
    net, mon, lg, kw, (loss, g, pred) = bold_case
    res = bm.Simulator(net, dt=0.1).run(3000.0, forward=mon, progress=False, **kw)
    np.testing.assert_array_equal(pred["bold"], res["bold"])
    assert loss == lg({"bold": res["bold"]})[0]
    _close(g["coupling.k"], _bold_fd(net, mon, lg, kw, _param_change(net, "coupling.k")))
    for i in (1, 6):
        _close(g["a"][i], _bold_fd(net, mon, lg, kw, _param_change(net, "a", i)))
    for i, j in ((0, 1), (3, 6), (7, 2)):
        _close(g["coupling.weights"][i, j], _bold_fd(net, mon, lg, kw, _conn_change(net, i, j)))


def test_bold_gradient_through_the_prediction_and_refusals(bold_case):
    net, mon, lg, kw, (loss, g, _pred) = bold_case
    pred = bm.Simulator(net, dt=0.1).prediction(3000.0, "bold", forward=mon, transient=500.0,
                                                seed=4)
    target = pred(net) * 0.9
    obj = bm.objectives.timeseries_rmse()
    l2, g2 = pred.loss_and_grad(net, obj, target)
    ref = network_gradient(net, 3000.0, dt=0.1, forward=mon, loss_grad=lambda p: (
        obj(p["bold"], target), {"bold": obj.grad(p["bold"], target)}), **kw)
    assert l2 == ref[0]
    np.testing.assert_array_equal(g2["a"], ref[1]["a"])
    with pytest.raises(ValueError, match="leave monitors"):
        network_gradient(net, 300.0, dt=0.1, loss_grad=lg, forward=mon, monitors=["x"])
    expr = bm.ForwardMonitor(bm.BOLDSignal(8), drive="2 * x", every=10, tr=50.0)
    with pytest.raises(GradientRefused, match="drive that is a state or output"):
        network_gradient(net, 300.0, dt=0.1, loss_grad=lg, forward=expr)
