"""brainmass's coupling classes, functional couplings, LaplacianConnParam and Network
attributes: brainmass-style snippets run with only the import changed (issue 17).

- The five coupling classes take brainmass's arguments in its order and, passed as
  Network(coupling=...), run exactly what the coupling name with the same parameters runs.
- The functional forms (diffusive_coupling(delayed_x, y, conn, k), ...) agree with the
  compiled coupling blocks: one Euler step of LinearStep reveals the coupling current.
- Network attributes coupling / noise / n_node / coupled_var as brainmass; conn= takes a
  Connectome or brainmass's (weights, distances, labels) tuple.
"""
from __future__ import annotations

import numpy as np
import pytest

import brainmass_dsl as brainmass     # the only change to a brainmass script

N = 5
RNG = np.random.default_rng(7)
W = RNG.uniform(0.0, 1.0, (N, N))
np.fill_diagonal(W, 0.0)
X0 = RNG.uniform(-1.0, 1.0, N)
DT = 0.1

CASES = [
    (brainmass.DiffusiveCoupling, brainmass.diffusive_coupling, {"k": 0.3}),
    (brainmass.AdditiveCoupling, brainmass.additive_coupling, {"k": 0.4, "b": 0.2}),
    (brainmass.SigmoidalCoupling, brainmass.sigmoidal_coupling,
     {"k": 1.5, "a": 0.7, "b": 0.1, "slope": 2.0, "midpoint": 0.3}),
    (brainmass.HyperbolicTangentCoupling, brainmass.hyperbolic_tangent_coupling,
     {"k": 0.6, "scale": 1.5}),
    (brainmass.SigmoidalJansenRitCoupling, brainmass.sigmoidal_jansen_rit_coupling,
     {"k": 2.0, "cmin": 0.001, "cmax": 0.006, "midpoint": 0.2, "r": 1.3}),
]


def _coupling_current(net):
    """c from one Euler step of LinearStep: x1 = x0 + dt (gamma x0 + c)."""
    brainmass.environ.set(dt=DT)
    net.init_all_states()
    x1 = net.update()
    gamma = float(net.get_param("gamma"))
    return (x1 - X0) / DT - gamma * X0


@pytest.fixture(scope="module")
def linear():
    return brainmass.LinearStep(N, gamma=-0.5, init_x=X0, method="euler")


@pytest.mark.parametrize("cls, fn, params", CASES, ids=[c[0].__name__ for c in CASES])
def test_coupling_class_runs_its_block_and_matches_the_functional_form(linear, cls, fn, params):
    obj = cls("x", conn=W, **params)
    net = brainmass.Network(linear, coupling=obj)
    got = _coupling_current(net)
    delayed = np.broadcast_to(X0[None, :], (N, N))       # zero delays: x_ij = x_j
    args = (delayed, X0, W) if cls is brainmass.DiffusiveCoupling else (delayed, W)
    want = fn(*args, **params)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    # the same as the string name with the same parameters
    by_name = brainmass.Network(linear, conn=W, coupling=cls.block, coupled_var="x",
                                coupling_params=params)
    np.testing.assert_array_equal(_coupling_current(by_name), got)
    # brainmass's Param API on the network's coupling
    for key, value in params.items():
        assert float(getattr(net.coupling, key).value()) == pytest.approx(value)


def test_functional_forms_against_closed_forms_and_flattened_inputs():
    x = RNG.normal(size=(3, N, N))                         # (batch, N_out, N_in)
    y = RNG.normal(size=(3, N))
    want = 0.2 * np.einsum("ij,bij->bi", W, x - y[:, :, None])
    np.testing.assert_allclose(brainmass.diffusive_coupling(x, y, W, 0.2), want, rtol=1e-12)
    np.testing.assert_allclose(brainmass.diffusive_coupling(x.reshape(3, -1), y, W.ravel(), 0.2),
                               want, rtol=1e-12)
    np.testing.assert_allclose(brainmass.diffusive_coupling(lambda: x, y, W, 0.2), want,
                               rtol=1e-12)
    s = np.einsum("ij,bij->bi", W, x)
    np.testing.assert_allclose(brainmass.additive_coupling(x, W, k=2.0, b=0.5), 2 * s + 0.5)
    np.testing.assert_allclose(brainmass.hyperbolic_tangent_coupling(x, W.ravel()),
                               0.5 * np.tanh(2.0 * s), rtol=1e-12)
    np.testing.assert_allclose(brainmass.sigmoidal_coupling(x, W, slope=2.0, midpoint=0.1),
                               1.0 / (1.0 + np.exp(-2.0 * (s - 0.1))), rtol=1e-12)
    jr = brainmass.sigmoidal_jansen_rit_coupling(x, W)
    np.testing.assert_allclose(jr, np.einsum("ij,bij->bi", W,
                                             0.005 / (1 + np.exp(0.56 * (6.0 - x)))), rtol=1e-12)
    with pytest.raises(ValueError, match="2-D conn"):
        brainmass.additive_coupling(x, W.ravel())
    with pytest.raises(ValueError, match="perfect-square"):
        brainmass.sigmoidal_coupling(x, np.ones(N * N - 1))
    with pytest.raises(ValueError, match="delayed_x"):
        brainmass.additive_coupling(np.ones((N, N + 1)), W)


