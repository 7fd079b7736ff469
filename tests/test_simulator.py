"""Simulator semantics (brainmass's), chunking, noise statistics, divergence, results."""
import math

import numpy as np
import pytest

import brainmass_dsl as bm
from brainmass_dsl.runtime.results import Result


def sim(model, dt=0.1):
    return bm.Simulator(model, dt=dt)


def test_time_axis_and_lengths(test_models):
    m = test_models.LinearDecay(2)
    res = sim(m).run(10.0, progress=False)
    assert res["x"].shape == (100, 2)
    np.testing.assert_allclose(res.ts, (np.arange(100) + 1) * 0.1)
    # brainmass: 100 steps, sample_every 3 -> ceil(100 / 3) = 34 samples
    res = sim(m).run(10.0, sample_every=3, progress=False)
    assert res["x"].shape == (34, 2)
    np.testing.assert_allclose(res.ts, ((np.arange(100) + 1) * 0.1)[::3])
    res = sim(m).run(10.0, transient=2.0, sample_every=4, progress=False)
    np.testing.assert_allclose(res.ts, ((np.arange(100) + 1) * 0.1)[20::4])
    res_int = sim(m).run(10.0, transient=20, sample_every=4, progress=False)
    np.testing.assert_array_equal(res["x"], res_int["x"])


def test_dt_from_environ_and_errors(test_models):
    m = test_models.LinearDecay(1)
    with pytest.raises(ValueError, match="no time step"):
        bm.Simulator(m).run(1.0, progress=False)
    bm.environ.set(dt=0.1)
    assert bm.Simulator(m).run(1.0, progress=False)["x"].shape == (10, 1)
    with bm.environ.context(dt=0.05):
        assert bm.Simulator(m).run(1.0, progress=False)["x"].shape == (20, 1)
    with pytest.raises(ValueError, match="at least one step"):
        sim(m).run(0.0, progress=False)
    with pytest.warns(UserWarning, match="not a multiple"):
        assert sim(m).run(1.05, progress=False)["x"].shape == (10, 1)
    with pytest.raises(ValueError, match="transient"):
        sim(m).run(1.0, transient=10, progress=False)
    with pytest.raises(ValueError, match="sample_every"):
        sim(m).run(1.0, sample_every=0, progress=False)
    with pytest.raises(ValueError, match="not a state or output.*available: x"):
        sim(m).run(1.0, monitors=["nope"], progress=False)


def test_inputs_array_callable_and_dict_agree(test_models):
    m = test_models.LinearDecay(3, method="euler")
    n = 50
    drive = np.sin(np.arange(n) * 0.3)[:, None] * np.array([1.0, 2.0, 3.0])
    a = sim(m).run(5.0, inputs=drive, progress=False)["x"]
    b = sim(m).run(5.0, inputs=lambda i, t: (drive[i],), progress=False)["x"]
    c = sim(m).run(5.0, inputs=lambda i, t: {"x_inp": drive[i]}, progress=False)["x"]
    d = sim(m).run(5.0, inputs={"x_inp": drive}, progress=False)["x"]
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(a, d)
    # explicit Euler by hand
    x = np.full(3, 0.01)
    for i in range(n):
        x = x + 0.1 * (-10 * x + drive[i])
    np.testing.assert_allclose(a[-1], x, rtol=1e-12)
    with pytest.raises(ValueError, match="rows but the run has 50 steps"):
        sim(m).run(5.0, inputs=np.zeros((7, 3)), progress=False)


def test_callable_time_argument_is_step_start(test_models):
    seen = []
    m = test_models.LinearDecay(1)
    sim(m).run(0.5, inputs=lambda i, t: seen.append((i, t)) or 0.0, progress=False)
    assert seen == [(i, pytest.approx(i * 0.1)) for i in range(5)]


def test_chunked_equals_unchunked_bitwise(test_models):
    m = test_models.OU(7)
    a = sim(m).run(100.0, seed=3, progress=False)["x"]
    b = sim(m).run(100.0, seed=3, chunk_steps=37, progress=False)["x"]
    c = sim(m).run(100.0, seed=3, chunk_steps=1, progress=False)["x"]
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    d = sim(m).run(100.0, seed=4, progress=False)["x"]
    assert not np.array_equal(a, d)


