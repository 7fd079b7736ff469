"""A forward model fused into the network kernel as a monitor with its own clock, against
NumPy: the drive recorded at every step, averaged over each forward step, and the forward
model integrated by hand with the same scheme."""
from __future__ import annotations

import numpy as np
import pytest

import brainmass_dsl as bm

DT = 0.1

FORWARD = """
model LowPass:
    \"\"\"A first-order low-pass filter of its input, with a nonlinear output.\"\"\"
    category: forward
    parameter tau = 50 ms     "time constant" in (0 ms, inf)
    parameter g = 2.0         "output gain"
    input z = 0               "drive"
    input u = 0.25            "an input that keeps its default"
    state y = 0.5             "filtered drive"
    d(y)/dt = (z + u - y) / tau
    output o = g * y**2
"""


@pytest.fixture(scope="module")
def forward_lib(tmp_path_factory):
    path = tmp_path_factory.mktemp("fwd") / "lowpass.nmm"
    path.write_text(FORWARD)
    return bm.load(path)


@pytest.fixture(scope="module")
def network():
    rng = np.random.default_rng(2)
    w = rng.uniform(0, 1, (4, 4))
    hopf = bm.HopfStep(4, method="euler_maruyama", a=0.05, init_x=np.linspace(0.1, 0.4, 4),
                       noise_x=bm.OUProcess(4, sigma=0.05, tau=2.0))
    return bm.Network(hopf, conn=w, distance=rng.uniform(5, 50, (4, 4)), speed=3.0,
                      coupling="diffusive", k=0.1)


def _reference(x, every, sample, tau, g, y0, u, f0=0):
    """Euler steps of dy/dt = (z + u - y)/tau at every*DT, z the mean of x over each step."""
    n_f = x.shape[0] // every
    z = x[:n_f * every].reshape(n_f, every, *x.shape[1:]).mean(1)
    y = np.full(x.shape[1:], y0)
    out = []
    for f in range(n_f):
        y = y + every * DT * ((z[f] + u - y) / tau)
        if (f + 1) % sample == 0:
            out.append(g * y ** 2)
    return np.array(out)[f0:]


