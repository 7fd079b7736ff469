"""Units: the Dim algebra, its printing, canonical factors, and how units attach to literals."""
from __future__ import annotations

import doctest
import math
from fractions import Fraction

import pytest

from brainmass_dsl.frontend import ast, units
from brainmass_dsl.frontend.diagnostics import NmmError
from brainmass_dsl.frontend.dimensions import NOISE_DIM
from brainmass_dsl.frontend.parser import parse
from brainmass_dsl.frontend.program import load_program
from brainmass_dsl.frontend.units import DIMENSIONLESS, TIME, Dim, UnitError, canonical_factor, \
    canonical_unit_text, parse_unit, to_canonical


def test_doctests():
    res = doctest.testmod(units)
    assert res.attempted > 0 and res.failed == 0


# ------------------------------------------------------------------ the algebra
def test_dim_of_base_units():
    assert Dim.of("ms") == TIME == Dim.from_map({"[time]": 1})
    assert Dim.of("s") == Dim.of("min") == TIME
    assert Dim.of("Hz") == TIME ** -1 == Dim.of("/ms") == Dim.of("1/s")
    assert Dim.of("mm") == Dim.from_map({"[length]": 1})
    assert Dim.of("nA") == Dim.from_map({"[current]": 1})
    assert Dim.of("1") == Dim.of("") == DIMENSIONLESS == Dim()
    assert DIMENSIONLESS.dimensionless and not TIME.dimensionless


def test_dim_algebra():
    mv, ms = Dim.of("mV"), Dim.of("ms")
    assert mv * ms == Dim.of("mV*ms")
    assert mv / ms == Dim.of("mV/ms")
    assert (mv / ms) / ms == Dim.of("mV/ms**2") == mv * ms ** -2
    assert ms ** 2 / ms ** 2 == DIMENSIONLESS
    assert (mv * ms) / (ms * mv) == DIMENSIONLESS
    assert ms ** Fraction(1, 2) * ms ** 0.5 == ms
    assert ms ** -1.5 == Dim.of("ms**-1.5") == Dim.of("s**-1.5")
    assert Dim.of("m/s") == Dim.of("mm/ms") == Dim.of("mm") / ms
    assert Dim.of("mV/nA") == Dim.of("MOhm") == Dim.of("ohm")
    assert Dim.of("nA/mV") == Dim.of("uS") == Dim.of("mS")
    # exponents are exact fractions, zero exponents vanish
    assert Dim.of("ms**-1.5").as_map() == {"[time]": Fraction(-3, 2)}
    assert Dim.from_map({"[time]": 0, "[length]": 1}) == Dim.of("mm")
    assert hash(Dim.of("mV/ms")) == hash(Dim.of("V/s"))


def test_noise_has_unit_time_to_the_minus_one_half():
    assert NOISE_DIM == Dim.of("ms**-0.5") == TIME ** -0.5


@pytest.mark.parametrize("unit, text", [
    ("mV/ms**2", "mV/ms**2"),
    ("Hz", "1/ms"),
    ("kHz", "1/ms"),
    ("1", "1"),
    ("ms**-1.5", "1/ms**1.5"),
    ("ms**0.5", "ms**0.5"),
    ("s", "ms"),
    ("m/s", "mm/ms"),
    ("nA/Hz", "nA*ms"),
    ("uS", "nA/mV"),
    ("MOhm", "mV/nA"),
    ("1/(mV*ms)", "1/(mV*ms)"),
    ("mV*ms", "mV*ms"),
    ("/mV", "1/mV"),
    ("mol", "mmol"),
    ("mM", "mmol/mm**3"),
    ("K", "K"),
])
def test_dim_printing_in_canonical_units(unit, text):
    assert str(Dim.of(unit)) == text == canonical_unit_text(Dim.of(unit))


def test_voltage_fixes_the_mass_unit():
    """mass is printed through mV, nA, ms and mm (mV * nA * ms**3 / mm**2)."""
    assert str(Dim.of("kg")) == "mV*nA*ms**3/mm**2"
    assert str(Dim.of("V")) == "mV"
    assert str(Dim.of("V/A")) == "mV/nA"


