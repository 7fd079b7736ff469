"""Names every .nmm file can use without declaring them: functions, constants, noise, time.

Each function records its arity and how the dimension of its result follows from its
arguments; the dimension check (`checks/dimensions.py`) reads this table, the SymPy
lowering (`ir/`) has its own table of implementations for the same names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

# how a function's arguments and result are dimensioned
PURE = "pure"            # every argument dimensionless, result dimensionless
SAME = "same"            # every argument the same dimension, result that dimension
SQRT = "sqrt"            # result = argument ** 1/2
KEEP_FIRST = "first"     # abs, sign-like: result = first argument's dimension
WHERE = "where"          # where(cond, a, b): cond boolean, a and b the same dimension
DELAY = "delay"          # delay(state, parameter): parameter is a time, result = state's dimension
TO_NUMBER = "number"     # heaviside, sign: any dimension in, a pure number out


@dataclass(frozen=True)
class Builtin:
    name: str
    min_args: int
    max_args: Optional[int]
    rule: str
    doc: str

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args} arguments"
        if self.min_args == self.max_args:
            return f"{self.min_args} argument{'s' if self.min_args != 1 else ''}"
        return f"{self.min_args} to {self.max_args} arguments"


_TABLE = [
    Builtin("exp", 1, 1, PURE, "e**x"),
    Builtin("log", 1, 1, PURE, "natural logarithm"),
    Builtin("log10", 1, 1, PURE, "base-10 logarithm"),
    Builtin("sqrt", 1, 1, SQRT, "square root (halves the dimension's exponents)"),
    Builtin("tanh", 1, 1, PURE, "hyperbolic tangent"),
    Builtin("sinh", 1, 1, PURE, "hyperbolic sine"),
    Builtin("cosh", 1, 1, PURE, "hyperbolic cosine"),
    Builtin("sin", 1, 1, PURE, "sine (radians)"),
    Builtin("cos", 1, 1, PURE, "cosine (radians)"),
    Builtin("tan", 1, 1, PURE, "tangent (radians)"),
    Builtin("arctan", 1, 1, PURE, "inverse tangent"),
    Builtin("erf", 1, 1, PURE, "error function 2/sqrt(pi) * integral of exp(-s**2) from 0 to x"),
    Builtin("erfc", 1, 1, PURE, "complementary error function 1 - erf(x), accurate for large x"),
    Builtin("sigmoid", 1, 1, PURE, "logistic function 1/(1 + exp(-x))"),
    Builtin("abs", 1, 1, KEEP_FIRST, "absolute value"),
    Builtin("sign", 1, 1, TO_NUMBER, "-1, 0 or 1"),
    Builtin("heaviside", 1, 1, TO_NUMBER, "1 where x > 0, else 0"),
    Builtin("min", 2, None, SAME, "smallest argument"),
    Builtin("max", 2, None, SAME, "largest argument"),
    Builtin("clip", 3, 3, SAME, "clip(x, lo, hi) = min(max(x, lo), hi)"),
    Builtin("where", 3, 3, WHERE, "where(condition, value_if_true, value_if_false)"),
    Builtin("delay", 2, 2, DELAY, "delay(state, lag): the state's value lag ago (lag a time parameter)"),
    Builtin("uniform", 2, 2, SAME, "uniform(lo, hi): a random initial value, drawn per node and "
            "batch member (only as a state's initial value)"),
    Builtin("normal", 2, 2, SAME, "normal(mean, std): a random initial value, drawn per node "
            "and batch member (only as a state's initial value)"),
]

#: the random initial values: only the whole initial value of a state (NMM124)
RANDOM_INIT = ("uniform", "normal")

FUNCTIONS = {b.name: b for b in _TABLE}

#: constants, their values (canonical units) and dimensions (all pure numbers)
CONSTANTS = {"pi": 3.141592653589793, "inf": float("inf")}

#: the current time (ms), usable in equations, lets and outputs
TIME_NAME = "t"

#: names a coupling block may use: the number of nodes of the network it couples
COUPLING_NAMES = ("n_nodes",)

_NOISE = re.compile(r"^xi(?:_[1-9][0-9]*)?$")


def is_noise(name: str) -> bool:
    """`xi`, `xi_1`, `xi_2`, ... are independent standard white noises (unit time**-1/2).

    >>> is_noise("xi"), is_noise("xi_2"), is_noise("xi_0"), is_noise("xinput")
    (True, True, False, False)
    """
    return bool(_NOISE.match(name))


def is_builtin_name(name: str) -> bool:
    return name in FUNCTIONS or name in CONSTANTS or name == TIME_NAME or is_noise(name)
