"""bm.Fitter, bm.Param, Simulator.prediction (issue 15 parts 2, 3, 5): parameter marking and
search spaces, a population in one batched call == one by one, executor == serial, parameter
recovery from a 68-region Hopf network's FC with nevergrad and scipy, contained divergence,
the gradient loop (against an analytic test double), callbacks, resume and argument errors."""
from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import brainmass_dsl as bm
from brainmass_dsl.fitting.fitter import Adam, FitWarning
from brainmass_dsl.runtime.param import SigmoidT, SoftplusT, trainable

TRUE = {"coupling.k": 0.3, "a": -0.04}
SPACE = {"coupling.k": (0.0, 1.0), "a": (-0.1, 0.1)}


def hopf_net(n=8, k=0.3, a=-0.04):
    W = bm.datasets.load_dataset("synthetic68").weights[:n, :n]
    return bm.Network(bm.HopfStep(n, a=a, w=0.2), conn=W / W.max(), k=k, coupled_var="x",
                      noise=0.05)


@pytest.fixture(scope="session")
def small():
    """An 8-region noisy Hopf network, a short prediction and its target (kernels compiled
    once for the session)."""
    truth = hopf_net(8, **{"k": TRUE["coupling.k"], "a": TRUE["a"]})
    pred = bm.Simulator(truth, dt=0.1).prediction(300.0, "x", transient=50.0, sample_every=5,
                                                  seed=2)
    target = pred(truth)
    pred.batch(truth, [TRUE, TRUE])      # the parallel (batched) kernel, compiled once
    return truth, pred, target


def _fitter(small, backend="nevergrad", optimizer=None, **kw):
    truth, pred, target = small
    net = hopf_net(8, k=0.1, a=-0.08)
    kw.setdefault("search_space", SPACE)
    return bm.Fitter(net, optimizer, predict=pred, objective=bm.objectives.fc_corr(as_loss=True),
                     backend=backend, **kw), target


# ----------------------------------------------------------------------------- Param, spaces
def test_param_marks_and_transforms():
    net = bm.Network(bm.HopfStep(4, a=bm.Param(-0.05, lower=-0.1, upper=0.1)),
                     conn=np.ones((4, 4)), k=bm.Param(0.2, lower=0.0),
                     noise=bm.OUProcess(4, sigma=bm.Param(0.1, lower=0.0, upper=1.0)))
    marks = trainable(net)
    assert set(marks) == {"a", "coupling.k", "noise.sigma"}
    assert marks["a"].transform == SigmoidT(-0.1, 0.1)
    assert isinstance(marks["coupling.k"].transform, SoftplusT)
    assert net.get_param("a") == -0.05            # the model holds the plain value
    net.set_params(a=-0.02)                       # a plain value keeps the mark
    assert "a" in trainable(net)
    net.set_params(a=bm.Param(-0.02, fit=False))
    assert "a" not in trainable(net)
    with pytest.raises(ValueError, match="outside its box"):
        bm.Param(2.0, lower=0.0, upper=1.0)
    t = SigmoidT(-1.0, 3.0)
    u = np.linspace(-3, 3, 7)
    assert np.allclose(t.inverse(t.forward(u)), u)
    h = 1e-6
    assert np.allclose(t.dvalue_du(u), (t.forward(u + h) - t.forward(u - h)) / (2 * h))


def test_search_space_names_shapes_and_errors():
    net = hopf_net(6, a=np.full(6, -0.05))
    fit = bm.Fitter(net, predict=lambda m: np.zeros((10, 6)), backend="nevergrad",
                    search_space={"k": (0, 1), "a": (-0.1, 0.1)})
    assert fit.space.names == ["coupling.k", "a"]         # bare "k" is coupling.k
    assert [t.shape for t in fit.space] == [(), (6,)]      # a per-node value: per node
    assert fit.space.size == 7
    with pytest.raises(ValueError, match=r"'coupling\.kk'.*coupling\.k.*parameters: a, w"):
        bm.Fitter(net, predict=lambda m: 0, backend="nevergrad",
                  search_space={"coupling.kk": (0, 1)})
    with pytest.raises(ValueError, match="declared bounds|lower must be below"):
        bm.Fitter(net, predict=lambda m: 0, backend="nevergrad", search_space={"a": (1, 0)})
    with pytest.raises(ValueError, match="nothing to fit"):
        bm.Fitter(hopf_net(6), predict=lambda m: 0, backend="nevergrad")
    with pytest.raises(ValueError, match=r"finite box.*'coupling\.k'"):
        bm.Fitter(bm.Network(bm.HopfStep(3), conn=np.ones((3, 3)), k=bm.Param(0.2)),
                  predict=lambda m: 0, backend="scipy")


