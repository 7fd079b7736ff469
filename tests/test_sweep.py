"""Parameter sweeps (issue 5, item 3): grid semantics, one kernel call per batch, results
equal to single runs and to one batched run, independent of batch_size and executor
(serial, threads, a Dask LocalCluster of worker processes), reduce=, and ModelSpec (the
picklable recipe that rebuilds a model in another process)."""
import pickle
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import brainmass_dsl as bm
from brainmass_dsl.analysis import functional_connectivity
from brainmass_dsl.runtime.sweep import ModelSpec, SweepResult, grid_points, sweep

MODELS = Path(__file__).resolve().parent / "models"
N = 5


def make_net(noise=0.05, seed=0, method="euler_maruyama", **kw):
    """A small Hopf network with delays (long and short edges) and network noise."""
    rng = np.random.default_rng(seed)
    W = rng.uniform(0.1, 1.0, (N, N)) * (rng.random((N, N)) < 0.7)
    D = rng.uniform(0.0, 2.5, (N, N))
    node = bm.HopfStep(N, method=method, init_x=0.3 * rng.standard_normal(N),
                       init_y=0.3 * rng.standard_normal(N))
    return bm.Network(node, conn=W, delay=D, coupling="diffusive", coupled_var="x", k=0.3,
                      noise=noise, **kw)


def run(model, duration, **kw):
    kw.setdefault("progress", False)
    return bm.Simulator(model, dt=0.1).run(duration, **kw)


GRID = {"coupling.k": [0.0, 0.2, 0.5], "a": [-0.05, 0.1], "noise.sigma": [0.02, 0.08]}


# ------------------------------------------------------------------ grid semantics
def test_grid_product_order_shapes_and_points():
    net = make_net()
    res = sweep(net, GRID, 5.0, dt=0.1, monitors=["x"])
    assert isinstance(res, SweepResult)
    assert res.names == ("coupling.k", "a", "noise.sigma")
    assert res.shape == (3, 2, 2) and res.n_points == 12
    # the last name varies fastest (itertools.product / meshgrid indexing="ij")
    assert res.points[0] == {"coupling.k": 0.0, "a": -0.05, "noise.sigma": 0.02}
    assert res.points[1] == {"coupling.k": 0.0, "a": -0.05, "noise.sigma": 0.08}
    assert res.points[2] == {"coupling.k": 0.0, "a": 0.1, "noise.sigma": 0.02}
    assert res.points[11] == {"coupling.k": 0.5, "a": 0.1, "noise.sigma": 0.08}
    K, A, S = np.meshgrid(*GRID.values(), indexing="ij")
    np.testing.assert_array_equal(res.params["coupling.k"], K.ravel())
    np.testing.assert_array_equal(res.params["a"], A.ravel())
    np.testing.assert_array_equal(res.params["noise.sigma"], S.ravel())
    assert res["x"].shape == (12, 50, N)
    assert res.grid("x").shape == (3, 2, 2, 50, N)
    np.testing.assert_array_equal(res.grid("x")[2, 1, 0], res["x"][2 * 4 + 1 * 2 + 0])
    np.testing.assert_allclose(res.ts, (np.arange(50) + 1) * 0.1)
    assert res.units["x"] == "1" and set(res) == {"x", "ts"}
    assert res.point(3)["params"] == res.points[3]
    assert "coupling.k[3] x a[2] x noise.sigma[2]" in repr(res)
    # the live model is not touched by a sweep
    assert net.get_param("coupling.k") == pytest.approx(0.3) and net._state is None


def test_grid_zip_per_node_values_units_and_names():
    from brainmass_dsl.frontend.units import registry

    u = registry()
    net = make_net(noise=None)
    w_rows = [np.linspace(0.1, 0.3, N), np.full(N, 0.2), np.linspace(0.3, 0.1, N)]
    names, per_point, shape = grid_points(
        net, {"k": [0.1, 0.2, 0.3], "w": w_rows, "a": np.array([100.0, 0, -50]) * u.Hz},
        zip=True)
    assert names == ["coupling.k", "w", "a"] and shape == (3,)   # "k" = the unique coupling.k
    np.testing.assert_allclose([float(v) for v in per_point["a"]], [0.1, 0.0, -0.05])  # 1/ms
    res = sweep(net, {"k": [0.1, 0.2, 0.3], "w": w_rows}, 5.0, dt=0.1, zip=True)
    assert res.shape == (3,) and res.params["w"].shape == (3, N)
    np.testing.assert_array_equal(res.params["w"][0], w_rows[0])
    assert res.points[2]["coupling.k"] == 0.3
    np.testing.assert_array_equal(res.points[2]["w"], w_rows[2])
    # a single value is a one-point axis
    assert sweep(net, {"a": 0.1}, 1.0, dt=0.1).shape == (1,)


