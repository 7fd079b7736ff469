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
    with pytest.raises(TypeError, match="constant inputs"):
        network_gradient(net, 5.0, dt=0.1, loss_grad=lg, monitors=["x"],
                         inputs=lambda i, t: 0.0)
    assert issubclass(GradientRefused, ValueError)


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
