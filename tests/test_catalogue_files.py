"""The built-in catalogue (models/): every file loads cleanly, every model carries its
metadata, and names, defaults, states, inputs and outputs match brainmass 0.1.1 (the tables
below are written from ../shared/reference/brainmass-catalogue.md, sections 1 and 3, not from
the .nmm files). Deliberate deviations are listed in UNIT_CHANGED / INIT_CHANGED / OMITTED and
explained in docs/differences-from-brainmass.md.

The second half checks the independent references of tests/catalogue_refs.py against the
behaviour reported in their papers (test_reference_behaviour), so that they are known to be
right before the compiled models are compared with them.
"""
from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pytest

import catalogue_refs as refs
from brainmass_dsl.frontend import ast, load_program
from brainmass_dsl.frontend.builtins import CONSTANTS
from brainmass_dsl.frontend.printer import format_expr
from brainmass_dsl.frontend.units import Dim, to_canonical

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
DOC = ROOT / "docs" / "differences-from-brainmass.md"
FILES = sorted(MODELS.rglob("*.nmm"))


def _rel(p: Path) -> str:
    return str(p.relative_to(MODELS))


# ============================================================================= loading
@functools.lru_cache(maxsize=None)
def _program(path: Path):
    return load_program(path, raise_errors=False)


@functools.lru_cache(maxsize=None)
def _catalogue():
    """name -> ResolvedBlock for every block of models/, and alias -> name."""
    blocks, aliases, where = {}, {}, {}
    for f in FILES:
        prog = _program(f)
        for name in prog.main_blocks:
            assert name not in blocks, f"{name} defined in {where[name]} and {f}"
            blocks[name] = prog.block(name)
            where[name] = f
            for a in blocks[name].aliases:
                assert a not in aliases, f"alias {a} of {name} also names {aliases[a]}"
                aliases[a] = name
    return blocks, aliases, where


def _block(name):
    blocks, aliases, _ = _catalogue()
    return blocks[aliases.get(name, name)]


def test_catalogue_has_files():
    assert (MODELS / "neural_mass").is_dir() and (MODELS / "coupling").is_dir()
    assert len(list((MODELS / "neural_mass").glob("*.nmm"))) >= 17


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_file_loads_without_errors_or_warnings(path):
    prog = _program(path)
    assert not prog.bag.items, "\n" + prog.bag.render()
    assert prog.main_blocks, f"{_rel(path)} defines no block"


def test_names_and_aliases_are_unique():
    blocks, aliases, _ = _catalogue()
    clash = set(blocks) & set(aliases)
    assert not clash, f"aliases that are also block names: {sorted(clash)}"


# ============================================================================= metadata
NEURAL_MASS = sorted(n for n, rb in _catalogue()[0].items()
                     if rb.kind == "model" and "neural_mass" in _catalogue()[2][n].parts)
COUPLINGS = sorted(n for n, rb in _catalogue()[0].items() if rb.kind == "coupling")


@pytest.mark.parametrize("name", NEURAL_MASS)
def test_model_metadata(name):
    rb = _block(name)
    assert rb.category in ("phenomenological", "physiological", "network"), rb.category
    use_case = rb.meta("use_case")
    assert use_case and use_case[-1].strip(), "use_case missing"
    assert "\n" not in use_case[-1] and len(use_case[-1]) <= 100
    ref = rb.meta("reference")
    assert ref and any(ch.isdigit() for ch in ref[-1]), "reference 'Author et al. Year, Journal'"
    # the docstring is the model's own (variants restate their equations)
    own_doc = [m for m in rb.block.members if isinstance(m, ast.Docstring)]
    assert own_doc and len(own_doc[0].text.strip()) > 40, "docstring missing"
    assert rb.of_type(ast.Output), "no output"
    assert rb.of_type(ast.Couples), "no couples"