# ------------------------------------------------------------------ canonical factors
@pytest.mark.parametrize("unit, factor", [
    ("Hz", 0.001),          # 1 Hz = 0.001 /ms
    ("kHz", 1.0),
    ("s", 1000.0),          # 1 s = 1000 ms
    ("ms", 1.0),
    ("us", 0.001),
    ("\u00b5s", 0.001),
    ("min", 60000.0),
    ("m/s", 1.0),           # 1 m/s = 1 mm/ms
    ("mm/ms", 1.0),
    ("cm", 10.0),
    ("um", 0.001),
    ("uS", 1.0),            # 1 uS = 1 nA/mV
    ("mS", 1000.0),
    ("nS", 0.001),
    ("nA/Hz", 1000.0),      # 1 nA/Hz = 1 nA*s = 1000 nA*ms
    ("mV", 1.0),
    ("V", 1000.0),
    ("uV", 0.001),
    ("nA", 1.0),
    ("pA", 0.001),
    ("MOhm", 1.0),          # 1 MOhm = 1 mV/nA
    ("1/mV", 1.0),
    ("/ms", 1.0),
    ("/s", 0.001),
    ("ms**-1.5", 1.0),
    ("s**-0.5", 1000 ** -0.5),
    ("mV/ms**2", 1.0),
    ("1", 1.0),
])
def test_canonical_factors(unit, factor):
    assert canonical_factor(unit) == pytest.approx(factor, rel=1e-12)


def test_to_canonical():
    assert to_canonical(100.0, "Hz") == pytest.approx(0.1)
    assert to_canonical(2, "s") == pytest.approx(2000.0)
    assert to_canonical(10, "m/s") == pytest.approx(10.0)
    assert to_canonical(3.5, None) == 3.5
    assert to_canonical(3.5, "") == 3.5


# ------------------------------------------------------------------ what is not a unit
@pytest.mark.parametrize("text", ["zeta", "alpha", "x", "tau", "foo/ms", "mss", "h", "e", "degC",
                                  "ms**", "m/", "2", "ms*foo", "hour", "day"])
def test_unknown_or_malformed_units_are_rejected(text):
    with pytest.raises(UnitError):
        parse_unit(text)


def test_unit_error_names_the_bad_atom():
    with pytest.raises(UnitError, match="'zeta'"):
        parse_unit("zeta")
    with pytest.raises(UnitError, match="'foo'"):
        parse_unit("mV/foo")


def _let(expr_text: str):
    result = parse(f"model M:\n    let a = {expr_text}\n")
    assert result.module is not None and not result.removed_text, expr_text
    (let,) = result.module.blocks[0].members
    return let.expr


def test_two_zeta_is_nmm003_not_silently_a_unit():
    assert _let("2 zeta") == ast.Num(2.0, "zeta")  # lexed as a literal with a unit text ...
    text = ("model M:\n    parameter zeta = 0.1\n    let w = 2 zeta\n    state x = 1\n"
            "    d(x)/dt = -x * w * zeta / (1 ms)\n")
    with pytest.raises(NmmError) as info:  # ... that the unit rule refuses
        load_program("m.nmm", text=text)
    assert [(d.code, d.span.line, d.span.col) for d in info.value.diagnostics] == \
        [("NMM003", 3, 15)]


@pytest.mark.parametrize("text, unit", [
    ("0.56 1/mV", "1/mV"),
    ("10 m/s", "m/s"),
    ("0.05 /ms", "/ms"),
    ("0 ms**-1.5", "ms**-1.5"),
    ("3.25 mV", "mV"),
    ("100.0 Hz", "Hz"),
    ("2 ms**2", "ms**2"),
    ("1e-3 mV", "mV"),
    (".5 ms", "ms"),
    ("3. nA", "nA"),
    ("2\tms", "ms"),
    ("5 mV/ms**2", "mV/ms**2"),
    ("1 \u00b5s", "\u00b5s"),
    ("4 MOhm", "MOhm"),
    ("7", None),
])
def test_units_attach_to_literals(text, unit):
    num = _let(text)
    assert isinstance(num, ast.Num) and num.unit == unit
    if unit:
        parse_unit(unit)  # and every one of them is a unit


