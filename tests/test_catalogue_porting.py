"""A brainmass script ports by changing its import: argument names mean what they mean in
brainmass's code (catalogue reference sections 1 and 3).

- Wilson-Cowan weights: brainmass's names are not consistent across the family; each class
  takes wEI= / wIE= with the meaning its brainmass code gives them (checked here through the
  compiled model: a weight changes only the equation brainmass puts it in).
- Network inputs: brainmass's `Network.update(*inputs)` calls `node(coupling, *inputs)`, so
  positional inputs (a number, tuple or array from `Simulator.run(inputs=...)`, or
  `net.update(...)`) fill the node's inputs AFTER the first one, which takes the coupling;
  where that order does not exist (coupling on another input, or no input left) positional
  inputs are refused with a message naming the inputs.
- Network(noise={input: process}) wires network-level noise by input, as on nodes.
"""
from __future__ import annotations

import numpy as np
import pytest

import brainmass_dsl as bm

# class -> {weight: the state whose equation it enters in brainmass's code (section 1.10)}
_STEP_NAMING = {"wEE": "rE", "wIE": "rE", "wEI": "rI", "wII": "rI"}   # wIE on rI in E-eq
_BY_NAME = {"wEE": "rE", "wEI": "rE", "wIE": "rI", "wII": "rI"}       # wEI on rI in E-eq
WC_WEIGHTS = {
    "WilsonCowanStep": _STEP_NAMING,
    "WilsonCowanNoSaturationStep": _STEP_NAMING,
    "WilsonCowanSymmetricStep": _STEP_NAMING,
    "WilsonCowanLinearStep": _STEP_NAMING,
    "WilsonCowanDivisiveStep": _BY_NAME,
    "WilsonCowanDivisiveInputStep": _BY_NAME,
    "WilsonCowanDelayedStep": _BY_NAME,
    "WilsonCowanAdaptiveStep": _BY_NAME,
    "WilsonCowanThreePopulationStep": {**_BY_NAME, "wEM": "rE", "wIM": "rI", "wME": "rM",
                                       "wMI": "rM", "wMM": "rM"},
    "WilsonCowanSimplifiedStep": {"w_exc": ("rE", "rI"), "w_inh": ("rE", "rI")},
}
# the defaults of brainmass's code for the weights named differently across the family
WC_DEFAULTS = {"WilsonCowanStep": {"wIE": 4.0, "wEI": 13.0},
               "WilsonCowanLinearStep": {"wIE": 0.3, "wEI": 1.0},
               "WilsonCowanDivisiveStep": {"wIE": 2.0, "wEI": 6.5},
               "WilsonCowanDelayedStep": {"wIE": 4.0, "wEI": 13.0}}


def _one_step(name, **params):
    states = ("rE", "rI", "rM") if "ThreePop" in name else ("rE", "rI")
    # delays 0: the delayed variant reads the current states
    extra = ({f"delay_{k}": 0.0 for k in ("EE", "EI", "IE", "II")}
             if name == "WilsonCowanDelayedStep" else {})
    model = getattr(bm, name)(1, **{f"init_{s}": 0.3 for s in states}, **extra, **params)
    model.init_all_states()
    with bm.environ.context(dt=0.01):
        model.update(**{f"{s}_inp": 0.5 for s in states})
    return {s: float(getattr(model, s).value[0]) for s in states}


@pytest.mark.parametrize("name", sorted(WC_WEIGHTS))
def test_wilson_cowan_weights_enter_the_equation_brainmass_puts_them_in(name):
    base = _one_step(name)
    for weight, where in WC_WEIGHTS[name].items():
        where = (where,) if isinstance(where, str) else where
        value = getattr(bm, name)(1).get_param(weight)
        moved = _one_step(name, **{weight: 2.0 * value + 1.0})
        changed = {s for s in base if abs(moved[s] - base[s]) > 1e-12}
        assert changed == set(where), (weight, changed, where)


@pytest.mark.parametrize("name", sorted(WC_DEFAULTS))
def test_wilson_cowan_weight_defaults_are_brainmass_code_defaults(name):
    model = getattr(bm, name)(1)
    for weight, value in WC_DEFAULTS[name].items():
        assert model.get_param(weight) == value, weight


# ============================================================================= network inputs
W3 = np.ones((3, 3)) - np.eye(3)


def _run(net, inputs, duration=20.0, **kw):
    return bm.Simulator(net, dt=0.1).run(duration, inputs=inputs, progress=False, **kw)


def test_network_positional_inputs_follow_brainmass():
    """Wilson-Cowan network: the coupling goes into rE_inp, a positional input into rI_inp
    (brainmass's Network.update(*inputs)); a named input adds to the coupling's input."""
    net = bm.Network(bm.WilsonCowanStep(3), conn=W3, k=0.1)
    assert net.positional_inputs == ("rI_inp",)
    positional = _run(net, lambda i, t: 1.0)["rE"]
    named = _run(net, lambda i, t: {"rI_inp": 1.0})["rE"]
    np.testing.assert_array_equal(positional, named)
    np.testing.assert_array_equal(_run(net, lambda i, t: (1.0,))["rE"], named)
    np.testing.assert_array_equal(_run(net, np.ones((200, 3)))["rE"], named)
    on_coupling = _run(net, lambda i, t: {"rE_inp": 1.0})["rE"]
    assert np.abs(on_coupling - named).max() > 0.1
    # the per-step API
    net.init_all_states()
    with bm.environ.context(dt=0.1):
        a = net.update(1.0)
    net.init_all_states()
    with bm.environ.context(dt=0.1):
        b = net.update(rI_inp=1.0)
    np.testing.assert_array_equal(a, b)


