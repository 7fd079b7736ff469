"""Dimension inference over the AST (compile time only; kernels never see units).

`DimInference(ctx).of(expr)` returns a `Dim`, `BOOL` for conditions, `ANY` for a value that
fits every dimension (a bare `0` inside an expression, or a coupling's generic argument), or
`None` when an error was already reported. Errors: NMM201 (adding different dimensions),
NMM202 (dimensional argument to exp/log/...), NMM204 (dimensional exponent).
"""
from __future__ import annotations

import math
from typing import Dict, Optional, Tuple

from . import ast
from .builtins import CONSTANTS, COUPLING_NAMES, DELAY, FUNCTIONS, KEEP_FIRST, PURE, SAME, SQRT, TIME_NAME, \
    TO_NUMBER, WHERE, is_noise
from .units import DIMENSIONLESS, TIME, Dim, UnitError


class _Marker:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


BOOL = _Marker("BOOL")
ANY = _Marker("ANY")
NOISE_DIM = TIME ** -0.5


def describe(d) -> str:
    if d is BOOL:
        return "a condition"
    if d is ANY or d is None:
        return "any unit"
    return str(d)


def literal_dim(num: ast.Num) -> Optional[Dim]:
    if not num.unit:
        return DIMENSIONLESS
    try:
        return Dim.of(num.unit)
    except UnitError:
        return None  # NMM003 is reported by the unit-literal rule


def const_value(expr: ast.Expr) -> Optional[float]:
    """The numeric value of a constant expression in its own units (no names), else None."""
    if isinstance(expr, ast.Num):
        return expr.value
    if isinstance(expr, ast.Name) and expr.id in CONSTANTS:
        return CONSTANTS[expr.id]
    if isinstance(expr, ast.UnaryOp) and expr.op in "+-":
        v = const_value(expr.operand)
        return None if v is None else (-v if expr.op == "-" else v)
    if isinstance(expr, ast.BinOp) and expr.op in ("+", "-", "*", "/", "**"):
        a, b = const_value(expr.left), const_value(expr.right)
        if a is None or b is None:
            return None
        try:
            return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None,
                    "**": a ** b}[expr.op]
        except (OverflowError, ZeroDivisionError, ValueError):
            return None
    return None