@pytest.mark.parametrize("transient", [0, 350])
def test_fused_forward_model_against_numpy(network, forward_lib, transient):
    fm = forward_lib.LowPass(4, method="euler", tau=np.array([30.0, 40.0, 50.0, 60.0]))
    mon = bm.ForwardMonitor(fm, drive="x", every=5, tr=2.0)
    sim = bm.Simulator(network, dt=DT)
    res = sim.run(120.0, forward=mon, monitors=["x"], seed=3, progress=False,
                  transient=transient)
    full = sim.run(120.0, monitors=["x"], seed=3, progress=False)
    want = _reference(full["x"], 5, 4, np.array([30.0, 40.0, 50.0, 60.0]), 2.0, 0.5, 0.25,
                      f0=transient // 20)
    assert res["o"].shape == want.shape == (60 - transient // 20, 4)
    np.testing.assert_allclose(res["o"], want, rtol=1e-12)
    np.testing.assert_allclose(res.time_of("o"), np.arange(transient // 20 + 1, 61) * 2.0,
                               rtol=1e-14)
    # the network's own numbers do not change when a forward monitor runs with them
    np.testing.assert_array_equal(res["x"], full["x"][transient:])


def test_forward_monitor_chunked_equals_unchunked(network, forward_lib):
    fm = forward_lib.LowPass(4, method="heun")
    mon = bm.ForwardMonitor(fm, drive="x * x", every=3, tr=0.9)
    sim = bm.Simulator(network, dt=DT)
    one = sim.run(60.0, forward=mon, seed=1, progress=False, batch_size=2)
    chunked = sim.run(60.0, forward=mon, seed=1, progress=False, batch_size=2, chunk_steps=41)
    assert one["o"].shape == (66, 2, 4)
    np.testing.assert_array_equal(one["o"], chunked["o"])


def test_forward_monitor_refuses_bad_input(network, forward_lib):
    fm = forward_lib.LowPass(4)
    sim = bm.Simulator(network, dt=DT)
    with pytest.raises(ValueError, match="tr = 1.25 ms is not a multiple"):
        sim.run(10.0, forward=bm.ForwardMonitor(fm, every=5, tr=1.25), progress=False)
    with pytest.raises(ValueError, match="in_size"):
        sim.run(10.0, forward=bm.ForwardMonitor(forward_lib.LowPass(3)), progress=False)
    with pytest.raises(ValueError, match="not an input"):
        bm.ForwardMonitor(fm, target="w")
    with pytest.raises(ValueError, match="drive: give the expression"):   # no coupled var
        bm.Simulator(bm.HopfStep(4), dt=DT).run(10.0, forward=bm.ForwardMonitor(fm),
                                                progress=False)
    with pytest.raises(ValueError, match="monitors by name"):
        bm.Simulator(bm.HopfStep(4), dt=DT).run(
            10.0, forward=bm.ForwardMonitor(fm, drive="x"), monitors={"f": lambda m: 0.0},
            progress=False)


def test_fused_bold_equals_the_per_step_model_driven_by_the_recorded_signal(network):
    """The BOLD monitor in the kernel == BOLDSignal.update() fed the mean of the recorded
    neural signal over each BOLD step (the issue's equivalence), and rests at 0 without drive."""
    every = 10
    bold = bm.BOLDSignal(4, method="heun")
    mon = bm.ForwardMonitor(bold, drive="10 * x", every=every, tr=5.0)
    sim = bm.Simulator(network, dt=DT)
    res = sim.run(400.0, forward=mon, monitors=["x"], seed=5, progress=False)
    x = res["x"]
    z = (10 * x).reshape(-1, every, 4).mean(1)
    ref = bm.BOLDSignal(4, method="heun")
    ref.init_all_states()
    out = []
    with bm.environ.context(dt=every * DT):
        for k in range(z.shape[0]):
            ref.update(z=z[k])
            if (k + 1) % 5 == 0:
                out.append(ref.outputs()["bold"])
    np.testing.assert_allclose(res["bold"], np.array(out), rtol=1e-12, atol=1e-18)
    assert np.ptp(res["bold"]) > 0
    np.testing.assert_allclose(res.time_of("bold"), np.arange(1, 81) * 5.0, rtol=1e-14)
    assert res.units["bold"] == "1"


def test_a_saved_result_keeps_the_forward_monitors_clock(network, forward_lib, tmp_path):
    fm = forward_lib.LowPass(4)
    res = bm.Simulator(network, dt=DT).run(20.0, forward=bm.ForwardMonitor(fm, tr=2.0),
                                           progress=False)
    back = bm.Result.load(res.save(tmp_path / "run.npz"))
    np.testing.assert_array_equal(back["o"], res["o"])
    np.testing.assert_array_equal(back.time_of("o"), res.time_of("o"))
    np.testing.assert_array_equal(back.time_of("x"), res.ts)


def test_forward_outputs_may_not_hide_the_networks_series(network):
    mon = bm.ForwardMonitor(bm.HopfStep(4), tr=1.0)
    with pytest.raises(ValueError, match="HopfStep's outputs x, y would hide the network's"):
        bm.Simulator(network, dt=DT).run(10.0, forward=mon, progress=False)


def test_a_truncated_result_cuts_the_forward_series_at_the_same_time(network, forward_lib):
    res = bm.Simulator(network, dt=DT).run(
        20.0, forward=bm.ForwardMonitor(forward_lib.LowPass(4), tr=2.0), progress=False)
    cut = res.truncated(55)          # up to t = 5.5 ms: forward samples at 2 and 4 ms
    assert cut["x"].shape[0] == 55 and cut["o"].shape[0] == 2
    np.testing.assert_array_equal(cut.time_of("o"), [2.0, 4.0])
    np.testing.assert_array_equal(cut["o"], res["o"][:2])


def test_to_xarray_gives_a_forward_series_its_own_time_dimension(network, forward_lib):
    pytest.importorskip("xarray")
    res = bm.Simulator(network, dt=DT).run(
        20.0, forward=bm.ForwardMonitor(forward_lib.LowPass(4), tr=2.0), progress=False)
    ds = res.to_xarray()
    assert ds["o"].dims == ("time_o", "node") and ds["x"].dims == ("time", "node")
    np.testing.assert_array_equal(ds["time_o"].values, res.time_of("o"))


# ---- forward monitors on independent-node kernels (a plain Model, not a Network) --------

def _hopf(n=4):
    return bm.HopfStep(n, method="euler_maruyama", a=0.05, init_x=np.linspace(0.1, 0.4, n),
                       noise_x=bm.OUProcess(n, sigma=0.05, tau=2.0))


@pytest.mark.parametrize("parallel", [False, True])
def test_nodes_kernel_forward_monitor_equals_the_network_path(parallel):
    """Independent nodes with a fused BOLD monitor == the same nodes as a network without
    coupling (same noise, same forward code), bit for bit, batched and chunked."""
    net = bm.Network(_hopf(), conn=np.zeros((4, 4)), coupling="diffusive", k=0.0)
    mon = bm.ForwardMonitor(bm.BOLDSignal(4, method="heun"), drive="10 * x", every=10, tr=5.0)
    kw = dict(forward=mon, monitors=["x"], seed=5, progress=False, batch_size=2,
              transient=120.0)
    a = bm.Simulator(net, dt=DT).run(400.0, **kw)
    b = bm.Simulator(_hopf(), dt=DT).run(400.0, parallel=parallel, chunk_steps=333, **kw)
    assert b["bold"].shape == (56, 2, 4) and np.ptp(b["bold"]) > 0
    np.testing.assert_array_equal(b["x"], a["x"])
    np.testing.assert_array_equal(b["bold"], a["bold"])
    np.testing.assert_array_equal(b.time_of("bold"), a.time_of("bold"))


def test_nodes_kernel_forward_monitor_against_numpy(forward_lib):
    fm = forward_lib.LowPass(4, method="euler", tau=np.array([30.0, 40.0, 50.0, 60.0]))
    mon = bm.ForwardMonitor(fm, drive="x", every=5, tr=2.0)
    sim = bm.Simulator(_hopf(), dt=DT)
    res = sim.run(120.0, forward=mon, monitors=["x"], seed=3, progress=False)
    want = _reference(res["x"], 5, 4, np.array([30.0, 40.0, 50.0, 60.0]), 2.0, 0.5, 0.25)
    np.testing.assert_allclose(res["o"], want, rtol=1e-12)
    # the nodes' own numbers do not change when a forward monitor runs with them
    np.testing.assert_array_equal(res["x"], sim.run(120.0, monitors=["x"], seed=3,
                                                    progress=False)["x"])


BLOWUP = """
model Blowup:
    \"\"\"dx/dt = x**2 / tau: x(t) = x0 / (1 - x0 t / tau), infinite at t = tau / x0.\"\"\"
    parameter tau = 100 ms
    state x = 1.0
    d(x)/dt = x**2 / tau
"""


def test_nodes_kernel_forward_monitor_survives_the_re_run_after_a_failure(forward_lib,
                                                                          tmp_path):
    """The nodes kernel re-runs the steps since its last checkpoint to find the first
    non-finite step: the forward monitor restarts from the checkpoint too, so the partial
    result's forward samples are those of a run that stops before the failure."""
    (tmp_path / "blowup.nmm").write_text(BLOWUP)
    lib = bm.load(tmp_path / "blowup.nmm")
    node = lib.Blowup(3, tau=np.array([100.0, 150.0, 200.0]), method="euler")
    mon = bm.ForwardMonitor(forward_lib.LowPass(3), drive="x / (1 + x)", every=3, tr=0.9)
    with pytest.raises(bm.SimulationDiverged) as err:
        bm.Simulator(node, dt=DT).run(300.0, forward=mon, progress=False)
    partial = err.value.partial
    n = partial["o"].shape[0]
    assert n > 10 and np.isfinite(partial["o"]).all()
    ok = bm.Simulator(node, dt=DT).run(n * 0.9, forward=mon, progress=False)
    np.testing.assert_array_equal(partial["o"], ok["o"])


def test_a_plain_model_needs_a_drive():
    mon = bm.ForwardMonitor(bm.BOLDSignal(4), tr=5.0)
    with pytest.raises(ValueError, match="drive: give the expression of HopfStep's states"):
        bm.Simulator(_hopf(), dt=DT).run(10.0, forward=mon, progress=False)
