"""Network(delay_init=..., delay_rule=...) (issue 17): the history before t = 0 as a constant,
an array or a callable of time, and lags rounded to the nearest step ("round", TVB's rule,
the default) or up ("ceil", brainmass's rule). Checked against a NumPy Euler integration of
x_i' = gamma x_i + k sum_j W_ij x_j(t - lag_ij dt) with that history."""
from __future__ import annotations

import numpy as np
import pytest

import brainmass_dsl as brainmass

N, DT, T, GAMMA, K = 4, 0.1, 3.0, -0.2, 0.3
RNG = np.random.default_rng(11)
W = RNG.uniform(0.1, 1.0, (N, N))
np.fill_diagonal(W, 0.0)
D = RNG.choice([0.0, 0.21, 0.26, 0.5, 0.84, 1.05], size=(N, N))   # ms: .21/.84/1.05 round != ceil
np.fill_diagonal(D, 0.0)
X0 = RNG.uniform(-1, 1, N)


def numpy_delayed(lags, history):
    """Euler; history(t) for t < 0 (an (N,) array), x(0) = X0."""
    n = int(round(T / DT))
    xs = [X0.copy()]
    for s in range(n):
        past = np.empty((N, N))
        for i in range(N):
            for j in range(N):
                m = s - lags[i, j]
                past[i, j] = xs[m][j] if m >= 0 else history(m * DT)[j]
        x = xs[-1]
        xs.append(x + DT * (GAMMA * x + K * np.sum(W * past, axis=1)))
    return np.array(xs[1:])


def _run(**kw):
    node = brainmass.LinearStep(N, gamma=GAMMA, init_x=X0, method="euler")
    net = brainmass.Network(node, conn=W, delay=D, coupling="additive", k=K, **kw)
    return net, brainmass.Simulator(net, dt=DT).run(T)["x"]


@pytest.mark.parametrize("rule", ["round", "ceil"])
def test_delay_rule(rule):
    net, got = _run(delay_rule=rule)
    steps = D / DT
    lags = np.rint(steps) if rule == "round" else np.ceil(steps - 1e-9)
    lags = lags.astype(int)
    assert (np.rint(D / DT) != np.ceil(D / DT - 1e-9)).any()      # the rules differ here
    want = numpy_delayed(lags, lambda t: X0)                      # default: history = x(0)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_default_rule_is_round_and_unchanged():
    _, default = _run()
    _, rounded = _run(delay_rule="round")
    np.testing.assert_array_equal(default, rounded)
    with pytest.raises(ValueError, match="delay_rule"):
        _run(delay_rule="floor")


@pytest.mark.parametrize("history, fn", [
    (0.7, lambda t: np.full(N, 0.7)),
    (np.array([0.1, -0.2, 0.3, 0.4]), lambda t: np.array([0.1, -0.2, 0.3, 0.4])),
    (lambda t: np.sin(np.arange(N) + t), lambda t: np.sin(np.arange(N) + t)),
], ids=["constant", "array", "callable"])
def test_delay_init(history, fn):
    _, got = _run(delay_init=history, delay_rule="ceil")
    lags = np.ceil(D / DT - 1e-9).astype(int)
    np.testing.assert_allclose(got, numpy_delayed(lags, fn), rtol=1e-12, atol=1e-14)


def test_delay_init_batched_and_reinitialised():
    node = brainmass.LinearStep(N, gamma=GAMMA, init_x=X0, method="euler")
    net = brainmass.Network(node, conn=W, delay=D, coupling="additive", k=K,
                            delay_init=np.array([[0.5] * N, [-0.5] * N]))
    res = brainmass.Simulator(net, dt=DT).run(T, batch_size=2)["x"]
    lags = np.rint(D / DT).astype(int)
    np.testing.assert_allclose(res[:, 0], numpy_delayed(lags, lambda t: np.full(N, 0.5)),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res[:, 1], numpy_delayed(lags, lambda t: np.full(N, -0.5)),
                               rtol=1e-12, atol=1e-14)
    again = brainmass.Simulator(net, dt=DT).run(T, batch_size=2)["x"]
    np.testing.assert_array_equal(res, again)


def test_delay_init_refused_where_the_sent_value_is_not_the_coupled_value():
    node = brainmass.JansenRitStep(N)
    with pytest.raises(ValueError, match="delay_init"):
        brainmass.Network(node, conn=W, delay=D, coupling="SigmoidalJansenRit",
                          target="E_inp", delay_init=0.0)