@pytest.mark.parametrize("name", COUPLINGS)
def test_coupling_metadata(name):
    rb = _block(name)
    assert rb.docstring and rb.meta("reference")
    assert len(rb.of_type(ast.Pre)) == 1 and len(rb.of_type(ast.Post)) == 1


# ============================================================================= brainmass's names
# name -> (category, aliases: brainmass's legacy <X>Model name and a short name where natural)
EXPECTED_MODELS = {
    "HopfStep": ("phenomenological", ["HopfModel", "Hopf"]),
    "StuartLandauStep": ("phenomenological", ["StuartLandauModel", "StuartLandau"]),
    "VanDerPolStep": ("phenomenological", ["VanDerPolModel", "VanDerPol"]),
    "FitzHughNagumoStep": ("phenomenological", ["FitzHughNagumoModel", "FitzHughNagumo"]),
    "ThresholdLinearStep": ("phenomenological", ["ThresholdLinearModel", "ThresholdLinear"]),
    "Generic2dOscillatorStep": ("phenomenological",
                                ["Generic2dOscillatorModel", "Generic2dOscillator"]),
    "LorenzStep": ("phenomenological", ["LorenzModel", "Lorenz"]),
    "LinearStep": ("phenomenological", ["LinearModel"]),
    "WilsonCowanStep": ("physiological", ["WilsonCowanModel", "WilsonCowan"]),
    "WilsonCowanNoSaturationStep": ("physiological", ["WilsonCowanNoSaturationModel"]),
    "WilsonCowanSymmetricStep": ("physiological", ["WilsonCowanSymmetricModel"]),
    "WilsonCowanSimplifiedStep": ("physiological", ["WilsonCowanSimplifiedModel"]),
    "WilsonCowanLinearStep": ("physiological", ["WilsonCowanLinearModel"]),
    "WilsonCowanDivisiveStep": ("physiological", ["WilsonCowanDivisiveModel"]),
    "WilsonCowanDivisiveInputStep": ("physiological", ["WilsonCowanDivisiveInputModel"]),
    "WilsonCowanDelayedStep": ("physiological", ["WilsonCowanDelayedModel"]),
    "WilsonCowanAdaptiveStep": ("physiological", ["WilsonCowanAdaptiveModel"]),
    "WilsonCowanThreePopulationStep": ("physiological", ["WilsonCowanThreePopulationModel",
                                                         "WilsonCowanThreePopBase"]),
    "JansenRitStep": ("physiological", ["JansenRitModel", "JansenRit"]),
    "WongWangStep": ("physiological", ["WongWangModel", "WongWang"]),
    "WongWangExcInhStep": ("physiological", ["WongWangExcInhModel", "WongWangExcInh"]),
    "MontbrioPazoRoxinStep": ("physiological", ["MontbrioPazoRoxinModel", "MontbrioPazoRoxin",
                                                "MPR"]),
    "CoombesByrneStep": ("physiological", ["CoombesByrneModel", "CoombesByrne"]),
    "LarterBreakspearStep": ("physiological", ["LarterBreakspearModel", "LarterBreakspear"]),
    "EpileptorStep": ("physiological", ["EpileptorModel", "Epileptor"]),
    "KuramotoNetwork": ("network", ["Kuramoto"]),
}
EXPECTED_COUPLINGS = {
    "DiffusiveCoupling": ["Diffusive", "diffusive"],
    "AdditiveCoupling": ["Additive", "additive"],
    "SigmoidalCoupling": ["Sigmoidal", "sigmoidal"],
    "HyperbolicTangentCoupling": ["HyperbolicTangent", "tanh"],
    "SigmoidalJansenRitCoupling": ["SigmoidalJansenRit", "sigmoidal_jansen_rit"],
    "KuramotoCoupling": [],
}
# brainmass names that are not a block here, and why (also in the differences document)
OMITTED = {
    "JansenRitTR": "a whole time-resolved JR network (Laplacian pathway couplings, per-TR "
                   "delay buffer), not a node model: a Python class (bm.JansenRitTR) on "
                   "JansenRitStep",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_MODELS))
