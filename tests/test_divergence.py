"""A diverging run stops at the exact step, variable, node and batch element, whatever the
checkpoints of the independent-nodes kernel (it tests states at recorded steps and at least
every CHECK_EVERY steps, and re-runs from the last checkpoint to find the first failure)."""
import numpy as np
import pytest

import brainmass_dsl as bm

MODELS = """
model NoisyBlowUp:
    \"\"\"dx/dt = x**2 / ms + sigma xi: finite-time blow-up, at a time set by the noise.\"\"\"
    category: phenomenological
    parameter sigma = 0.3
    state x = 0.5
    state y = 0.0
    d(x)/dt = x**2 / 1 ms + sigma * xi / sqrt(1 ms)
    d(y)/dt = -y / 1 ms
    output x

model DelayedBlowUp:
    \"\"\"dx/dt = x(t - lag)**2 / ms: blows up like x**2, through a ring buffer.\"\"\"
    category: phenomenological
    parameter lag = 0.5 ms
    state x = 0.5
    d(x)/dt = delay(x, lag)**2 / 1 ms
    output x

model BoundedSqrt:
    \"\"\"A bounded state whose drift turns NaN when I < 0: the bounds must not hide it.\"\"\"
    category: phenomenological
    input I = 1.0
    state x = 0.5 in [0, 1]
    d(x)/dt = (sqrt(I) - 1) / 1 ms
    output x
    output upper = max(0, sqrt(I))
    output lower = min(sqrt(I), 1)
"""


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    path = tmp_path_factory.mktemp("divergence") / "divergence.nmm"
    path.write_text(MODELS)
    return bm.load(path)


def failure(model, duration, dt, **run):
    """(error, x after the failure) of a run expected to diverge."""
    model.init_all_states()
    with pytest.raises(bm.SimulationDiverged) as info:
        bm.Simulator(model, dt=dt).run(duration, progress=False, **run)
    return info.value, np.array(model.x.value)


def same_failure(a, b):
    assert (a.step, a.variable, a.node, a.batch) == (b.step, b.variable, b.node, b.batch)
    assert a.time_ms == b.time_ms


@pytest.mark.parametrize("name, dt", [("NoisyBlowUp", 0.001), ("DelayedBlowUp", 0.01)])
def test_failure_is_exact_whatever_the_checkpoints(lib, name, dt):
    """sample_every=1 tests every step (a checkpoint per record); sample_every=997 leaves
    the kernel its own checkpoints every CHECK_EVERY steps; odd chunks add more."""
    kw = dict(init_x=np.array([0.2, 0.9, 0.5])) if name == "DelayedBlowUp" else {}
    model = getattr(lib, name)(3, **kw)
    per_step, s1 = failure(model, 10.0, dt, sample_every=1, batch_size=2, seed=3)
    sparse, s2 = failure(model, 10.0, dt, sample_every=997, batch_size=2, seed=3)
    chunked, s3 = failure(model, 10.0, dt, sample_every=997, batch_size=2, seed=3,
                          chunk_steps=37)
    same_failure(per_step, sparse)
    same_failure(per_step, chunked)
    assert per_step.variable == "x" and per_step.step > 64
    # the failing element keeps its last finite state, the same in all three runs (the
    # others run on to the end of the chunk they were in)
    at = (per_step.batch, per_step.node)
    assert np.isfinite(s1[at]) and s1[at] == s2[at] == s3[at]
    np.testing.assert_array_equal(s1, s2)   # same chunks
    # the partial results agree where both recorded
    p1, p2 = per_step.partial, sparse.partial
    np.testing.assert_array_equal(p1["x"][::997], p2["x"])


def test_failure_state_is_the_last_finite_one(lib):
    """The state left behind equals the state of a run stopped one step before the
    failure (the re-run from the checkpoint does not advance it further)."""
    model = lib.NoisyBlowUp(2)
    err, _ = failure(model, 10.0, 0.001, sample_every=500, seed=5)
    at_failure = model.x.value.copy()
    model.init_all_states()
    res = bm.Simulator(model, dt=0.001).run((err.step) * 0.001, progress=False,
                                            sample_every=1, seed=5)
    np.testing.assert_array_equal(res["x"][-1][err.node], at_failure[err.node])


def test_bounds_do_not_hide_a_nan(lib):
    """sqrt(I) of a negative input is NaN; the state's bounds [0, 1] propagate it (as
    numpy.maximum does) instead of clipping it to 0, so the run stops and names it."""
    model = lib.BoundedSqrt(2)
    model.init_all_states()

    def inputs(i, t):
        return {"I": np.array([1.0, -1.0]) if t > 0.5 else np.array([1.0, 1.0])}

    with pytest.raises(bm.SimulationDiverged) as info:
        bm.Simulator(model, dt=0.01).run(2.0, inputs=inputs, progress=False, sample_every=100)
    err = info.value
    assert err.variable == "x" and err.node == 1 and 0.5 < err.time_ms <= 0.53


def test_min_and_max_propagate_nan(lib):
    """max/min in equations are NaN-propagating in either argument (numpy.maximum/minimum,
    as the NumPy reference path computes them), not Python's max(0, nan) == 0."""
    model = lib.BoundedSqrt(1)
    model.init_all_states()
    out = model.outputs(I=-1.0)
    assert np.isnan(out["upper"]).all() and np.isnan(out["lower"]).all()
    out = model.outputs(I=4.0)
    assert out["upper"][0] == 2.0 and out["lower"][0] == 1.0