def test_bad_arguments(small):
    truth, pred, target = small
    with pytest.raises(ValueError, match="exactly one of loss_fn"):
        bm.Fitter(truth, predict=pred, loss_fn=lambda m: 0.0, search_space=SPACE)
    with pytest.raises(ValueError, match="exactly one of loss_fn"):
        bm.Fitter(truth, search_space=SPACE)
    with pytest.raises(ValueError, match="unknown backend 'bayes'"):
        bm.Fitter(truth, predict=pred, backend="bayes", search_space=SPACE)
    with pytest.raises(TypeError, match="optimizer"):
        bm.Fitter(truth, 3.5, predict=pred, backend="nevergrad", search_space=SPACE)
    with pytest.raises(TypeError, match="optimizer"):
        bm.Fitter(truth, "adam", predict=pred, backend="grad", search_space=SPACE)
    fit = bm.Fitter(truth, predict=pred, backend="nevergrad", search_space=SPACE)
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="n_steps"):
            fit.fit(target, bad)
    with pytest.raises(ValueError, match="unknown nevergrad method"):
        bm.Fitter(truth, "NoSuchOpt", predict=pred, backend="nevergrad",
                  search_space=SPACE).fit(target, 1)
    with pytest.raises(TypeError, match="backend 'grad' needs predict= with a compiled"):
        bm.Fitter(truth, predict=lambda m: pred(m), search_space=SPACE).fit(target, 1)


# ----------------------------------------------------------------------------- Prediction
def test_batch_equals_one_by_one(small):
    truth, pred, target = small
    net = hopf_net(8)
    points = [{"coupling.k": k, "a": a} for k, a in [(0.1, -0.05), (0.5, 0.02), (0.3, -0.01)]]
    xs = pred.batch(net, points)
    assert xs.shape == (3,) + target.shape
    for p, x in zip(points, xs):
        net.set_params(**p)
        assert np.array_equal(pred(net), x)        # same noise, bit for bit
    # any batch size and an executor give the same numbers
    assert np.array_equal(pred.batch(net, points, batch_size=2), xs)
    with ThreadPoolExecutor(2) as ex:
        assert np.array_equal(pred.batch(net, points, executor=ex), xs)


def test_diverging_candidate_is_inf_with_warning():
    m = bm.LinearStep(3, gamma=-0.1, init_x=1.0)
    pred = bm.Simulator(m, dt=0.1).prediction(2000.0, "x", sample_every=10)
    target = pred(m)
    xs = pred.batch(m, [{"gamma": -0.1}, {"gamma": 0.5}, {"gamma": -0.2}], diverged="nan")
    assert np.isnan(xs[1]).all() and np.isfinite(xs[[0, 2]]).all()
    assert np.array_equal(xs[0], target)
    with pytest.raises(bm.SimulationDiverged):
        pred.batch(m, [{"gamma": 0.5}])
    for predict in (pred, lambda model: pred(model)):       # batched and one at a time
        fit = bm.Fitter(m, predict=predict, backend="nevergrad",
                        search_space={"gamma": (-0.5, 0.5)})
        with pytest.warns(FitWarning, match=r"gamma=0\.5 diverged \(.*non-finite"):
            assert fit.loss({"gamma": 0.5}, target) == np.inf
        assert fit.loss({"gamma": -0.1}, target) == 0.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitWarning)
            res = fit.fit(target, 3)                            # the fit goes on
        assert np.isfinite(res.best_loss) and np.isinf(res.history).any()