def test_brainmass_model_names(name):
    blocks, aliases, _ = _catalogue()
    assert name in blocks, f"{name} missing from the catalogue"
    category, expected_aliases = EXPECTED_MODELS[name]
    assert blocks[name].kind == "model" and blocks[name].category == category
    for a in expected_aliases:
        assert aliases.get(a) == name, f"alias {a} should name {name}, names {aliases.get(a)}"


@pytest.mark.parametrize("name", sorted(EXPECTED_COUPLINGS))
def test_brainmass_coupling_names(name):
    blocks, aliases, _ = _catalogue()
    assert name in blocks and blocks[name].kind == "coupling"
    for a in EXPECTED_COUPLINGS[name]:
        assert aliases.get(a) == name


def test_every_catalogue_model_is_expected():
    """A new neural-mass file must be added to the tables (and to the references)."""
    assert set(NEURAL_MASS) == set(EXPECTED_MODELS)
    assert set(COUPLINGS) == set(EXPECTED_COUPLINGS)
    for name in OMITTED:
        assert name not in _catalogue()[0] and name not in _catalogue()[1]


# ============================================================================= defaults
# brainmass's defaults: name -> (value, unit in which brainmass's number is meant). "per ms"
# numbers of brainmass's dimensionless models are rates here ("1/ms").
P = "1/ms"
_WC_BASE = {"tau_E": (1.0, "ms"), "a_E": (1.2, ""), "theta_E": (2.8, ""), "tau_I": (1.0, "ms"),
            "a_I": (1.0, ""), "theta_I": (4.0, "")}
_WC_W = {"wEE": (12.0, ""), "wIE": (4.0, ""), "wEI": (13.0, ""), "wII": (11.0, "")}
_WC_DIV = {**_WC_BASE, "wEE": (6.0, ""), "wIE": (2.0, ""), "wEI": (6.5, ""), "wII": (5.5, ""),
           "r": (1.0, ""), "sigma_E": (1.0, ""), "sigma_I": (1.0, "")}
