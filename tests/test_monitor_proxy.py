"""Callable monitors of the common forms (brainmass's `lambda m: m.node.rE.value`, a simple
expression of states and outputs) are recorded by the compiled kernel and equal the named
monitor (and the step-by-step loop) exactly; anything else keeps the step loop."""
import numpy as np
import pytest

import brainmass_dsl as bm
from brainmass_dsl.runtime.monitor_proxy import ModelProxy, trace_monitor


@pytest.fixture(scope="module")
def net():
    conn = bm.datasets.load_connectome("synthetic68")
    return bm.Network(bm.WilsonCowanStep(conn.n_regions), conn=conn.weights, k=0.1)


def _run(model, monitors, **kw):
    return bm.Simulator(model, dt=0.1).run(20.0, monitors=monitors, progress=False, **kw)


def test_the_brainmass_idiom_equals_the_named_monitor(net):
    named = _run(net, ["rE"])
    traced = _run(net, {"rE": lambda m: m.node.rE.value})
    np.testing.assert_array_equal(traced["rE"], named["rE"])
    np.testing.assert_array_equal(traced.ts, named.ts)
    assert traced.units["rE"] == named.units["rE"] and list(traced.data) == ["rE"]


def test_an_expression_equals_the_step_loop(net):
    mon = {"s": lambda m: 2.0 * m.node.rE.value - np.tanh(m.rI.value) / 3 + m.rE.value ** 2,
           "half": lambda m: abs(-m.rE.value)[..., :34]}
    fast = _run(net, mon, sample_every=7)
    slow = _run(net, mon, sample_every=7, jit=False)
    for key in mon:
        np.testing.assert_array_equal(fast[key], slow[key])
    np.testing.assert_array_equal(fast.ts, slow.ts)
    assert fast["half"].shape == (len(fast.ts), 34)


def test_outputs_parameters_and_batches(net):
    jr = bm.JansenRitStep(3)
    named = _run(jr, ["eeg", "M"], batch_size=2)
    traced = _run(jr, {"e": lambda m: m.eeg() * m.Ae.value(), "M": lambda m: m.M.value},
                  batch_size=2)
    np.testing.assert_array_equal(traced["e"], named["eeg"] * jr.get_param("Ae"))
    np.testing.assert_array_equal(traced["M"], named["M"])


def test_a_single_callable_monitor(net):
    np.testing.assert_array_equal(_run(net, lambda m: m.node.rE.value)["output"],
                                  _run(net, ["rE"])["rE"])


@pytest.mark.parametrize("fn", [lambda m: np.mean(m.x.value), lambda m: m.x.value.mean(),
                                lambda m: float(m.x.value[0]), lambda m: 1.0,
                                lambda m: m.x.value if m.x.value > 0 else 0.0,
                                lambda m: m.x.value[np.array([0, 1])]],
                         ids=["np.mean", ".mean()", "float", "constant", "condition",
                              "fancy index"])
def test_what_cannot_be_replayed_keeps_the_step_loop(fn):
    assert trace_monitor(fn, bm.HopfStep(2)) is None


def test_a_mixed_set_goes_step_by_step_with_the_same_numbers():
    hopf = bm.HopfStep(2, init_x=0.1)
    res = _run(hopf, {"x": lambda m: m.x.value, "mean": lambda m: np.mean(m.x.value)})
    np.testing.assert_allclose(res["mean"], res["x"].mean(axis=1), rtol=1e-15)
    np.testing.assert_array_equal(res["x"], _run(hopf, ["x"])["x"])


def test_the_proxy_refuses_what_it_does_not_know():
    hopf = bm.HopfStep(2)
    p = ModelProxy(hopf)
    assert trace_monitor(lambda m: m.nope.value, hopf) is None
    assert trace_monitor(lambda m: setattr(m, "a", 1) or m.x.value, hopf) is None
    assert p.n_nodes == 2