def test_continuing_a_run_equals_one_long_run(test_models):
    m = test_models.OU(3)
    whole = sim(m).run(20.0, seed=1, progress=False)["x"]
    first = sim(m).run(10.0, seed=1, progress=False)["x"]
    second = sim(m).run(10.0, seed=1, init_states=False, progress=False)
    np.testing.assert_array_equal(np.concatenate([first, second["x"]]), whole)
    np.testing.assert_allclose(second.ts, (np.arange(100) + 101) * 0.1)


def test_ou_stationary_statistics(test_models):
    """OU with mu 0.5, sigma 1, tau 10 ms: mean, variance within 3%, correlation time."""
    m = test_models.OU(2000, method="exp_euler")
    res = sim(m, dt=0.1).run(1000.0, transient=100.0, sample_every=10, seed=11, progress=False)
    x = res["x"]
    assert x.mean() == pytest.approx(0.5, abs=0.03)
    assert x.var() == pytest.approx(1.0, rel=0.03)
    xc = x - x.mean()
    lag = 10  # samples of 1 ms -> 10 ms = tau
    ac = (xc[lag:] * xc[:-lag]).mean() / xc.var()
    assert ac == pytest.approx(math.exp(-1.0), rel=0.03)


def test_batch_shapes_and_parameter_sweep(test_models):
    m = test_models.LinearDecay(4, gamma=np.array([-1.0, -2.0, -3.0]))
    res = sim(m).run(1.0, batch_size=3, progress=False)
    assert res["x"].shape == (10, 3, 4)
    for b, g in enumerate([-1.0, -2.0, -3.0]):
        single = sim(test_models.LinearDecay(4, gamma=g)).run(1.0, progress=False)["x"]
        np.testing.assert_array_equal(res["x"][:, b], single)


def test_divergence_reports_variable_node_time_and_keeps_partial(test_models):
    m = test_models.BlowUp(3, method="euler", init_x=np.array([0.1, 1.0, 0.2]))
    with pytest.raises(bm.SimulationDiverged) as info:
        sim(m, dt=0.01).run(5.0, progress=False, chunk_steps=50)
    err = info.value
    assert err.variable == "x" and err.node == 1 and err.batch == 0
    assert 1.0 < err.time_ms < 2.0
    assert "state 'x' became non-finite" in str(err) and "node 1" in str(err)
    part = err.partial
    assert part is not None and len(part.ts) == err.step
    assert np.isfinite(part["x"]).all() and part["x"].shape[1] == 3
    assert part.ts[-1] < err.time_ms


def test_state_bounds_are_enforced(test_models):
    m = test_models.Units(1, method="euler")
    res = sim(m).run(5.0, inputs={"I": 1000.0}, progress=False)  # mV/ms: drives v up fast
    assert res["v"].max() == pytest.approx(50.0)
    assert res.units["v"] == "mV"


def test_result_save_load_and_xarray(tmp_path, test_models):
    res = sim(test_models.Oscillator(2)).run(2.0, progress=False)
    p = res.save(tmp_path / "run.npz")
    back = Result.load(p)
    np.testing.assert_array_equal(back["x"], res["x"])
    np.testing.assert_array_equal(back.ts, res.ts)
    assert back.units == res.units
    ds = res.to_xarray()
    assert ds["x"].dims == ("time", "node") and ds["x"].attrs["units"] == "1"
    res.save(tmp_path / "run.nc")
    import xarray as xr

    np.testing.assert_array_equal(xr.open_dataset(tmp_path / "run.nc", engine="h5netcdf")["energy"],
                                  res["energy"])


def test_python_monitors_use_the_step_loop(test_models):
    m = test_models.Oscillator(2, method="rk4")
    fast = sim(m).run(3.0, monitors=["x"], progress=False)
    slow = sim(m).run(3.0, monitors={"x": "x", "twice": lambda mod: 2 * mod.x.value},
                      progress=False)
    np.testing.assert_allclose(slow["x"], fast["x"], rtol=1e-14)
    np.testing.assert_allclose(slow["twice"], 2 * fast["x"], rtol=1e-14)