@pytest.mark.parametrize("grid,kw,exc,match", [
    ({"nope": [1.0]}, {}, TypeError, r"grid parameter 'nope' is not a parameter of"),
    ({"coupling.kk": [1.0]}, {}, TypeError, r"no coupling parameter 'coupling.kk'|'coupling.kk'"),
    ({"k": [1.0], "coupling.k": [2.0]}, {}, ValueError, r"same parameter 'coupling.k'"),
    ({"a": [1.0, 2.0], "w": [1.0]}, {"zip": True}, ValueError, r"equal lengths"),
    ({"a": []}, {}, ValueError, r"grid\['a'\] has no values"),
    ({}, {}, ValueError, r"non-empty mapping"),
    ({"a": "0.1"}, {}, TypeError, r"grid\['a'\] must be a list"),
    ({"a": [np.ones(N + 1)]}, {}, ValueError, r"per-node array of shape \(5,\)"),
    ({"a": [np.nan]}, {}, ValueError, r"grid\['a'\].*NaN"),
    ({"a": [0.1]}, {"batch_size": 0}, ValueError, r"batch_size must be a positive int"),
    ({"a": [0.1]}, {"init_states": False}, TypeError, r"does not take init_states="),
    ({"a": [0.1]}, {"executor": object()}, TypeError, r"concurrent.futures.Executor"),
    ({"a": [0.1]}, {"reduce": 3}, TypeError, r"reduce must be callable"),
])
def test_grid_errors(grid, kw, exc, match):
    with pytest.raises(exc, match=match):
        sweep(make_net(noise=None), grid, 1.0, dt=0.1, **kw)


def test_dt_from_environ():
    net = make_net(noise=None)
    with pytest.raises(ValueError, match="no time step"):
        sweep(net, {"a": [0.1]}, 1.0)
    with bm.environ.context(dt=0.05):
        assert sweep(net, {"a": [0.1]}, 1.0)["x"].shape == (1, 20, N)


# ------------------------------------------------------------------ equivalences
def test_points_equal_single_runs_bitwise():
    """Deterministic network: every point equals a single unbatched run with its values
    (node, per-node and coupling parameters)."""
    grid = {"a": [-0.1, 0.2], "coupling.k": [0.1, 0.6], "w": [np.linspace(0.1, 0.4, N)]}
    res = sweep(make_net(noise=None, method="heun"), grid, 20.0, dt=0.1, batch_size=3,
                monitors=["x", "y"])
    assert res.meta["n_batches"] == 2
    for p, point in enumerate(res.points):
        net = make_net(noise=None, method="heun")
        net.set_params(**point)
        one = run(net, 20.0, monitors=["x", "y"])
        np.testing.assert_array_equal(res["x"][p], one["x"])
        np.testing.assert_array_equal(res["y"][p], one["y"])


@pytest.mark.parametrize("from_factory", [False, True])
def test_model_values_stay_per_node_when_the_batch_is_as_long_as_the_nodes(from_factory):
    """Issue 20: the values a sweep does not set (per-node initial states and parameters
    of length N) are per node even in a batch of N points, where a batched run would refuse
    them as ambiguous: the batch axis of a sweep is the grid's."""
    w = np.linspace(0.1, 0.4, N)
    grid = {"coupling.k": np.linspace(0.0, 0.8, N)}
    model = ModelSpec.from_factory(make_net, noise=None, method="heun") if from_factory \
        else make_net(noise=None, method="heun")
    if not from_factory:
        model.set_params(w=w)
    res = sweep(model, grid, 10.0, dt=0.1, batch_size=N, monitors=["x"])
    for p, point in enumerate(res.points):
        net = make_net(noise=None, method="heun")
        if not from_factory:
            net.set_params(w=w)
        net.set_params(**point)
        np.testing.assert_array_equal(res["x"][p], run(net, 10.0, monitors=["x"])["x"])
    with pytest.raises(TypeError, match=r"grid\['coupling.k'\].*not per_batch"):
        sweep(model, {"coupling.k": bm.per_batch([0.1, 0.2])}, 1.0, dt=0.1)