BRAINMASS_PARAMS = {
    "HopfStep": {"a": (0.25, P), "w": (0.2, P), "beta": (1.0, P)},
    "StuartLandauStep": {"a": (0.25, P), "w": (0.2, P)},
    "VanDerPolStep": {"mu": (1.0, "")},
    "FitzHughNagumoStep": {"alpha": (3.0, ""), "beta": (4.0, ""), "gamma": (-1.5, ""),
                           "delta": (0.0, ""), "epsilon": (0.5, ""), "tau": (20.0, "ms")},
    "ThresholdLinearStep": {"tau_E": (2e-2, "s"), "tau_I": (1e-2, "s"), "beta_E": (0.066, ""),
                            "beta_I": (0.351, "")},
    "Generic2dOscillatorStep": {"a": (-2.0, ""), "b": (-10.0, ""), "c": (0.0, ""),
                                "d": (0.02, P), "e": (3.0, ""), "f": (1.0, ""), "g": (0.0, ""),
                                "alpha": (1.0, ""), "beta": (1.0, ""), "gamma": (1.0, ""),
                                "I": (0.0, ""), "tau": (1.0, "")},
    "LorenzStep": {"sigma": (10.0, ""), "rho": (28.0, ""), "beta": (8 / 3, "")},
    "LinearStep": {"gamma": (-10.0, P)},
    "KuramotoNetwork": {"omega": (0.0, P)},
    "WilsonCowanStep": {**_WC_BASE, **_WC_W, "r": (1.0, "")},
    "WilsonCowanNoSaturationStep": {**_WC_BASE, **_WC_W},
    "WilsonCowanSymmetricStep": {"tau": (1.0, "ms"), "a": (1.1, ""), "theta": (3.4, ""),
                                 **_WC_W, "r": (1.0, "")},
    "WilsonCowanSimplifiedStep": {**_WC_BASE, "w_exc": (8.0, ""), "w_inh": (12.0, ""),
                                  "r": (1.0, "")},
    "WilsonCowanLinearStep": {"tau_E": (1.0, "ms"), "tau_I": (1.0, "ms"), "wEE": (0.8, ""),
                              "wIE": (0.3, ""), "wEI": (1.0, ""), "wII": (0.85, ""),
                              "r": (1.0, "")},
    "WilsonCowanDivisiveStep": dict(_WC_DIV),
    "WilsonCowanDivisiveInputStep": dict(_WC_DIV),
    "WilsonCowanDelayedStep": {**_WC_BASE, **_WC_W, "r": (1.0, ""), "delay_EE": (2.0, "ms"),
                               "delay_IE": (2.0, "ms"), "delay_EI": (1.5, "ms"),
                               "delay_II": (1.5, "ms")},
    "WilsonCowanAdaptiveStep": {**_WC_BASE, **_WC_W, "r": (1.0, ""), "tau_aE": (100.0, "ms"),
                                "tau_aI": (80.0, "ms"), "b_E": (0.1, ""), "b_I": (0.08, "")},
    "WilsonCowanThreePopulationStep": {**_WC_BASE, **_WC_W, "r": (1.0, ""),
                                       "tau_M": (2.0, "ms"), "a_M": (1.0, ""),
                                       "theta_M": (3.5, ""), "wME": (8.0, ""), "wMI": (6.0, ""),
                                       "wEM": (4.0, ""), "wIM": (2.0, ""), "wMM": (2.0, "")},
    "JansenRitStep": {"Ae": (3.25, "mV"), "Ai": (22.0, "mV"), "be": (100.0, "Hz"),
                      "bi": (50.0, "Hz"), "C": (135.0, ""), "a1": (1.0, ""), "a2": (0.8, ""),
                      "a3": (0.25, ""), "a4": (0.25, ""), "s_max": (5.0, "Hz"),
                      "v0": (6.0, "mV"), "r": (0.56, "1/mV"),
                      # brainmass's fr_scale map (Identity) as a gain on the rates
                      "fr_scale": (1.0, "")},
    "WongWangStep": {"tau_S": (0.1, "s"), "gamma": (0.641, ""), "a": (270.0, "Hz/nA"),
                     "theta": (0.31, "nA"), "J_N11": (0.2609, "nA"), "J_N22": (0.2609, "nA"),
                     "J_N12": (0.0497, "nA"), "J_N21": (0.0497, "nA"),
                     "J_A_ext": (0.0002243, "nA/Hz"), "mu_0": (30.0, "Hz"),
                     "I_0": (0.3255, "nA")},
    # brainmass writes these as plain numbers (tau in ms, currents in nA, rates in Hz, d in s,
    # gamma per ms with H in Hz); the units say what those numbers mean
    "WongWangExcInhStep": {"a_e": (310.0, "Hz/nA"), "b_e": (125.0, "Hz"), "d_e": (0.160, "s"),
                           "gamma_e": (0.641 / 1000, "s/ms"), "tau_e": (100.0, "ms"),
                           "w_p": (1.4, ""), "W_e": (1.0, ""), "a_i": (615.0, "Hz/nA"),
                           "b_i": (177.0, "Hz"), "d_i": (0.087, "s"),
                           "gamma_i": (1 / 1000, "s/ms"), "tau_i": (10.0, "ms"),
                           "W_i": (0.7, ""), "J_N": (0.15, "nA"), "J_i": (1.0, "nA"),
                           "I_o": (0.382, "nA"), "I_ext": (0.0, "nA"), "G": (2.0, ""),
                           "lamda": (0.0, "")},
    "MontbrioPazoRoxinStep": {"tau": (1.0, "ms"), "eta": (-5.0, ""), "delta": (1.0, "Hz"),
                              "J": (15.0, "")},
    "CoombesByrneStep": {"Delta": (1.0, ""), "eta": (2.0, ""), "k": (1.0, ""),
                         "v_syn": (-4.0, "")},
    "LarterBreakspearStep": {**{k: (v, "") for k, v in dict(
        gCa=1.1, gK=2.0, gL=0.5, gNa=6.7, TCa=-0.01, TK=0.0, TNa=0.3, d_Ca=0.15, d_K=0.3,
        d_Na=0.15, VCa=1.0, VK=-0.7, VL=-0.5, VNa=0.53, phi=0.7, tau_K=1.0, aee=0.4, aei=2.0,
        aie=2.0, ane=1.0, ani=0.4, b=0.1, C=0.1, Iext=0.3, rNMDA=0.25, VT=0.0, d_V=0.65,
        ZT=0.0, d_Z=0.7, QV_max=1.0, QZ_max=1.0).items()}, "t_scale": (1.0, P)},
    "EpileptorStep": {**{k: (v, "") for k, v in dict(
        a=1.0, b=3.0, c=1.0, d=5.0, r=0.00035, x0=-1.6, Iext=3.1, slope=0.0, Iext2=0.45,
        tau=10.0, aa=6.0, bb=2.0, Kvf=0.0, Kf=0.0, Ks=0.0, modification=0.0).items()},
        "tt": (1.0, P)},
    # couplings (catalogue section 3); dimensionless (unit-generic)
    "DiffusiveCoupling": {"k": (1.0, "")},
    "AdditiveCoupling": {"k": (1.0, ""), "b": (0.0, "")},
    "SigmoidalCoupling": {"k": (1.0, ""), "a": (1.0, ""), "b": (0.0, ""), "slope": (1.0, ""),
                          "midpoint": (0.0, "")},
    "HyperbolicTangentCoupling": {"k": (0.5, ""), "scale": (2.0, "")},
    "SigmoidalJansenRitCoupling": {"k": (1.0, ""), "cmin": (0.0, ""), "cmax": (0.005, ""),
                                   "midpoint": (6.0, ""), "r": (0.56, "")},
    # brainmass's KuramotoNetwork(K=0.0, alpha=0.0): K and alpha belong to the coupling here
    "KuramotoCoupling": {"K": (0.0, ""), "alpha": (0.0, "")},
}
# (model, parameter) -> our declared value and unit where brainmass's unit is a quirk
UNIT_CHANGED = {("MontbrioPazoRoxinStep", "delta"): (1.0, "")}  # published Delta: a pure number


