"""The generated kernels' numbers, pinned bit for bit.

Refactors of the IR, the templates or the printer must not change a single bit of what the
kernels compute. Each case runs a small version of a standard workload (W1: one Jansen-Rit
node; W2: a delayed, noisy Hopf network; W4: a batched sweep of independent Hopf nodes) or a
kernel form the others do not reach (per-edge coupling, two coupling terms, a sigmoidal
coupling with exp, exponential Euler, a multi-stage scheme), and compares the SHA-256 of
the recorded float64 arrays with the digest recorded when the case was written. A digest
that changes means the kernel computes something else: find out why before updating it.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

import brainmass_dsl as bm

BENCH_MODELS = Path(__file__).resolve().parents[1] / "bench" / "models"


def digest(res, names) -> str:
    h = hashlib.sha256()
    for n in names:
        h.update(np.ascontiguousarray(res[n], dtype=np.float64).tobytes())
    return h.hexdigest()[:24]


def _connectome(n, seed=3):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0, 1, (n, n)) * (rng.uniform(0, 1, (n, n)) < 0.6)
    np.fill_diagonal(w, 0)
    lengths = rng.uniform(5, 120, (n, n))
    return w, (lengths + lengths.T) / 2


def w1():
    lib = bm.load(BENCH_MODELS / "jansen_rit_tvb.nmm")
    m = lib.JansenRitTVB(1, method="euler")
    return bm.Simulator(m, dt=0.1).run(500.0, monitors=["eeg"], sample_every=10,
                                       progress=False), ["eeg"]


def w2():
    lib = bm.load(BENCH_MODELS / "hopf_w2.nmm")
    w, lengths = _connectome(12)
    rng = np.random.default_rng(0)
    node = lib.HopfW2(12, method="euler_maruyama", init_x=0.1 * rng.standard_normal(12),
                      init_y=0.1 * rng.standard_normal(12))
    net = bm.Network(node, conn=w, distance=lengths, speed=2.0, coupling="diffusive",
                     coupled_var="x", k=0.2)
    net.set_params(**{"coupling.k": np.array([0.1, 0.3])[:, None] * np.ones((1, 12))})
    return bm.Simulator(net, dt=0.1).run(300.0, batch_size=2, monitors=["x", "y"],
                                         sample_every=3, progress=False), ["x", "y"]


def w4():
    lib = bm.load(BENCH_MODELS / "hopf_w2.nmm")
    node = lib.HopfW2(1, method="euler_maruyama", a=np.linspace(-0.1, 0.1, 40)[:, None],
                      init_x=0.05)
    return bm.Simulator(node, dt=0.1).run(300.0, batch_size=40, monitors=["x"],
                                          sample_every=10, progress=False), ["x"]


def kuramoto_per_edge():
    w, lengths = _connectome(8, seed=5)
    node = bm.Kuramoto(8, omega=np.linspace(0.01, 0.05, 8), init_theta=np.arange(8.0))  # the node
    net = bm.Network(node, conn=w, distance=lengths, speed=3.0, coupling="KuramotoCoupling",
                     coupling_params={"K": 0.3})
    return bm.Simulator(net, dt=0.1).run(200.0, sample_every=2, progress=False), ["theta"]


def jansen_rit_sigmoidal_two_terms():
    w, lengths = _connectome(6, seed=7)
    node = bm.JansenRitStep(6, method="heun2")     # TVB's Heun (the trapezoid)
    net = bm.Network(node, conn=w, distance=lengths, speed=4.0,
                     coupling="SigmoidalJansenRit", k=2.0,
                     couplings=[bm.Coupling("diffusive", conn=w.T, delay=np.full((6, 6), 1.5), name="back",
                                            coupled_var="M", target="I_inp",
                                            params={"k": 0.05})])
    res = bm.Simulator(net, dt=0.1).run(150.0, sample_every=5, monitors=["M", "E", "I"],
                                        inputs=lambda i, t: {"M_inp": 0.0, "E_inp": 0.22,
                                                             "I_inp": 0.0},
                                        progress=False)
    return res, ["M", "E", "I"]


def wilson_cowan_exp_euler_noise():
    m = bm.WilsonCowanStep(5, noise_rE=bm.OUProcess(5, sigma=0.05, tau=3.0))
    return bm.Simulator(m, dt=0.1).run(200.0, sample_every=4, monitors=["rE", "rI"],
                                       progress=False), ["rE", "rI"]


def hopf_rk4_network():
    w, _ = _connectome(5, seed=11)
    node = bm.HopfStep(5, method="rk4", a=0.1, init_x=np.linspace(0.1, 0.5, 5))
    net = bm.Network(node, conn=w, coupling="additive", k=0.05)
    return bm.Simulator(net, dt=0.05).run(100.0, sample_every=7, progress=False), ["x"]


CASES = {
    "w1": (w1, "0e35bd5b719376bb9bc92183"),
    "w2": (w2, "c705367a328c6c7442a4fcbd"),
    "w4": (w4, "3fc5a5f9cd2508dda8b0de4c"),
    "kuramoto_per_edge": (kuramoto_per_edge, "c481e73bd9586504a32997a2"),
    "jansen_rit_sigmoidal_two_terms": (jansen_rit_sigmoidal_two_terms, "8f59b60a6bc6afe5fd79bda7"),
    "wilson_cowan_exp_euler_noise": (wilson_cowan_exp_euler_noise, "cf6bc7db6bd69159056a853f"),
    "hopf_rk4_network": (hopf_rk4_network, "42fd345b1d24cadd07fd64db"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_kernel_numbers_are_unchanged(case):
    run, want = CASES[case]
    res, names = run()
    for n in names:
        assert np.isfinite(res[n]).all() and np.ptp(res[n]) > 0, n
    assert digest(res, names) == want