def test_where_with_equality_of_constants_and_parameters(tmp_path):
    """`==` / `!=` between constants fold to True/False; between parameters they stay per node."""
    src = tmp_path / "eq.nmm"
    src.write_text(
        "model EqTest:\n"
        "    parameter a = 2.0\n"
        "    parameter b = 2.0\n"
        "    state x = 0.0\n"
        "    d(x)/dt = 1 /ms * (where(a == b, 1.0, -1.0) + where(2 == 2, 1.0, 0.0)"
        " + where(1 != 1, 5.0, 0.0) + where(a != b, 10.0, 0.0))\n"
        "    output x = x\n")
    lib = bm.load(src)
    model = lib.EqTest(2, method="euler", b=np.array([2.0, 3.0]))
    x = bm.Simulator(model, dt=0.1).run(1.0, progress=False)["x"]
    np.testing.assert_allclose(x[-1], [2.0, 10.0], rtol=1e-12)


def test_chained_lets_in_outputs_and_the_exponential_euler_jacobian(tmp_path):
    """Sixteen lets that each reuse the one before, read by the drift and by the outputs: the
    generated code stays linear in size (outputs recompute the lets they read; the Jacobian
    of exponential Euler goes through the lets by the chain rule; a fully inlined form would
    double with every let), and the outputs have the right values."""
    lets = ["    let a0 = x + 1"] + [f"    let a{i} = 0.5 + a{i - 1}**2 / (1 + a{i - 1}**2)"
                                     for i in range(1, 16)]
    src = tmp_path / "chain.nmm"
    src.write_text("model Chain:\n    state x = 0.5\n"
                   "    d(x)/dt = -x / (10 ms) + (a15 - 1) / (100 ms)\n"
                   + "\n".join(lets) + "\n    output last = a15\n    output both = a15 + a14\n")
    model = bm.load(src).Chain(2)                      # exponential Euler (the default)
    assert len(model.kernel.source()) < 40_000
    res = bm.Simulator(model, dt=0.1).run(5.0, monitors=["x", "last", "both"], progress=False)

    def chain(x):
        a = [x + 1]
        for _ in range(15):
            a.append(0.5 + a[-1] ** 2 / (1 + a[-1] ** 2))
        return a

    a = chain(res["x"][-1])
    assert 0.5 < a[15][0] < 1.5
    np.testing.assert_allclose(res["last"][-1], a[15], rtol=1e-12)
    np.testing.assert_allclose(res["both"][-1], a[15] + a[14], rtol=1e-12)
    np.testing.assert_allclose(model.outputs()["last"], a[15], rtol=1e-12)
    rk4 = bm.load(src).Chain(2, method="rk4")
    ref = bm.Simulator(rk4, dt=0.01).run(5.0, monitors=["x"], progress=False)["x"][-1]
    np.testing.assert_allclose(res["x"][-1], ref, rtol=1e-3)


def test_infinite_durations_and_bad_input_callables_are_clear_errors(test_models):
    m = test_models.LinearDecay(2)
    for bad in (math.inf, -math.inf):
        with pytest.raises(ValueError, match="duration must be a finite time"):
            sim(m).run(bad, progress=False)
    with pytest.raises(ValueError, match="duration"):
        sim(m).run(math.nan, progress=False)
    with pytest.raises(ValueError, match="dt must be a positive finite time"):
        bm.Simulator(m, dt=math.inf)

    def explode(i, t):
        if i == 7:
            raise ZeroDivisionError("no drive here")
        return (0.0,)

    with pytest.raises(ValueError, match=r"inputs: .*raised ZeroDivisionError: no drive here "
                                         r"at step 7 \(t = 0.7 ms\)") as e:
        sim(m).run(2.0, inputs=explode, progress=False)
    assert isinstance(e.value.__cause__, ZeroDivisionError)
    with pytest.raises(TypeError, match=r"inputs: a callable must take \(i, t\).*\(i\)"):
        sim(m).run(1.0, inputs=lambda i: 0.0, progress=False)
    two = test_models.Units(2)              # one input, I
    with pytest.raises(ValueError, match=r"returned 2 values at step 0.*has 1 input \(I\)"):
        sim(two).run(1.0, inputs=lambda i, t: (1.0, 2.0), progress=False)
    with pytest.raises(ValueError, match=r"returned 0 values at step 0.*has 1 input"):
        sim(two).run(1.0, inputs=lambda i, t: (), progress=False)
    # the stepwise loop (Python monitors) checks the same
    with pytest.raises(ValueError, match="at step 7"):
        sim(m).run(2.0, inputs=explode, monitors={"x": lambda mod: mod.x.value},
                   progress=False)