def test_noisy_sweep_independent_of_batch_size_and_equal_to_one_batched_run():
    """Point p draws the noise of batch index p: any batch_size gives the same numbers, and
    the sweep equals one batched run of all points; point 0 equals the unbatched run."""
    net = make_net()
    ref = sweep(net, GRID, 15.0, dt=0.1, seed=3, monitors=["x"], sample_every=2)
    for bs in (1, 5, 7):
        got = sweep(net, GRID, 15.0, dt=0.1, seed=3, monitors=["x"], sample_every=2,
                    batch_size=bs)
        np.testing.assert_array_equal(got["x"], ref["x"])
    batched = make_net()
    batched.set_params(**ref.params)
    one_call = run(batched, 15.0, seed=3, monitors=["x"], sample_every=2, batch_size=12)
    np.testing.assert_array_equal(np.moveaxis(one_call["x"], 1, 0), ref["x"])
    single = make_net()
    single.set_params(**ref.points[0])
    np.testing.assert_array_equal(run(single, 15.0, seed=3, sample_every=2)["x"], ref["x"][0])
    assert not np.array_equal(ref["x"][0], ref["x"][1])


def test_plain_node_model_sweep():
    """A node model without a network (OU noise): the same batch-index semantics."""
    lib = bm.load(MODELS / "test_models.nmm")
    m = lib.OU(3)
    res = sweep(m, {"tau": [5.0, 10.0, 20.0], "mu": [0.0, 1.0]}, 10.0, dt=0.1, seed=2,
                batch_size=4)
    assert res["x"].shape == (6, 100, 3)
    m2 = lib.OU(3, tau=res.params["tau"], mu=res.params["mu"])
    one_call = run(m2, 10.0, seed=2, batch_size=6)
    np.testing.assert_array_equal(np.moveaxis(one_call["x"], 1, 0), res["x"])


def test_thread_pool_equals_serial_bitwise():
    net = make_net()
    ref = sweep(net, GRID, 10.0, dt=0.1, seed=1, monitors=["x"])
    with ThreadPoolExecutor(max_workers=3) as ex:
        got = sweep(net, GRID, 10.0, dt=0.1, seed=1, monitors=["x"], executor=ex,
                    batch_size=2)
        got_default = sweep(net, GRID, 10.0, dt=0.1, seed=1, monitors=["x"], executor=ex)
    assert got.meta["n_batches"] == 6 and got_default.meta["n_batches"] == 3
    np.testing.assert_array_equal(got["x"], ref["x"])
    np.testing.assert_array_equal(got_default["x"], ref["x"])
    # the threaded kernel inside one batch gives the same numbers as the serial one
    par = sweep(net, GRID, 10.0, dt=0.1, seed=1, monitors=["x"], parallel=True, batch_size=6)
    ser = sweep(net, GRID, 10.0, dt=0.1, seed=1, monitors=["x"], parallel=False, batch_size=6)
    np.testing.assert_array_equal(par["x"], ref["x"])
    np.testing.assert_array_equal(ser["x"], ref["x"])


# ------------------------------------------------------------------ reduce
def fc_reduce(res):
    """One FC matrix per grid point from a batch result (time, B, N)."""
    x = res["x"]
    return np.stack([functional_connectivity(x[:, b]) for b in range(x.shape[1])])


def stats_reduce(res):
    return {"mean": res["x"].mean(axis=0), "std": res["x"].std(axis=0)}


def test_reduce_keeps_only_per_point_values():
    net = make_net()
    full = sweep(net, GRID, 20.0, dt=0.1, seed=5, monitors=["x"])
    fc = sweep(net, GRID, 20.0, dt=0.1, seed=5, monitors=["x"], reduce=fc_reduce,
               batch_size=5)
    assert set(fc.data) == {"reduced"} and fc["reduced"].shape == (12, N, N)
    for p in range(12):
        np.testing.assert_array_equal(fc["reduced"][p], functional_connectivity(full["x"][p]))
    st = sweep(net, GRID, 20.0, dt=0.1, seed=5, monitors=["x"], reduce=stats_reduce,
               batch_size=4)
    assert st["mean"].shape == (12, N) and st.grid("std").shape == (3, 2, 2, N)
    np.testing.assert_array_equal(st["mean"], full["x"].mean(axis=1))
    with pytest.raises(ValueError, match="one value per grid point"):
        sweep(net, GRID, 1.0, dt=0.1, reduce=lambda r: 0.0)