# ----------------------------------------------------------------------------- derivative-free
def test_nevergrad_batched_equals_closure_and_seed(small):
    truth, pred, target = small
    fb, _ = _fitter(small, "nevergrad", {"n_sample": 6}, seed=3)
    rb = fb.fit(target, 3)
    assert len(rb.history) == 18 and rb.n_evaluations == 18
    fc = bm.Fitter(hopf_net(8, k=0.1, a=-0.08), {"n_sample": 6}, predict=lambda m: pred(m),
                   objective=bm.objectives.fc_corr(as_loss=True), backend="nevergrad",
                   search_space=SPACE, seed=3)
    rc = fc.fit(target, 3)
    # the predictions are bitwise equal; the objective's batched evaluation rounds differently
    assert np.allclose(rc.history, rb.history, rtol=1e-12, atol=1e-15)
    assert rc.best_params == pytest.approx(rb.best_params, rel=1e-12)
    again, _ = _fitter(small, "nevergrad", {"n_sample": 6}, seed=3)
    assert again.fit(target, 3).history == rb.history
    with ThreadPoolExecutor(2) as ex:
        fe, _ = _fitter(small, "nevergrad", {"n_sample": 6}, seed=3, executor=ex)
        assert fe.fit(target, 3).history == rb.history
    assert repr(rb).startswith("FitResult(backend='nevergrad', best_loss=")
    assert fb.model.get_param("coupling.k") == rb.best_params["coupling.k"]


def test_dask_fit_equals_serial(small, dask_cluster):
    """Each generation's population split over two Dask worker processes: the same fit."""
    fs, target = _fitter(small, "nevergrad", {"n_sample": 6}, seed=5, batch_size=3)
    rs = fs.fit(target, 2)
    fd, _ = _fitter(small, "nevergrad", {"n_sample": 6}, seed=5, batch_size=3,
                    executor=dask_cluster.get_executor())
    rd = fd.fit(target, 2)
    assert rd.history == rs.history and rd.n_evaluations == 12
    assert rd.best_params == rs.best_params and rd.best_loss == rs.best_loss
    ss, _ = _fitter(small, "scipy", {"popsize": 3, "tol": 0}, batch_size=4)
    sd, _ = _fitter(small, "scipy", {"popsize": 3, "tol": 0}, batch_size=4,
                    executor=dask_cluster.get_executor())
    assert sd.fit(target, 1).history == ss.fit(target, 1).history


def test_scipy_de_and_restarts(small):
    truth, pred, target = small
    f, _ = _fitter(small, "scipy", {"popsize": 4, "tol": 0})
    r = f.fit(target, 3)
    # vectorized: scipy counts one call per generation (initial population + 3), each call
    # one batched evaluation of the 4 x 2 = 8 members
    assert len(r.history) == 3 and r.raw.nfev == 4 and r.n_evaluations == 4 * 8
    f2, _ = _fitter(small, "scipy", {"popsize": 4, "tol": 0})
    assert f2.fit(target, 3).history == r.history
    fr, _ = _fitter(small, "scipy", {"method": "Nelder-Mead", "options": {"maxfev": 6}})
    rr = fr.fit(target, 2)
    assert len(rr.history) == 2 and rr.best_loss <= min(rr.history)   # best seen
    more = fr.fit(target, 1, resume=rr)
    assert more.n_steps == 3 and len(more.history) == 3 and more.history[:2] == rr.history


def test_callbacks_early_stop_and_resume(small):
    truth, pred, target = small
    seen = []

    def cb(info):
        seen.append((info["step"], info["best_loss"], info["model"]))
        return info["step"] == 1

    f, _ = _fitter(small, "nevergrad", {"n_sample": 4}, callbacks=cb)
    r = f.fit(target, 5)
    assert r.stopped_early and r.n_steps == 2 and len(r.history) == 8
    assert [s for s, _, _ in seen] == [0, 1] and seen[0][2] is f.model
    f.callbacks = []
    r2 = f.fit(target, 2, resume=r)
    assert r2.n_steps == 4 and len(r2.history) == 16 and r2.history[:8] == r.history
    assert r2.best_loss <= r.best_loss


def test_loss_fn_path():
    m = bm.HopfStep(1, a=bm.Param(0.05, lower=-0.5, upper=0.5))

    def loss_fn(model):
        a = float(np.asarray(model.get_param("a")))
        return (a - 0.2) ** 2, {"a": a}

    r = bm.Fitter(m, {"n_sample": 8}, loss_fn=loss_fn, backend="nevergrad").fit(n_steps=15)
    assert abs(r.best_params["a"] - 0.2) < 0.02 and r.prediction["a"] == r.best_params["a"]