def test_a_unit_power_does_not_swallow_a_closing_parenthesis():
    assert _let("(2 ms**2)") == ast.Num(2.0, "ms**2")
    assert _let("x / (1 mV/ms**2)") == ast.BinOp("/", ast.Name("x"), ast.Num(1.0, "mV/ms**2"))
    assert _let("(2 ms**(-1.5))") == ast.Num(2.0, "ms**(-1.5)")
    assert Dim.of("ms**(-1.5)") == Dim.of("ms**-1.5")
    assert _let("f(2 ms**2, 3)") == ast.Call("f", (ast.Num(2.0, "ms**2"), ast.Num(3.0)))


def test_arithmetic_stays_arithmetic():
    assert _let("1 / tau") == ast.BinOp("/", ast.Num(1.0), ast.Name("tau"))
    assert _let("8/3") == ast.BinOp("/", ast.Num(8.0), ast.Num(3.0))
    assert _let("2 * x") == ast.BinOp("*", ast.Num(2.0), ast.Name("x"))
    assert _let("2 ms ** 2") == ast.BinOp("**", ast.Num(2.0, "ms"), ast.Num(2.0))
    assert _let("x * 1 / tau") == ast.BinOp("/", ast.BinOp("*", ast.Name("x"), ast.Num(1.0)),
                                            ast.Name("tau"))


def test_keywords_and_calls_are_never_units():
    expr = _let("where(x > 2 and y < 3 or not z, 1, 0)")
    nums = [e for e in ast.walk(expr) if isinstance(e, ast.Num)]
    assert all(n.unit is None for n in nums)
    # `2 exp(x)` is a number followed by a call: a syntax error, not a unit 'exp'
    assert parse("model M:\n    let a = 2 exp(x)\n").removed_text
    # `in` after a number starts the bounds
    result = parse("model M:\n    parameter p = 2 in [0, 3]\n")
    (p,) = result.module.blocks[0].members
    assert p.default == ast.Num(2.0) and p.bounds.hi == ast.Num(3.0)


def test_a_unit_glued_to_a_slash_is_a_unit_and_is_checked():
    """`1 /tau` reads as the literal 1 with unit '/tau' (as `0.05 /ms`): it is reported."""
    text = "model M:\n    parameter tau = 1 ms\n    state x = 1\n    d(x)/dt = x * 1 /tau\n"
    with pytest.raises(NmmError) as info:
        load_program("m.nmm", text=text)
    assert [(d.code, d.span.line, d.span.col) for d in info.value.diagnostics
            if d.is_error] == [("NMM003", 4, 21)]


# ------------------------------------------------------------------ units in models
def test_declared_units_give_dimensions_in_checks():
    text = ("model M:\n"
            "    parameter speed = 10 m/s\n"
            "    parameter length = 40 mm\n"
            "    parameter r = 0.56 1/mV\n"
            "    parameter rate = 100 Hz\n"
            "    parameter sigma = 0.1 ms**-0.5\n"
            "    parameter v0 = 6 mV\n"
            "    state v = 0 mV\n"
            "    state x = 0\n"
            "    let lag = length / speed\n"
            "    d(v)/dt = (v0 - v) / lag + 0 * r\n"
            "    d(x)/dt = rate * tanh(r * (v - v0)) + sigma * xi * sqrt(rate * lag)\n")
    program = load_program("m.nmm", text=text)
    assert not program.bag.items


def test_dimensionless_zero_fits_any_unit_but_one_does_not():
    ok = "model M:\n    state v = 0 mV\n    d(v)/dt = 0 - v / (1 ms) + 0\n"
    assert not load_program("m.nmm", text=ok).bag.items
    bad = "model M:\n    state v = 0 mV\n    d(v)/dt = 1 - v / (1 ms)\n"
    with pytest.raises(NmmError) as info:
        load_program("m.nmm", text=bad)
    assert [d.code for d in info.value.diagnostics] == ["NMM201"]


def test_inf_in_bounds_is_unitless_but_allowed():
    text = ("model M:\n    parameter tau = 10 ms in (0 ms, inf)\n    state x = 1 in [0, inf)\n"
            "    d(x)/dt = -x / tau\n")
    assert not load_program("m.nmm", text=text).bag.items
    assert math.isinf(units.to_canonical(float("inf"), "ms"))