# ------------------------------------------------------------------ divergence
DIVERGING = {"beta": [1.0, 1.0, -5.0, 1.0]}  # beta < 0: finite-time blow-up at point 2


def test_diverging_point_is_named():
    from brainmass_dsl.runtime.sweep import SweepDiverged

    for kw in ({}, {"batch_size": 3}):
        with pytest.raises(bm.SimulationDiverged, match=r"grid point 2 \{'beta': -5.0\}") as e:
            sweep(make_net(noise=None), DIVERGING, 100.0, dt=0.1, **kw)
        assert isinstance(e.value, SweepDiverged)
        assert e.value.point_index == 2 and e.value.point == {"beta": -5.0}
        assert e.value.variable in ("x", "y") and e.value.partial is not None
    with ThreadPoolExecutor(2) as ex:
        with pytest.raises(SweepDiverged, match="grid point 2"):
            sweep(make_net(noise=None), DIVERGING, 100.0, dt=0.1, executor=ex, batch_size=1)
    err = pickle.loads(pickle.dumps(e.value))  # crosses process boundaries
    assert isinstance(err, SweepDiverged) and err.point_index == 2 and str(err) == str(e.value)


def test_simulation_diverged_pickles():
    """SimulationDiverged pickles (a divergence inside a process-pool or Dask worker comes
    back as itself). Plain pickle.dumps/loads can hide a missing reduction: importing dask
    installs tblib's copyreg reducers, so the class's own reduction is used here."""
    from brainmass_dsl.runtime.errors import SimulationDiverged

    e = SimulationDiverged("m", variable="x", node=0, batch=0, time_ms=1.0, step=9)
    rebuild, args, *state = e.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    back = rebuild(*args)
    if state and state[0]:
        back.__dict__.update(state[0])
    assert back.variable == "x" and back.step == 9 and str(back) == "m"


# ------------------------------------------------------------------ ModelSpec
def _same_run(a, b, duration=10.0, **kw):
    ra = run(a, duration, seed=2, **kw)
    rb = run(b, duration, seed=2, **kw)
    assert ra.data.keys() == rb.data.keys()
    for k in ra.data:
        np.testing.assert_array_equal(ra[k], rb[k])


def test_model_spec_pickles_and_rebuilds_equal_models():
    lib = bm.load(MODELS / "network_models.nmm")
    rng = np.random.default_rng(1)
    W = rng.uniform(0, 1, (4, 4))
    models = [
        make_net(),                                                           # white noise
        bm.Network(bm.HopfStep(4, method="euler_maruyama", init_x=0.2), conn=W, k=0.2,
                   noise=bm.OUProcess(1, sigma=0.1, tau=5.0)),                # OU process
        bm.Network(bm.HopfStep(4, method="euler_maruyama",
                               noise_y=bm.OUProcess(1, sigma=0.05)), conn=W, k=0.2),
        bm.Network(lib.TwoState(4, a=np.linspace(0.2, 0.6, 4), method="heun"), conn=W,
                   coupling="additive", coupled_var="x", k=0.3,
                   couplings=[bm.Coupling("tanh", conn=W.T, coupled_var="y",
                                          target="y_inp", name="local",
                                          params={"k": 0.4})]),
        bm.HopfStep(3, a=0.1, init_x=lambda shape: np.full(shape, 0.5)),     # plain model
    ]
    for m in models:
        spec = pickle.loads(pickle.dumps(ModelSpec.from_model(m)))
        rebuilt = spec.build()
        assert type(rebuilt).__name__ == type(m).__name__
        assert rebuilt is not m and rebuilt.kernel.key == m.kernel.key
        _same_run(m, rebuilt, batch_size=2)
    # a factory spec
    spec = pickle.loads(pickle.dumps(ModelSpec.from_factory(make_net, noise=0.05)))
    _same_run(spec.build(), make_net(noise=0.05))
    assert sweep(spec, {"a": [0.1]}, 1.0, dt=0.1)["x"].shape == (1, 10, N)
    with pytest.raises(TypeError, match="brainmass_dsl model, Network or ModelSpec"):
        ModelSpec.from_model("HopfStep")
    with pytest.raises(TypeError, match="not a brainmass_dsl model"):
        ModelSpec.from_factory(dict).build()