def _canonical(e) -> float:
    """Value of a constant default expression in canonical units."""
    if isinstance(e, ast.Num):
        return to_canonical(e.value, e.unit)
    if isinstance(e, ast.Name) and e.id in CONSTANTS:
        return CONSTANTS[e.id]
    if isinstance(e, ast.UnaryOp) and e.op in "+-":
        v = _canonical(e.operand)
        return -v if e.op == "-" else v
    if isinstance(e, ast.BinOp) and e.op in ("+", "-", "*", "/", "**"):
        a, b = _canonical(e.left), _canonical(e.right)
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "**": a ** b}[e.op]
    raise AssertionError(f"not a constant: {format_expr(e)}")


def _unit_of(e):
    while isinstance(e, ast.UnaryOp):
        e = e.operand
    return e.unit if isinstance(e, ast.Num) else None


def _dim(unit):
    return Dim.of(unit or "1")


@pytest.mark.parametrize("name", sorted(BRAINMASS_PARAMS))
def test_parameter_names_and_defaults(name):
    rb = _block(name)
    ours = {p.name: p for p in rb.of_type(ast.Parameter)}
    expected = dict(BRAINMASS_PARAMS[name])
    assert set(ours) == set(expected), (
        f"extra: {sorted(set(ours) - set(expected))}, "
        f"missing: {sorted(set(expected) - set(ours))}")
    for pname, (value, unit) in expected.items():
        value, unit = UNIT_CHANGED.get((name, pname), (value, unit))
        decl = ours[pname].default
        assert _dim(_unit_of(decl)) == _dim(unit), (pname, _unit_of(decl), unit)
        assert math.isclose(_canonical(decl), to_canonical(value, unit or None), rel_tol=1e-12,
                            abs_tol=1e-15), (pname, _canonical(decl), to_canonical(value, unit))