class DimInference:
    """Infers dimensions of a block's expressions, memoising declared names."""

    def __init__(self, ctx, report=None):
        self.ctx = ctx
        self.report = report or ctx.report
        self.memo: Dict[str, object] = {}
        self._busy: set = set()
        self._fn_memo: Dict[Tuple[str, Tuple], object] = {}

    # ---------------------------------------------------------------- declared names
    def of_name(self, name: str, span: ast.Span = ast.NO_SPAN):
        ctx = self.ctx
        if name in self.memo:
            return self.memo[name]
        if name in self._busy:
            return None  # a cycle (NMM105)
        self._busy.add(name)
        try:
            if name in ctx.params:
                d = self.of(ctx.params[name].default, zero_any=False)
            elif name in ctx.states:
                d = self.of(ctx.states[name].init, zero_any=False)
            elif name in ctx.inputs:
                d = self.of(ctx.inputs[name].default, zero_any=False)
            elif name in ctx.lets:
                d = self.of(ctx.lets[name].expr)
            elif name == TIME_NAME:
                d = TIME
            elif name in CONSTANTS or (name in COUPLING_NAMES and ctx.is_coupling):
                d = DIMENSIONLESS
            elif is_noise(name):
                d = NOISE_DIM
            else:
                d = None
        finally:
            self._busy.discard(name)
        if d is ANY and name not in ctx.lets:
            d = DIMENSIONLESS
        self.memo[name] = d
        return d

    # ---------------------------------------------------------------- expressions
    def of(self, expr: ast.Expr, local: Optional[Dict[str, object]] = None, zero_any: bool = True):
        local = local or {}
        if isinstance(expr, ast.Num):
            if zero_any and expr.value == 0 and not expr.unit:
                return ANY
            return literal_dim(expr)
        if isinstance(expr, ast.Name):
            if expr.id in local:
                return local[expr.id]
            return self.of_name(expr.id, expr.span)
        if isinstance(expr, ast.UnaryOp):
            d = self.of(expr.operand, local, zero_any)
            if expr.op == "not":
                return self._need_bool(d, expr.operand)
            if d is BOOL:
                self.report("NMM201", f"'{expr.op}' applied to a condition", expr.span,
                            "use where(condition, a, b) to turn a condition into a value")
                return None
            return d
        if isinstance(expr, ast.BinOp):
            return self._binop(expr, local, zero_any)
        if isinstance(expr, ast.Call):
            return self._call(expr, local, zero_any)
        return None

    def _need_bool(self, d, e):
        if d is not BOOL and d is not None:
            self.report("NMM201", "expected a condition (a comparison) here", e.span,
                        "compare with <, <=, >, >=, == or != ")
            return None
        return BOOL if d is BOOL else None

    def _same(self, a, b, expr, what: str):
        """Unify two dimensions that must agree; report NMM201 if they do not."""
        if a is None or b is None:
            return None
        if a is ANY:
            return b
        if b is ANY:
            return a
        if a is BOOL or b is BOOL:
            if a is b:
                return BOOL
            self.report("NMM201", f"cannot {what} a condition and a value", expr.span,
                        "use where(condition, a, b) to turn a condition into a value")
            return None
        if a != b:
            self.report("NMM201", f"cannot {what} {describe(a)} and {describe(b)}", expr.span,
                        "both sides must have the same dimension; check the units of the "
                        "parameters involved")
            return None
        return a

    def _binop(self, e: ast.BinOp, local, zero_any):
        op = e.op
        if op in ("and", "or"):
            a = self._need_bool(self.of(e.left, local, zero_any), e.left)
            b = self._need_bool(self.of(e.right, local, zero_any), e.right)
            return BOOL if (a is BOOL and b is BOOL) else None
        a = self.of(e.left, local, zero_any)
        if op == "**":
            return self._power(e, a, local)
        b = self.of(e.right, local, zero_any)
        if op in ("+", "-"):
            return self._same(a, b, e, "add" if op == "+" else "subtract")
        if op in ("<", "<=", ">", ">=", "==", "!="):
            return BOOL if self._same(a, b, e, "compare") is not None else None
        if a is None or b is None:
            return None
        if a is BOOL or b is BOOL:
            self.report("NMM201", f"'{op}' applied to a condition", e.span,
                        "use where(condition, a, b) to turn a condition into a value")
            return None
        if a is ANY or b is ANY:
            return ANY
        return a * b if op == "*" else a / b

    def _power(self, e: ast.BinOp, base, local):
        exp_dim = self.of(e.right, local)
        if exp_dim not in (None, ANY, BOOL) and not exp_dim.dimensionless:
            self.report("NMM204", f"the exponent has dimension {describe(exp_dim)}", e.right.span,
                        "an exponent must be a pure number")
            return None
        if base is None or base is ANY:
            return base
        if base is BOOL:
            self.report("NMM201", "'**' applied to a condition", e.span)
            return None
        if base.dimensionless:
            return base
        p = const_value(e.right)
        if p is not None and not math.isfinite(p):
            self.report("NMM204", f"{describe(base)} raised to the power {p}", e.span,
                        "the exponent of a quantity with a unit must be a finite number")
            return None
        if p is None:
            self.report("NMM204", f"{describe(base)} raised to a non-constant power",
                        e.span, "only pure numbers can be raised to a variable power; divide by "
                        "a reference value first, e.g. (x / x0)**n")
            return None
        return base ** p

    def _call(self, e: ast.Call, local, zero_any):
        ctx = self.ctx
        if e.func in ctx.functions and e.func not in local:
            fn = ctx.functions[e.func]
            if len(e.args) != len(fn.params):
                return None  # NMM106
            arg_dims = tuple(self.of(a, local, zero_any) for a in e.args)
            key = (e.func, tuple(id(d) if not isinstance(d, Dim) else d for d in arg_dims))
            if key in self._fn_memo:
                return self._fn_memo[key]
            if (e.func,) in self._busy:
                return None  # recursion (NMM118)
            self._busy.add((e.func,))
            try:
                result = self.of(fn.body, dict(zip(fn.params, arg_dims)))
            finally:
                self._busy.discard((e.func,))
            self._fn_memo[key] = result
            return result
        b = FUNCTIONS.get(e.func)
        if b is None:
            return None  # NMM107
        if len(e.args) < b.min_args or (b.max_args is not None and len(e.args) > b.max_args):
            return None  # NMM106
        if b.rule == DELAY:
            return self.of(e.args[0], local, zero_any)  # the lag is checked by the delay rule
        dims = [self.of(a, local, zero_any) for a in e.args]
        if b.rule == PURE:
            for a, d in zip(e.args, dims):
                if d is BOOL:
                    self.report("NMM202", f"{e.func}() of a condition", a.span)
                elif d not in (None, ANY) and not d.dimensionless:
                    self.report("NMM202", f"{e.func}() needs a pure number, but its argument "
                                f"has dimension {describe(d)}", a.span,
                                "divide by a reference value or multiply by a rate, e.g. "
                                "exp(r * (v - v0)) with r in 1/mV")
            return DIMENSIONLESS
        if b.rule == SQRT:
            d = dims[0]
            return d if d in (None, ANY) else (None if d is BOOL else d ** 0.5)
        if b.rule == KEEP_FIRST:
            return dims[0] if dims[0] is not BOOL else None
        if b.rule == TO_NUMBER:
            return DIMENSIONLESS
        if b.rule == SAME:
            out = dims[0]
            for d in dims[1:]:
                out = self._same(out, d, e, f"mix in {e.func}()")
            return out
        if b.rule == WHERE:
            self._need_bool(dims[0], e.args[0])
            return self._same(dims[1], dims[2], e, "choose in where() between")
        return None