# ------------------------------------------------------------------ Dask
@pytest.fixture(scope="module")
def dask_client(dask_cluster):
    import cloudpickle

    # the reducers of this test module travel by value (workers cannot import it)
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        yield dask_cluster
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_dask_local_cluster_equals_serial_bitwise(dask_client):
    net = make_net()
    ex = dask_client.get_executor()
    ref = sweep(net, GRID, 10.0, dt=0.1, seed=4, monitors=["x", "y"])
    got = sweep(net, GRID, 10.0, dt=0.1, seed=4, monitors=["x", "y"], executor=ex,
                batch_size=3)
    assert got.meta["n_batches"] == 4
    np.testing.assert_array_equal(got["x"], ref["x"])
    np.testing.assert_array_equal(got["y"], ref["y"])
    np.testing.assert_array_equal(got.ts, ref.ts)
    # the batches really ran in the worker processes
    import os

    pids = set(dask_client.run(os.getpid).values())
    assert os.getpid() not in pids and len(pids) == 2
    red = sweep(net, GRID, 10.0, dt=0.1, seed=4, monitors=["x"], executor=ex,
                reduce=fc_reduce)
    ref_red = sweep(net, GRID, 10.0, dt=0.1, seed=4, monitors=["x"], reduce=fc_reduce)
    np.testing.assert_array_equal(red["reduced"], ref_red["reduced"])
    # a diverging point in a worker process comes back named
    from brainmass_dsl.runtime.sweep import SweepDiverged

    with pytest.raises(SweepDiverged, match="grid point 2"):
        sweep(make_net(noise=None), DIVERGING, 100.0, dt=0.1, executor=ex, batch_size=2)


# ------------------------------------------------------------------ faults: points kept, points lost


def interrupt_at_batch(n):
    """A reduce that is interrupted (Ctrl-C) in the n-th batch it sees (fault injection)."""
    seen = []

    def reduce(res):
        seen.append(1)
        if len(seen) == n + 1:
            raise KeyboardInterrupt
        return {"last": res["x"][-1]}
    return reduce


def test_an_interrupted_sweep_keeps_the_finished_batches():
    from brainmass_dsl.runtime.sweep import SweepInterrupted

    net = make_net()
    ref = sweep(net, GRID, 5.0, dt=0.1, seed=1, monitors=["x"],
                reduce=lambda r: {"last": r["x"][-1]})
    with pytest.raises(KeyboardInterrupt, match=r"grid points 4-11 \(8 of 12\) are lost") as e:
        sweep(net, GRID, 5.0, dt=0.1, seed=1, monitors=["x"], batch_size=2,
              reduce=interrupt_at_batch(2))
    err = e.value
    assert isinstance(err, SweepInterrupted) and err.lost == list(range(4, 12))
    assert err.finished.n_points == 4 and err.finished.meta["point_index"] == [0, 1, 2, 3]
    np.testing.assert_array_equal(err.finished["last"], ref["last"][:4])
    assert err.finished.points == ref.points[:4]
    back = pickle.loads(pickle.dumps(err))
    assert back.lost == err.lost and back.finished.n_points == 4


def test_a_failed_batch_under_an_executor_names_the_lost_points_and_keeps_the_rest():
    from brainmass_dsl.runtime.sweep import SweepFailed

    net = make_net()
    ref = sweep(net, GRID, 5.0, dt=0.1, seed=1, monitors=["x"],
                reduce=lambda r: {"last": r["x"][-1]})

    def failing(res):  # the batch starting at point 6 stands for a KilledWorker
        if np.array_equal(res["x"][0], ref_first[6:9]):
            raise ConnectionError("worker lost (KilledWorker)")
        return {"last": res["x"][-1]}

    ref_first = sweep(net, GRID, 5.0, dt=0.1, seed=1, monitors=["x"],
                      reduce=lambda r: {"first": r["x"][0]})["first"]
    with ThreadPoolExecutor(2) as ex:
        with pytest.raises(SweepFailed,
                           match=r"ConnectionError.*grid points 6-8 \(3 of 12\)") as e:
            sweep(net, GRID, 5.0, dt=0.1, seed=1, monitors=["x"], batch_size=3, executor=ex,
                  reduce=failing)
    err = e.value
    assert err.lost == [6, 7, 8] and isinstance(err.__cause__, ConnectionError)
    keep = [0, 1, 2, 3, 4, 5, 9, 10, 11]
    assert err.finished.meta["point_index"] == keep
    np.testing.assert_array_equal(err.finished["last"], ref["last"][keep])
