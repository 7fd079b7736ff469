"""A brainmass script ports by changing its import: argument names mean what they mean in
brainmass's code (catalogue reference sections 1 and 3).

- Wilson-Cowan weights: brainmass's names are not consistent across the family; each class
  takes wEI= / wIE= with the meaning its brainmass code gives them (checked here through the
  compiled model: a weight changes only the equation brainmass puts it in).
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
