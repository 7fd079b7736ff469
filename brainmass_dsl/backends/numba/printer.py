"""SymPy -> Python expression text that Numba compiles (math.* functions, no NumPy calls;
`exp`, `exprel`, `tanh`, `erf` and `erfc` are the portable, inline functions of
`brainmass_dsl.libm`).

The printer knows no model: it maps IR symbols to identifiers through `names` and prints
the few IR functions (`exprel`, `Piecewise`, `Min`/`Max`, `Heaviside`, `sign`) it must.
"""
from __future__ import annotations

import keyword
from typing import Dict, Optional

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

#: identifiers the generated module uses itself; model names that collide get a suffix
RESERVED = frozenset({"math", "np", "njit", "prange", "numba", "min", "max", "abs", "range",
                      "float", "int", "len", "print", "exprel", "maximum", "minimum",
                      "first_nonfinite", "fast_normal", "fast_normal_pair", "portable_exp",
                      "portable_exprel", "portable_tanh", "portable_erf", "portable_erfc",
                      "True", "False", "None", "t", "dt"}) | frozenset(keyword.kwlist)


def identifier(name: str) -> str:
    """A safe Python identifier for an IR name (`lambda` -> `lambda_`). Names that begin
    with `_` are the compiler's (a model's names cannot: NMM122) and are kept."""
    if name in RESERVED and name not in ("t", "dt"):
        return name + "_"
    return name


class NumbaPrinter(PythonCodePrinter):
    """Prints expressions for Numba with `math` functions and plain float literals."""

    def __init__(self, names: Optional[Dict[str, str]] = None):
        super().__init__({"fully_qualified_modules": True, "standard": "python3"})
        self.names = names or {}

    def _print_Symbol(self, expr):
        return self.names.get(expr.name, identifier(expr.name))

    def _print_Float(self, expr):
        v = float(expr)
        return repr(v) if v == v and abs(v) != float("inf") else ("math.inf" if v > 0 else "-math.inf")

    def _print_Integer(self, expr):
        return str(int(expr))

    def _print_Rational(self, expr):
        return repr(float(expr))

    def _print_Infinity(self, expr):
        return "math.inf"

    def _print_NegativeInfinity(self, expr):
        return "-math.inf"

    def _print_Pi(self, expr):
        return "math.pi"

    def _print_exp(self, expr):
        """exp -> brainmass_dsl.libm.portable_exp: inline code, the same bits on every backend."""
        return f"portable_exp({self._print(expr.args[0])})"

    def _print_tanh(self, expr):
        """tanh -> brainmass_dsl.libm.portable_tanh (inline, same bits on every backend)."""
        return f"portable_tanh({self._print(expr.args[0])})"

    def _print_erf(self, expr):
        """erf -> brainmass_dsl.libm.portable_erf (inline, same bits on every backend)."""
        return f"portable_erf({self._print(expr.args[0])})"

    def _print_erfc(self, expr):
        """erfc -> brainmass_dsl.libm.portable_erfc (inline, same bits on every backend)."""
        return f"portable_erfc({self._print(expr.args[0])})"

    def _print_exprel(self, expr):
        """exprel -> brainmass_dsl.libm.portable_exprel (inline, same bits on every backend)."""
        return f"portable_exprel({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr):
        x = self._print(expr.args[0])
        return f"(1.0 if {x} > 0 else 0.0)"

    def _print_sign(self, expr):
        x = self._print(expr.args[0])
        return f"(0.0 if {x} == 0 else math.copysign(1.0, {x}))"

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Min(self, expr):
        return self._nested("minimum", expr.args)

    def _print_Max(self, expr):
        return self._nested("maximum", expr.args)

    def _nested(self, func, args):
        """`func(func(a, b), c)`: the module's NaN-propagating `minimum`/`maximum` (as NumPy's;
        Python's max(0.0, nan) is 0.0, which would let a bound hide a diverged state)."""
        out = self._print(args[0])
        for a in args[1:]:
            out = f"{func}({out}, {self._print(a)})"
        return out

    def _print_Piecewise(self, expr):
        out = None
        for value, cond in reversed(expr.args):
            v = self._print(value)
            if cond == sp.true:
                out = v
            else:
                out = f"({v} if {self._print(cond)} else {out if out is not None else 'math.nan'})"
        return out

    def _print_Pow(self, expr, rational=False):
        base, e = expr.args
        if e == sp.Rational(1, 2):
            return f"math.sqrt({self._print(base)})"
        if e == -sp.Rational(1, 2):
            return f"(1.0/math.sqrt({self._print(base)}))"
        if e == -1:
            return f"(1.0/{self.parenthesize(base, sp.printing.precedence.PRECEDENCE['Pow'])})"
        return super()._print_Pow(expr, rational=rational)


def print_expr(expr: sp.Expr, names: Optional[Dict[str, str]] = None) -> str:
    """The Numba text of `expr`.

    >>> x = sp.Symbol('x', real=True); print_expr(sp.Piecewise((x, x > 0), (0, True)))
    '(x if (x > 0) else 0)'
    """
    return NumbaPrinter(names).doprint(expr)
