"""Callable inputs are converted once per chunk (units, layout) with the same numbers as
the per-step conversion; a callable marked `bm.vectorized_input` is called once per chunk
with arrays; an unmarked one is called exactly once per step, in order."""
import math

import numpy as np
import pytest

import brainmass_dsl as bm
from brainmass_dsl.frontend.units import registry

u = registry()
N_STEPS = 300


@pytest.fixture(scope="module")
def jr():
    return bm.JansenRitStep(2)


def _run(m, inputs, **kw):
    return bm.Simulator(m, dt=0.1).run(N_STEPS * 0.1, inputs=inputs, progress=False,
                                       sample_every=1, **kw)["eeg"]


def _drive(t):
    return 220.0 + 50.0 * math.sin(0.06 * t)


@pytest.fixture(scope="module")
def reference(jr):
    """The same drive as a per-step array input (its own, independent path)."""
    t = np.arange(N_STEPS) * 0.1
    return _run(jr, {"E_inp": np.array([_drive(x) for x in t])[:, None]})


FORMS = {
    "floats": lambda i, t: (0.0, _drive(t), 0.0),
    "dict": lambda i, t: {"E_inp": _drive(t)},
    "pint": lambda i, t: (0.0 * u.mV, _drive(t) * u.Hz, 0.0 * u.mV),
    "pint kHz": lambda i, t: {"E_inp": _drive(t) / 1000 * u.kHz},
    "units change per step": lambda i, t: {"E_inp": (_drive(t) * u.Hz) if i % 2 else
                                           (_drive(t) / 1000 * u.kHz)},
    "per node arrays": lambda i, t: {"E_inp": np.full(2, _drive(t))},
    "per node pint arrays": lambda i, t: {"E_inp": np.full(2, _drive(t)) * u.Hz},
}


@pytest.mark.parametrize("name", FORMS)
def test_every_form_gives_the_per_step_numbers(jr, reference, name):
    np.testing.assert_allclose(_run(jr, FORMS[name]), reference, rtol=1e-13, atol=1e-13)


def test_a_missing_value_keeps_the_default(jr):
    """Steps whose dict leaves the input out keep its default (0 for E_inp)."""
    got = _run(jr, lambda i, t: {"E_inp": 220.0} if i < 100 else {})
    t = np.arange(N_STEPS)
    want = _run(jr, {"E_inp": np.where(t < 100, 220.0, 0.0)[:, None]})
    np.testing.assert_array_equal(got, want)


def test_brainunit_like_quantities(jr, reference):
    class Q:                               # brainunit's interface: .mantissa and .unit
        def __init__(self, v, unit):
            self.mantissa, self.unit = v, unit

    got = _run(jr, lambda i, t: {"E_inp": Q(_drive(t), "Hz")})
    np.testing.assert_allclose(got, reference, rtol=1e-13, atol=1e-13)


def test_a_vectorized_input_is_called_once_per_chunk(jr, reference):
    calls = []

    @bm.vectorized_input
    def drive(i, t):
        calls.append(np.shape(t))
        return {"E_inp": 220.0 + 50.0 * np.sin(0.06 * t)}

    np.testing.assert_allclose(_run(jr, drive), reference, rtol=1e-12, atol=1e-12)
    assert (N_STEPS,) in calls and len(calls) <= 4      # one array call, three spot checks


def test_a_wrongly_marked_callable_is_refused(jr):
    with pytest.raises(ValueError, match="vectorized_input"):
        _run(jr, bm.vectorized_input(lambda i, t: {"E_inp": _drive(float(t[0]))
                                                   if np.ndim(t) else _drive(t)}))


def test_an_unmarked_callable_is_called_once_per_step_in_order(jr):
    values = iter(np.linspace(100.0, 300.0, N_STEPS))
    seen = []

    def stateful(i, t):
        seen.append(i)
        return {"E_inp": next(values)}

    got = _run(jr, stateful)
    assert seen == list(range(N_STEPS))
    want = _run(jr, {"E_inp": np.linspace(100.0, 300.0, N_STEPS)[:, None]})
    np.testing.assert_array_equal(got, want)


def test_errors_still_name_the_input(jr):
    with pytest.raises(ValueError, match="input 'E_inp'.*Hz|Hz.*input 'E_inp'"):
        _run(jr, lambda i, t: {"E_inp": 3.0 * u.mV})
    with pytest.raises(TypeError, match="no input 'E_in'"):
        _run(jr, lambda i, t: {"E_in": 3.0})