# ============================================================================= states, I/O
_U = ("uniform", 0.0, 0.05)  # brainmass's Uniform(0, 0.05) initialisers, drawn at init
_WC_S = [("rE", 0.0, ""), ("rI", 0.0, "")]
STATES = {  # name -> [(state, initial value, unit)], brainmass's order
    "HopfStep": [("x", 0.0, ""), ("y", 0.0, "")],
    "StuartLandauStep": [("x", _U, ""), ("y", _U, "")],
    "VanDerPolStep": [("x", _U, ""), ("y", _U, "")],
    "FitzHughNagumoStep": [("V", _U, ""), ("w", _U, "")],
    "ThresholdLinearStep": [("E", 0.0, ""), ("I", 0.0, "")],
    "Generic2dOscillatorStep": [("V", 0.0, ""), ("W", 0.0, "")],
    "LorenzStep": [("x", 1.0, ""), ("y", 1.0, ""), ("z", 1.0, "")],
    "LinearStep": [("x", 0.01, "")],
    "KuramotoNetwork": [("theta", ("uniform", 0.0, 2 * math.pi), "")],
    **{m: list(_WC_S) for m in (
        "WilsonCowanStep", "WilsonCowanNoSaturationStep", "WilsonCowanSymmetricStep",
        "WilsonCowanSimplifiedStep", "WilsonCowanLinearStep", "WilsonCowanDivisiveStep",
        "WilsonCowanDivisiveInputStep", "WilsonCowanDelayedStep")},
    "WilsonCowanAdaptiveStep": _WC_S + [("aE", 0.0, ""), ("aI", 0.0, "")],
    "WilsonCowanThreePopulationStep": _WC_S + [("rM", 0.0, "")],
    "JansenRitStep": [("M", 0, "mV"), ("E", 0, "mV"), ("I", 0, "mV"), ("Mv", 0, "mV/s"),
                      ("Ev", 0, "mV/s"), ("Iv", 0, "mV/s")],
    "WongWangStep": [("S1", 0.0, ""), ("S2", 0.0, "")],
    "WongWangExcInhStep": [("S_e", 0.001, ""), ("S_i", 0.001, "")],
    "MontbrioPazoRoxinStep": [("r", _U, "Hz"), ("v", _U, "")],
    "CoombesByrneStep": [("r", 0.1, ""), ("v", 0.0, "")],
    "LarterBreakspearStep": [("V", 0.0, ""), ("W", 0.0, ""), ("Z", 0.0, "")],
    "EpileptorStep": [("x1", -1.5, ""), ("y1", -10.0, ""), ("z", 3.5, ""), ("x2", -1.0, ""),
                      ("y2", 0.0, ""), ("g", 0.0, "")],
}
# where brainmass draws the initial state at random (here too: `state x = uniform(lo, hi)`)
INIT_CHANGED = {"StuartLandauStep", "VanDerPolStep", "FitzHughNagumoStep", "KuramotoNetwork",
                "MontbrioPazoRoxinStep"}
