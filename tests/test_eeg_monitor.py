"""The lead-field monitor (issue 13 item 4): EEG/MEG sensors projected inside the compiled
network kernel at their own rate, equal to the lead field applied to the recorded sources
(averaged over each monitor step); chunked == unchunked; batches; errors."""
from __future__ import annotations

import numpy as np
import pytest

import brainmass_dsl as bm
from brainmass_dsl.forward import synthetic_leadfield
from brainmass_dsl.plan.adjoint import GradientRefused
from brainmass_dsl.runtime.gradient import network_gradient

N, M, EVERY = 6, 16, 10


@pytest.fixture(scope="module")
def case():
    rng = np.random.default_rng(0)
    W = rng.uniform(0, 1, (N, N))
    np.fill_diagonal(W, 0)
    net = bm.Network(bm.JansenRitStep(N), conn=W, distance=rng.uniform(10, 60, (N, N)),
                     speed=5.0, coupling="SigmoidalJansenRit", k=1.0)
    pos = rng.normal(size=(N, 3))
    pos *= (rng.uniform(20, 70, N) / np.linalg.norm(pos, axis=1))[:, None]
    eeg = synthetic_leadfield(pos, M).eeg_model(sensor_unit="uV")
    return net, eeg


def _run(net, mon, **kw):
    return bm.Simulator(net, dt=0.1).run(200.0, forward=mon, monitors=["E"],
                                         inputs={"E_inp": 0.22}, progress=False, **kw)


def test_in_kernel_eeg_equals_the_leadfield_on_the_recorded_sources(case):
    net, eeg = case
    res = _run(net, eeg.monitor("E", every=EVERY, network=net, name="scalp"))
    E = res["E"]                                     # (2000, N) in mV, every step
    ref = eeg.update(E.reshape(-1, EVERY, N).mean(1))
    assert res["scalp"].shape == (200, M) and res.units["scalp"] == "uV"
    np.testing.assert_allclose(res["scalp"], ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res.time_of("scalp"), np.arange(1, 201) * 1.0)
    assert np.ptp(ref) > 1e-3
    # sampled every 5 ms: every fifth 1-ms mean
    res5 = _run(net, eeg.monitor("E", every=EVERY, tr=5.0, network=net, name="scalp"))
    np.testing.assert_allclose(res5["scalp"], ref[4::5], rtol=1e-12, atol=1e-15)
    # chunked == unchunked, to the bit
    resc = _run(net, eeg.monitor("E", every=EVERY, network=net, name="scalp"), chunk_steps=37)
    np.testing.assert_array_equal(resc["scalp"], res["scalp"])


def test_batched_eeg_and_units_of_the_source(case):
    net, eeg = case
    mon = eeg.monitor("E", every=EVERY, network=net, name="scalp")
    net.set_params(Ae=bm.per_batch([3.25, 3.6]))
    try:
        res = _run(net, mon, batch_size=2)
    finally:
        net.set_params(Ae=3.25)
    assert res["scalp"].shape == (200, 2, M)
    for b in range(2):
        ref = eeg.update(res["E"][:, b].reshape(-1, EVERY, N).mean(1))
        np.testing.assert_allclose(res["scalp"][:, b], ref, rtol=1e-12, atol=1e-15)
    assert not np.allclose(res["scalp"][:, 0], res["scalp"][:, 1])


def test_errors(case):
    net, eeg = case
    with pytest.raises(ValueError, match="would hide the network's series"):
        _run(net, eeg.monitor("E", network=net))           # JR has an output "eeg"
    with pytest.raises(ValueError, match="mixes the nodes of a network"):
        bm.Simulator(bm.JansenRitStep(N), dt=0.1).run(
            10.0, forward=eeg.monitor("E", name="scalp"), progress=False)
    with pytest.raises(ValueError, match=r"projection must be an \(N, M\) matrix"):
        bm.ForwardMonitor(bm.BOLDSignal(N), projection=np.ones((N + 1, 3)))
    noisy = synthetic_leadfield(np.eye(3, N).T * 50 + 1, M).eeg_model(
        sensor_unit="uV", noise_cov=np.eye(M) * 1e-2)
    with pytest.raises(ValueError, match="draws no sensor noise"):
        noisy.monitor("E", network=net)
    with pytest.raises(ValueError, match="not .*the lead field's observable"):
        eeg.monitor("Ev", network=net)                      # mV/ms is not a voltage
    with pytest.raises(GradientRefused, match="projected monitor"):
        network_gradient(net, 10.0, dt=0.1, forward=eeg.monitor("E", network=net, name="s"),
                         loss_grad=lambda p: (0.0, {}))