def test_coupling_object_is_callable_with_its_conn_and_parameters():
    c = brainmass.DiffusiveCoupling(conn=W, k=0.2)
    x = RNG.normal(size=(N, N))
    np.testing.assert_allclose(c(x, X0), brainmass.diffusive_coupling(x, X0, W, 0.2))
    c.k = 0.5
    assert c.k.value() == 0.5


def test_coupling_object_errors_name_the_argument(linear):
    with pytest.raises(TypeError, match="x must be the coupled variable's name"):
        brainmass.DiffusiveCoupling(np.zeros(3))
    with pytest.raises(ValueError, match="y='y' differs from x='x'"):
        brainmass.DiffusiveCoupling("x", "y")
    with pytest.raises(ValueError, match="conn given twice"):
        brainmass.Network(linear, conn=W, coupling=brainmass.AdditiveCoupling(conn=W))
    with pytest.raises(TypeError, match="unexpected keyword"):
        brainmass.AdditiveCoupling(conn=W, slope=1.0)


def test_laplacian_conn_param_as_conn_equals_laplacian_coupling(linear):
    L = brainmass.LaplacianConnParam(W)
    np.testing.assert_allclose(L.value(), W - np.diag(W.sum(1)))
    Lm, d = brainmass.LaplacianConnParam(W, mask=W > 0.3, return_diag=True).value()
    np.testing.assert_allclose(d, (W * (W > 0.3)).sum(1))
    a = _coupling_current(brainmass.Network(linear, conn=L, coupling="additive"))
    b = _coupling_current(brainmass.Network(linear, conn=W, coupling="laplacian"))
    c = _coupling_current(brainmass.Network(linear, conn=W, coupling="diffusive"))
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a, c, rtol=1e-10, atol=1e-12)


def test_network_attributes_as_brainmass():
    noise = brainmass.OUProcess(1, sigma=0.1, tau=5.0)
    hopf = brainmass.HopfStep(N)
    net = brainmass.Network(hopf, conn=W, coupling="additive", coupled_var="x", k=0.7,
                            noise=noise)
    assert net.n_node == N and net.coupled_var == "x" and net.noise is noise
    assert isinstance(net.coupling, brainmass.AdditiveCoupling)
    assert net.coupling.k.value() == pytest.approx(0.7)
    net.coupling.k = 0.9                    # writes through to the network
    assert float(net.get_param("coupling.k")) == pytest.approx(0.9)
    net.coupling.b.set_value(0.05)
    assert float(net.get_param("coupling.b")) == pytest.approx(0.05)
    assert net.node is hopf


def test_connectome_as_conn_and_unpacking():
    ds = brainmass.datasets.load_dataset("example_connectome")
    weights, distances, labels = ds                         # brainmass's named tuple
    hopf = brainmass.HopfStep(len(labels), a=0.1)
    from_tuple = brainmass.Network(hopf, conn=ds, speed=10.0, coupled_var="x", k=0.2)
    explicit = brainmass.Network(hopf, conn=weights, distance=distances, speed=10.0,
                                 coupled_var="x", k=0.2)
    con = brainmass.datasets.example_as_connectome()
    w2, d2, l2 = con                                         # a Connectome unpacks the same way
    np.testing.assert_array_equal(w2, weights)
    np.testing.assert_array_equal(d2, distances)
    assert list(l2) == list(labels)
    from_connectome = brainmass.Network(hopf, conn=con, speed=10.0, coupled_var="x", k=0.2)
    runs = [brainmass.Simulator(n, dt=0.1).run(20.0)["x"]
            for n in (from_tuple, explicit, from_connectome)]
    np.testing.assert_array_equal(runs[0], runs[1])
    np.testing.assert_array_equal(runs[0], runs[2])
    # without speed= the distances are not used: no delays
    no_delay = brainmass.Network(hopf, conn=ds, coupled_var="x", k=0.2)
    assert float(np.max(no_delay.terms[0].delay_ms)) == 0.0