_WC_IN = ["rE_inp", "rI_inp"]
INPUTS = {  # brainmass's update() inputs in order (coupling goes into the first), then the
    # inputs that receive brainmass's noise_* samples where brainmass adds them elsewhere
    "HopfStep": (["x_inp", "y_inp"], P), "StuartLandauStep": (["x_inp", "y_inp"], P),
    "VanDerPolStep": (["x_inp", "y_inp"], P), "FitzHughNagumoStep": (["V_inp", "w_inp"], P),
    "ThresholdLinearStep": (["E_inp", "I_inp"], ""),
    "Generic2dOscillatorStep": (["V_inp", "noise_V", "noise_W"], None),
    "LorenzStep": (["x_inp"], P), "LinearStep": (["x_inp"], P),
    "KuramotoNetwork": (["theta_inp"], P),
    **{m: (list(_WC_IN), "") for m in (
        "WilsonCowanStep", "WilsonCowanNoSaturationStep", "WilsonCowanSymmetricStep",
        "WilsonCowanSimplifiedStep", "WilsonCowanLinearStep", "WilsonCowanDivisiveStep",
        "WilsonCowanDivisiveInputStep", "WilsonCowanDelayedStep", "WilsonCowanAdaptiveStep")},
    "WilsonCowanThreePopulationStep": (_WC_IN + ["rM_inp"], ""),
    "JansenRitStep": (["M_inp", "E_inp", "I_inp"], None),
    "WongWangStep": (["coherence", "noise_s1", "noise_s2"], None),
    "WongWangExcInhStep": (["coupling", "noise_e", "noise_i"], None),
    "MontbrioPazoRoxinStep": (["r_inp", "v_inp"], None),
    "CoombesByrneStep": (["r_inp", "v_inp"], P),
    "LarterBreakspearStep": (["V_inp"], ""),
    "EpileptorStep": (["x1_inp", "x2_inp", "noise_x1", "noise_x2"], None),
}
INPUT_UNITS = {"JansenRitStep": ["mV", "Hz", "mV"], "WongWangStep": ["", "nA", "nA"],
               "WongWangExcInhStep": ["", P, P], "MontbrioPazoRoxinStep": ["Hz", ""],
               "Generic2dOscillatorStep": ["", P, P], "EpileptorStep": ["", "", P, P]}
_WC_OUTS = (["rE"], "rE")
OUTPUTS = {  # what brainmass's update() returns, in order; the coupled expression
    "HopfStep": (["x", "y"], "x"), "StuartLandauStep": (["x", "y"], "x"),
    "VanDerPolStep": (["x", "y"], "x"), "FitzHughNagumoStep": (["V"], "V"),
    "ThresholdLinearStep": (["E"], "E"), "Generic2dOscillatorStep": (["V"], "V"),
    "LorenzStep": (["x"], "x"), "LinearStep": (["x"], "x"),
    "KuramotoNetwork": (["theta"], "theta"),
    **{m: _WC_OUTS for m in STATES if m.startswith("WilsonCowan")},
    "JansenRitStep": (["eeg"], "E - I"),
    "WongWangStep": (["r1", "r2"], "S1"),
    "WongWangExcInhStep": (["S_e", "H_e", "H_i"], "S_e"),
    "MontbrioPazoRoxinStep": (["r"], "r"), "CoombesByrneStep": (["r"], "r"),
    "LarterBreakspearStep": (["V"], "V"), "EpileptorStep": (["lfp"], "x1"),
}
BOUNDS = {("ThresholdLinearStep", "E"): (0.0, math.inf),
          ("ThresholdLinearStep", "I"): (0.0, math.inf),
          ("WongWangStep", "S1"): (0.0, 1.0), ("WongWangStep", "S2"): (0.0, 1.0)}


def test_tables_cover_every_model():
    for table in (STATES, INPUTS, OUTPUTS):
        assert set(table) == set(EXPECTED_MODELS)
    assert set(BRAINMASS_PARAMS) == set(EXPECTED_MODELS) | set(EXPECTED_COUPLINGS)


