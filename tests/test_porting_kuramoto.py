"""brainmass's self-contained KuramotoNetwork(in_size, omega, K, alpha, conn, normalize_by_n,
exclude_self, noise_theta, init_theta) runs with only the import changed (issue 17).

Checked against the Network + KuramotoCoupling path (the same kernel: equal arrays) and
against a NumPy forward-Euler integration of brainmass's equation (exp_euler with J = 0 is
forward Euler; the coupling is evaluated once per step from the current phases), for every
combination of the flags.
"""
from __future__ import annotations

import numpy as np
import pytest

import brainmass_dsl as brainmass
from brainmass_dsl.runtime.library import catalogue_class

N, DT, T = 6, 0.1, 30.0
RNG = np.random.default_rng(3)
W = RNG.uniform(0.2, 1.0, (N, N))
OMEGA = RNG.uniform(0.01, 0.05, N)
THETA0 = RNG.uniform(0.0, 2 * np.pi, N)


def numpy_kuramoto(theta0, omega, K, alpha, W, normalize_by_n, exclude_self, n_steps, dt,
                   theta_inp=0.0):
    w = W.copy()
    if exclude_self:
        np.fill_diagonal(w, 0.0)
    scale = K / len(theta0) if normalize_by_n else K
    theta, out = theta0.copy(), []
    for _ in range(n_steps):
        diff = theta[None, :] - theta[:, None] - alpha          # theta_j - theta_i - alpha
        theta = theta + dt * (omega + scale * np.sum(w * np.sin(diff), axis=1) + theta_inp)
        out.append(theta)
    return np.array(out)


@pytest.mark.parametrize("normalize_by_n, exclude_self",
                         [(True, True), (False, True), (True, False), (False, False)])
def test_against_numpy_integration(normalize_by_n, exclude_self):
    net = brainmass.KuramotoNetwork(N, omega=OMEGA, K=0.8, alpha=0.3, conn=W,
                                    normalize_by_n=normalize_by_n, exclude_self=exclude_self,
                                    init_theta=THETA0)
    got = brainmass.Simulator(net, dt=DT).run(T)["theta"]
    want = numpy_kuramoto(THETA0, OMEGA, 0.8, 0.3, W, normalize_by_n, exclude_self,
                          int(round(T / DT)), DT)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_equals_network_with_kuramoto_coupling():
    net = brainmass.KuramotoNetwork(N, omega=OMEGA, K=0.8, alpha=0.3, conn=W.ravel(),
                                    init_theta=THETA0)
    node = catalogue_class("KuramotoNetwork")(N, omega=OMEGA, init_theta=THETA0)
    ref = brainmass.Network(node, conn=W, coupling="KuramotoCoupling",
                            coupling_params={"K": 0.8, "alpha": 0.3})
    a = brainmass.Simulator(net, dt=DT).run(T)["theta"]
    b = brainmass.Simulator(ref, dt=DT).run(T)["theta"]
    np.testing.assert_array_equal(a, b)


def test_brainmass_snippet_update_and_parameters():
    brainmass.environ.set(dt=DT)
    net = brainmass.KuramotoNetwork(N, K=2.0, normalize_by_n=False, init_theta=THETA0)
    net.init_all_states()
    theta = net.update(0.01)                                   # update(theta_inp)
    want = numpy_kuramoto(THETA0, 0.0, 2.0, 0.0, np.ones((N, N)), False, True, 1, DT, 0.01)
    np.testing.assert_allclose(theta, want[-1], rtol=1e-12)
    assert net.K.value() == pytest.approx(2.0)                  # brainmass's meaning of K
    assert net.n_node == N and net.coupled_var == "theta"
    net.K = 3.0
    assert net.K.value() == pytest.approx(3.0)
    block_K = brainmass.Network.get_param(net, "coupling.K")      # K * N in the block
    assert float(block_K) == pytest.approx(3.0 * N)


def test_strong_coupling_synchronises_and_none_does_not():
    def order(K):
        net = brainmass.KuramotoNetwork(N, omega=OMEGA, K=K, init_theta=THETA0)
        th = brainmass.Simulator(net, dt=DT).run(300.0)["theta"][-1]
        return abs(np.mean(np.exp(1j * th)))
    assert order(2.0) > 0.99 > order(0.0)


def test_noise_is_seeded_and_conn_is_validated():
    def run(seed):
        net = brainmass.KuramotoNetwork(N, K=0.5, init_theta=THETA0, seed=seed,
                                        noise_theta=brainmass.OUProcess(1, sigma=0.05, tau=5.0))
        return brainmass.Simulator(net, dt=DT).run(5.0)["theta"]
    np.testing.assert_array_equal(run(1), run(1))
    assert not np.array_equal(run(1), run(2))
    with pytest.raises(ValueError, match="conn"):
        brainmass.KuramotoNetwork(N, conn=np.ones((N, N + 1)))
    with pytest.raises(ValueError, match="conn"):
        brainmass.KuramotoNetwork(N, conn=np.ones(N * N - 1))
