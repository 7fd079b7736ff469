"""Physical units: parse unit text with pint, compare dimensions, convert to canonical units.

Canonical unit system (what every compiled kernel works in, so kernels are unit-free):

=============  =========  =============================================
dimension      unit       notes
=============  =========  =============================================
time           ms         `t`, `dt`, every time constant
length         mm         speed mm/ms = m/s
current        nA
voltage        mV         (fixes the mass unit: mV * nA * ms**3 / mm**2)
frequency      1/ms       100 Hz -> 0.1 /ms
conductance    nA/mV      = uS
amount         mmol
temperature    K
=============  =========  =============================================

A quantity written `be = 100.0 Hz` has the *declared* unit Hz (what users pass and read)
and the *canonical* value 0.1 (what the kernel sees).

>>> d = Dim.of("mV/ms**2")
>>> str(d), str(Dim.of("Hz")), str(Dim.of("1")), str(Dim.of("ms**-1.5"))
('mV/ms**2', '1/ms', '1', '1/ms**1.5')
>>> canonical_factor("Hz"), canonical_factor("m/s"), canonical_factor("uS")
(0.001, 1.0, 1.0)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Dict, Tuple

_BASES = ("[mass]", "[length]", "[time]", "[current]", "[substance]", "[temperature]",
          "[luminosity]")


class UnitError(ValueError):
    """A unit text that pint cannot read, with a human explanation."""


@lru_cache(maxsize=1)
def registry():
    """The shared pint registry (created on first use: pint's start-up costs ~0.3 s)."""
    import pint

    from .._resources import cache_dir

    try:  # pint caches its parsed definitions on disk: ~0.1 s instead of ~1 s per process
        return pint.UnitRegistry(autoconvert_offset_to_baseunit=True,
                                 cache_folder=cache_dir() / "pint")
    except Exception:  # a read-only cache folder: parse the definitions again
        return pint.UnitRegistry(autoconvert_offset_to_baseunit=True)


def _frac(x) -> Fraction:
    return Fraction(x).limit_denominator(1000)


@dataclass(frozen=True)
class Dim:
    """A dimension as exponents of the base dimensions; `Dim()` is a pure number."""

    exps: Tuple[Tuple[str, Fraction], ...] = ()

    # ---------------------------------------------------------------- construction
    @staticmethod
    def from_map(m: Dict[str, Fraction]) -> "Dim":
        return Dim(tuple(sorted((k, _frac(v)) for k, v in m.items() if _frac(v) != 0)))

    @staticmethod
    def of(unit_text: str) -> "Dim":
        """Dimension of a unit text such as 'mV/ms**2' (raises UnitError)."""
        return Dim.from_map(dict(parse_unit(unit_text).dimensionality))

    # ---------------------------------------------------------------- algebra
    def as_map(self) -> Dict[str, Fraction]:
        return dict(self.exps)

    def __mul__(self, other: "Dim") -> "Dim":
        m = self.as_map()
        for k, v in other.exps:
            m[k] = m.get(k, 0) + v
        return Dim.from_map(m)

    def __truediv__(self, other: "Dim") -> "Dim":
        return self * other ** -1

    def __pow__(self, p) -> "Dim":
        p = _frac(p)
        return Dim.from_map({k: v * p for k, v in self.exps})

    @property
    def dimensionless(self) -> bool:
        return not self.exps

    # ---------------------------------------------------------------- printing
    def canonical_exponents(self) -> Dict[str, Fraction]:
        """Exponents of the canonical units mV, nA, ms, mm, mmol, K, cd for this dimension."""
        m = self.as_map()
        a = m.get("[mass]", Fraction(0))
        out = {"mV": a, "nA": m.get("[current]", 0) + a, "ms": m.get("[time]", 0) + 3 * a,
               "mm": m.get("[length]", 0) - 2 * a, "mmol": m.get("[substance]", 0),
               "K": m.get("[temperature]", 0), "cd": m.get("[luminosity]", 0)}
        return {k: _frac(v) for k, v in out.items() if v != 0}

    def __str__(self) -> str:
        return canonical_unit_text(self)


TIME = Dim.from_map({"[time]": 1})
DIMENSIONLESS = Dim()


def _power_text(unit: str, p: Fraction) -> str:
    if p == 1:
        return unit
    text = str(p.numerator) if p.denominator == 1 else f"{float(p):g}"
    return f"{unit}**{text}"


def canonical_unit_text(dim: Dim) -> str:
    """The canonical unit of a dimension as text, e.g. 'mV/ms**2', '1/ms', '1'."""
    exps = dim.canonical_exponents()
    num = [_power_text(u, p) for u, p in exps.items() if p > 0]
    den = [_power_text(u, -p) for u, p in exps.items() if p < 0]
    text = "*".join(num) or "1"
    if den:
        text += "/" + ("*".join(den) if len(den) == 1 else "(" + "*".join(den) + ")")
    return text


# Units are written next to numbers (`3 mV`), so only real unit symbols may appear there:
# pint alone would also read `2 zeta` or `2 alpha` (a prefix, the fine-structure constant).
_PREFIXES = ("", "G", "M", "k", "c", "m", "u", "\u00b5", "\u03bc", "n", "p", "f")
_SYMBOLS = ("s", "Hz", "V", "A", "S", "F", "ohm", "Ohm", "\u03a9", "\u2126", "m", "M", "mol",
            "L", "l", "g", "W", "J", "C", "K", "rad")
_STANDALONE = ("min", "deg", "degree", "percent", "dimensionless", "second", "hertz", "volt",
               "ampere", "siemens", "farad", "meter", "metre", "radian", "kelvin")
UNIT_ATOMS = frozenset([p + s for p in _PREFIXES for s in _SYMBOLS] + list(_STANDALONE))
_ATOM = re.compile(r"[A-Za-z_\u00b5\u03bc\u2126\u03a9][A-Za-z0-9_]*")


@lru_cache(maxsize=512)
def parse_unit(text: str):
    """A pint Unit for `text`; '/ms' and '1/mV' are accepted; raises UnitError."""
    from pint.errors import DefinitionSyntaxError, UndefinedUnitError

    t = text.strip()
    if t in ("", "1"):
        return registry().dimensionless
    if t.startswith("/"):
        t = "1" + t
    for atom in _ATOM.findall(t):
        if atom not in UNIT_ATOMS:
            raise UnitError(f"unknown unit {atom!r} in {text!r}")
    t = t.replace("Ohm", "ohm")  # pint knows 'ohm' and 'MΩ' but not 'MOhm'
    try:
        unit = registry().parse_units(t)
    except UndefinedUnitError as e:
        bad = getattr(e, "unit_names", None) or str(e)
        bad = bad[0] if isinstance(bad, (list, tuple)) else bad
        raise UnitError(f"unknown unit {bad!r} in {text!r}") from None
    except (DefinitionSyntaxError, ValueError, TypeError, AttributeError, KeyError,
            SyntaxError, ZeroDivisionError) as e:
        raise UnitError(f"cannot read unit {text!r}: {e}") from None
    except Exception as e:  # pint raises a variety of errors on odd text
        raise UnitError(f"cannot read unit {text!r}: {e}") from None
    return unit


@lru_cache(maxsize=512)
def canonical_factor(text: str) -> float:
    """How many canonical units one `text` unit is (Hz -> 0.001 because 1 Hz = 0.001 /ms)."""
    unit = parse_unit(text)
    dim = Dim.from_map(dict(unit.dimensionality))
    target = " * ".join(f"{u}**{float(p)!r}" for u, p in dim.canonical_exponents().items())
    q = registry().Quantity(1.0, unit)
    return float(f"{q.to(target or 'dimensionless').magnitude:.15g}")


def to_canonical(value: float, unit_text) -> float:
    """`value` in unit `unit_text` (None = dimensionless) expressed in canonical units."""
    return float(value) if not unit_text else float(value) * canonical_factor(unit_text)
