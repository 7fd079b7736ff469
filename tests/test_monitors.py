"""The recording monitor, in both kernels: every k-th step (decimation) and the mean over
windows of k steps (TVB's TemporalAverage), checked against NumPy on the states recorded at
every step of the same run (same seed, same noise)."""
from __future__ import annotations

import numpy as np
import pytest

import brainmass_dsl as bm

DT = 0.1


@pytest.fixture(scope="module")
def node():
    return bm.HopfStep(4, method="euler_maruyama", a=np.linspace(-0.2, 0.1, 4),
                       noise_x=bm.OUProcess(4, sigma=0.05, tau=2.0), init_x=0.2)


@pytest.fixture(scope="module")
def network():
    rng = np.random.default_rng(1)
    w = rng.uniform(0, 1, (5, 5))
    hopf = bm.HopfStep(5, method="euler_maruyama", a=0.05, init_x=np.linspace(0.1, 0.5, 5),
                       noise_x=bm.OUProcess(5, sigma=0.05, tau=2.0))
    return bm.Network(hopf, conn=w, distance=rng.uniform(5, 50, (5, 5)), speed=3.0,
                      coupling="diffusive", k=0.1)


def _run(model, **kw):
    kw.setdefault("monitors", ["x", "y"])
    return bm.Simulator(model, dt=DT).run(60.0, seed=7, progress=False, batch_size=2, **kw)


@pytest.mark.parametrize("which", ["node", "network"])
@pytest.mark.parametrize("transient", [0, 13])
def test_decimation_and_average_against_numpy(request, which, transient):
    model = request.getfixturevalue(which)
    k = 7
    full = _run(model, transient=transient)
    dec = _run(model, transient=transient, sample_every=k)
    avg = _run(model, transient=transient, sample_every=k, average=True)
    n_windows = full["x"].shape[0] // k
    for name in ("x", "y"):
        np.testing.assert_array_equal(dec[name], full[name][::k])
        want = full[name][:n_windows * k].reshape(n_windows, k, *full[name].shape[1:]).mean(1)
        assert avg[name].shape == want.shape
        np.testing.assert_allclose(avg[name], want, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(dec.ts, full.ts[::k], rtol=1e-15)
    # a window is stamped at the end of its last step
    np.testing.assert_allclose(avg.ts, full.ts[k - 1::k][:n_windows], rtol=1e-15)
    assert avg.meta["average"] and not dec.meta["average"]


@pytest.mark.parametrize("which", ["node", "network"])
def test_averaging_does_not_depend_on_chunks(request, which):
    model = request.getfixturevalue(which)
    one = _run(model, sample_every=9, average=True)
    chunked = _run(model, sample_every=9, average=True, chunk_steps=37)
    for name in ("x", "y"):
        np.testing.assert_array_equal(one[name], chunked[name])


def test_averaging_outputs_as_well_as_states():
    jr = bm.JansenRitStep(1, method="heun")
    kw = dict(inputs=lambda i, t: (0.0, 0.22, 0.0), progress=False)
    full = bm.Simulator(jr, dt=DT).run(50.0, monitors=["eeg"], **kw)
    avg = bm.Simulator(jr, dt=DT).run(50.0, monitors=["eeg"], sample_every=10, average=True, **kw)
    want = full["eeg"].reshape(50, 10, -1).mean(1)
    np.testing.assert_allclose(avg["eeg"], want, rtol=1e-13)


def test_averaging_refuses_what_it_cannot_do(node):
    sim = bm.Simulator(node, dt=DT)
    with pytest.raises(ValueError, match="by name"):
        sim.run(10.0, monitors={"x2": lambda m: m.x.value ** 2}, sample_every=5, average=True,
                progress=False)
    with pytest.raises(ValueError, match="complete window"):
        sim.run(1.0, sample_every=50, average=True, progress=False)