def test_network_positional_inputs_of_jansen_rit():
    """brainmass's JR network script: inputs=lambda i, t: (E_inp, I_inp) after the coupling
    (M_inp)."""
    net = bm.Network(bm.JansenRitStep(3), conn=W3, k=0.1, coupled_var="E - I")
    assert net.positional_inputs == ("E_inp", "I_inp")
    a = _run(net, lambda i, t: (220.0, 0.0))["eeg"]
    b = _run(net, lambda i, t: {"E_inp": 220.0, "I_inp": 0.0})["eeg"]
    np.testing.assert_array_equal(a, b)


def test_ambiguous_positional_network_inputs_are_refused():
    single = bm.Network(bm.LinearStep(3), conn=W3)
    assert single.positional_inputs == ()
    with pytest.raises(TypeError, match=r"coupling takes the first input 'x_inp' and "
                                        r"positional inputs fill nothing.*inputs of LinearStep: "
                                        r"x_inp"):
        _run(single, lambda i, t: 1.0)
    with pytest.raises(TypeError, match=r"2 positional inputs given.*fill 'rI_inp'"):
        _run(bm.Network(bm.WilsonCowanStep(3), conn=W3), lambda i, t: (1.0, 2.0))
    other = bm.Network(bm.JansenRitStep(3), conn=W3, target="E_inp", coupled_var="E - I")
    assert other.positional_inputs == ()
    for inputs in (lambda i, t: 1.0, np.ones(200)):
        with pytest.raises(TypeError, match=r"the coupling goes into 'E_inp', not into the "
                                            r"first input 'M_inp'.*M_inp, E_inp, I_inp"):
            _run(other, inputs)
    # named inputs are always fine
    _run(other, lambda i, t: {"M_inp": 0.1})
    with pytest.raises(TypeError, match="given twice"):
        net = bm.Network(bm.WilsonCowanStep(3), conn=W3)
        net.init_all_states()
        with bm.environ.context(dt=0.1):
            net.update(1.0, rI_inp=2.0)


# ============================================================================= network noise
def test_network_noise_by_input():
    """Network(noise={"y_inp": GaussianNoise(sigma)}) drives y only: for the linear(ised)
    Hopf node (a < 0, k = 0) Var x + Var y = sigma**2 (1 - exp(2 a T)) / (-2 a) exactly
    (the rotation w conserves it), with Var x of order (w T)**2 of Var y."""
    a, w, sigma, T, B, N = -0.5, 0.2, 0.01, 1.0, 20, 200
    W = np.ones((N, N)) - np.eye(N)
    net = bm.Network(bm.HopfStep(N, a=a, w=w), conn=W, k=0.0,
                     noise={"y_inp": bm.GaussianNoise(1, sigma=sigma)})
    assert "noise_y_inp.sigma" in net.parameter_names
    assert net.get_param("noise_y_inp.sigma") == sigma
    res = bm.Simulator(net, dt=0.01).run(T, batch_size=B, transient=99, progress=False, seed=5)
    vx, vy = res["x"][-1].var(), res["y"][-1].var()
    assert vx + vy == pytest.approx(sigma**2 * (1 - np.exp(2 * a * T)) / (-2 * a), rel=0.05)
    assert vx < 0.05 * vy
    # a number is a white-noise intensity, as for noise=<number>
    both = bm.Network(bm.HopfStep(N, a=a, w=w), conn=W, k=0.0, noise={"x_inp": sigma,
                                                                       "y_inp": sigma})
    res = bm.Simulator(both, dt=0.01).run(T, batch_size=B, transient=99, progress=False, seed=5)
    vx, vy = res["x"][-1].var(), res["y"][-1].var()
    assert vx == pytest.approx(vy, rel=0.1)
    assert vx + vy == pytest.approx(2 * sigma**2 * (1 - np.exp(2 * a * T)) / (-2 * a), rel=0.05)
    # the parameters change without recompiling, and are checked against their bounds
    both.set_params(**{"noise_x_inp.sigma": 0.0, "noise_y_inp.sigma": 0.0})
    quiet = bm.Simulator(both, dt=0.01).run(T, progress=False)["x"]
    assert np.all(quiet == 0.0)
    with pytest.raises(ValueError, match=r"'noise_x_inp.sigma'.*\[0 ms\*\*0.5, inf\)"):
        both.set_params(**{"noise_x_inp.sigma": -1.0})


def test_network_noise_dict_errors():
    with pytest.raises(ValueError, match=r"'z_inp' is not an input of HopfStep"):
        bm.Network(bm.HopfStep(3), conn=W3, noise={"z_inp": 0.1})
    with pytest.raises(TypeError, match=r"noise=\{'x_inp': \.\.\.\} must be a noise process"):
        bm.Network(bm.HopfStep(3), conn=W3, noise={"x_inp": "loud"})
    with pytest.raises(ValueError, match="already has noise on 'y_inp'"):
        bm.Network(bm.HopfStep(3, noise_y=bm.GaussianNoise(1)), conn=W3,
                   noise={"y_inp": 0.1})