@pytest.mark.parametrize("name", sorted(STATES))
def test_states(name):
    rb = _block(name)
    states = rb.of_type(ast.State)
    assert [s.name for s in states] == [s for s, _, _ in STATES[name]]
    for decl, (s, value, unit) in zip(states, STATES[name]):
        if isinstance(value, tuple):       # a random initial value: the call and its range
            kind, lo, hi = value
            assert isinstance(decl.init, ast.Call) and decl.init.func == kind, s
            for arg, want in zip(decl.init.args, (lo, hi)):
                if want:
                    assert _dim(_unit_of(arg)) == _dim(unit), (s, _unit_of(arg), unit)
                assert math.isclose(_canonical(arg), to_canonical(want, unit or None),
                                    abs_tol=1e-15), s
            continue
        assert _dim(_unit_of(decl.init)) == _dim(unit), (s, _unit_of(decl.init), unit)
        assert math.isclose(_canonical(decl.init), to_canonical(value, unit or None),
                            abs_tol=1e-15), s
        if (name, s) in BOUNDS:
            lo, hi = BOUNDS[(name, s)]
            assert decl.bounds is not None, f"{s} must be bounded (brainmass clips it)"
            assert _canonical(decl.bounds.lo) == lo and _canonical(decl.bounds.hi) == hi
        else:
            assert decl.bounds is None, f"{s}: brainmass does not clip it"


@pytest.mark.parametrize("name", sorted(INIT_CHANGED))
def test_random_brainmass_initial_states_are_documented(name):
    """brainmass draws these initial states at random; the docstring says what we use."""
    assert "Uniform" in _block(name).docstring


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_inputs(name):
    rb = _block(name)
    inputs = rb.of_type(ast.Input)
    names, unit = INPUTS[name]
    assert [i.name for i in inputs] == names
    units = INPUT_UNITS.get(name, [unit] * len(names))
    for decl, u in zip(inputs, units):
        assert _dim(_unit_of(decl.default)) == _dim(u), (decl.name, _unit_of(decl.default), u)
        assert _canonical(decl.default) == 0.0


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_outputs_and_couples(name):
    rb = _block(name)
    names, couples = OUTPUTS[name]
    assert [o.name for o in rb.of_type(ast.Output)] == names
    (c,) = rb.of_type(ast.Couples)
    assert format_expr(c.expr) == couples


def test_no_noise_terms_in_the_catalogue():
    """Noise processes are separate models wired to inputs: no xi in catalogue equations."""
    from brainmass_dsl.frontend.builtins import is_noise

    for name in NEURAL_MASS:
        for eq in _block(name).of_type(ast.Equation):
            assert not any(is_noise(n.id) for n in ast.names_in(eq.rhs)), (name, eq.state)


def test_differences_document_covers_every_model():
    text = DOC.read_text(encoding="utf-8")
    for name in list(EXPECTED_MODELS) + list(OMITTED) + ["KuramotoCoupling"]:
        assert name in text, f"{name} is not discussed in {DOC.name}"


# ============================================================================= the references
def test_references_cover_every_model():
    assert set(refs.REFERENCES) == set(EXPECTED_MODELS)


@pytest.mark.parametrize("name", sorted(refs.REFERENCES))
def test_reference_names_match_the_files(name):
    """The independent references use the catalogue's names (so that the compiled model and
    its reference can be compared by name)."""
    ref, rb = refs.REFERENCES[name], _block(name)
    assert list(ref.states) == [s.name for s in rb.of_type(ast.State)]
    params = {p.name for p in rb.of_type(ast.Parameter)}
    if ref.network:
        coupling = _block(ref.network["coupling"])
        params |= {p.name for p in coupling.of_type(ast.Parameter)}
        assert set(ref.network["coupling_params"]) <= params
    assert set(ref.params) == params
    assert set(ref.inputs) == {i.name for i in rb.of_type(ast.Input)}
    assert list(ref.outputs) == [o.name for o in rb.of_type(ast.Output)]
    assert set(ref.init) == set(ref.states)
    assert all(lag in ref.params for _, lag in ref.delays)


def _ref_params(name):
    marks = [pytest.mark.slow] if refs.REFERENCES[name].slow else []
    return pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", [_ref_params(n) for n in sorted(refs.REFERENCES)])
def test_reference_behaviour(name):
    ref = refs.REFERENCES[name]
    t, traj = refs.simulate(ref)              # the comparison run itself integrates
    for s in list(ref.states) + list(ref.outputs):
        assert traj[s].shape[0] == len(t) and np.isfinite(traj[s]).all(), s
    ref.behaviour(refs.simulator(ref))