def test_recovery_68_regions():
    """Issue 15: known coupling.k and a of a 68-region Hopf network recovered within 10%
    from its FC, by nevergrad (DE) and scipy (differential_evolution)."""
    truth = hopf_net(68, k=TRUE["coupling.k"], a=TRUE["a"])
    pred = bm.Simulator(truth, dt=0.1).prediction(2000.0, "x", transient=200.0,
                                                  sample_every=10, seed=1)
    target = pred(truth)
    for backend, opt in (("nevergrad", {"method": "DE", "n_sample": 12}),
                         ("scipy", {"popsize": 6})):
        fit = bm.Fitter(hopf_net(68, k=0.1, a=-0.08), opt, predict=pred,
                        objective=bm.objectives.fc_corr(as_loss=True), backend=backend,
                        search_space=SPACE)
        res = fit.fit(target, 8)
        for name, v in TRUE.items():
            assert abs(res.best_params[name] - v) <= 0.1 * abs(v), (backend, res.best_params)


# ----------------------------------------------------------------------------- gradient loop
class QuadraticPrediction:
    """A test double of a compiled Prediction: loss = sum_i w_i (value_i - c_i)^2 with its
    exact gradient, in physical units (the Fitter only sees loss_and_grad)."""

    def __init__(self, centre, weight=None):
        self.centre = centre
        self.weight = weight or {k: 1.0 for k in centre}
        self.calls = 0

    def __call__(self, model):
        return np.zeros((4, model.n_nodes))

    def loss_and_grad(self, model, objective, target, params):
        self.calls += 1
        loss = sum(self.weight[k] * float(np.sum((np.asarray(params[k]) - c) ** 2))
                   for k, c in self.centre.items())
        grads = {k: 2 * self.weight[k] * (np.asarray(params[k]) - c)
                 for k, c in self.centre.items()}
        return loss, grads


def test_grad_backend_adam_bounds_best_and_resume():
    net = hopf_net(4, a=np.full(4, -0.05))
    centre = {"coupling.k": 0.37, "a": np.array([-0.06, -0.02, 0.01, 0.03])}
    pred = QuadraticPrediction(centre)
    fit = bm.Fitter(net, Adam(lr=0.1), predict=pred, search_space=SPACE)
    res = fit.fit(np.zeros((4, 4)), 300)
    assert res.backend == "grad" and len(res.history) == 300 and pred.calls == 300
    assert res.best_loss == min(res.history) < 1e-6
    assert abs(res.best_params["coupling.k"] - 0.37) < 1e-3
    assert np.allclose(res.best_params["a"], centre["a"], atol=1e-3)
    assert np.allclose(net.get_param("a"), res.best_params["a"])     # best restored
    # bounds by the sigmoid: a centre outside the box is approached, never crossed
    out = bm.Fitter(hopf_net(4), Adam(lr=0.2), predict=QuadraticPrediction({"coupling.k": 2.0}),
                    search_space={"coupling.k": (0.0, 1.0)}).fit(np.zeros((4, 4)), 50)
    assert 0.9 < out.best_params["coupling.k"] < 1.0
    # resume continues from the last step (Adam's moments included) == one longer fit
    f1 = bm.Fitter(hopf_net(4), Adam(lr=0.05), predict=QuadraticPrediction({"coupling.k": 0.6}),
                   search_space={"coupling.k": (0.0, 1.0)})
    part = f1.fit(np.zeros((4, 4)), 10)
    whole = bm.Fitter(hopf_net(4), Adam(lr=0.05),
                      predict=QuadraticPrediction({"coupling.k": 0.6}),
                      search_space={"coupling.k": (0.0, 1.0)}).fit(np.zeros((4, 4)), 20)
    rest = f1.fit(np.zeros((4, 4)), 10, resume=part)
    assert rest.n_steps == 20 and np.allclose(rest.history, whole.history)


def test_grad_backend_callbacks_and_nonfinite_gradient():
    stops = bm.Fitter(hopf_net(4), predict=QuadraticPrediction({"coupling.k": 0.6}),
                      search_space={"coupling.k": (0.0, 1.0)},
                      callbacks=lambda info: info["step"] == 4).fit(np.zeros((4, 4)), 100)
    assert stops.stopped_early and len(stops.history) == 5

    class NaNGrad(QuadraticPrediction):
        def loss_and_grad(self, model, objective, target, params):
            loss, g = super().loss_and_grad(model, objective, target, params)
            if self.calls == 3:
                g["coupling.k"] = np.nan
            return loss, g

    with pytest.warns(FitWarning, match=r"step 2: the gradient with respect to 'coupling\.k'"):
        r = bm.Fitter(hopf_net(4), predict=NaNGrad({"coupling.k": 0.6}),
                      search_space={"coupling.k": (0.0, 1.0)}).fit(np.zeros((4, 4)), 10)
    assert len(r.history) == 2 and r.stopped_early
