"""NMM116 (bounds that are empty or not constant), NMM205 (bounds in another unit than the
declaration), NMM108 (a default or initial value outside its bounds)."""
import math

from .. import ast
from ..dimensions import ANY, DimInference, const_value, describe
from ..units import UnitError, to_canonical

CODES = ("NMM108", "NMM116", "NMM205")


def canonical_const(expr):
    """Value of a constant expression in canonical units (units of literals applied), or None."""
    if isinstance(expr, ast.Num):
        try:
            return to_canonical(expr.value, expr.unit)
        except UnitError:
            return None
    if isinstance(expr, ast.UnaryOp) and expr.op in "+-":
        v = canonical_const(expr.operand)
        return None if v is None else (-v if expr.op == "-" else v)
    if isinstance(expr, ast.BinOp) and expr.op in ("+", "-", "*", "/"):
        a, b = canonical_const(expr.left), canonical_const(expr.right)
        if a is None or b is None:
            return None
        if expr.op == "/":
            return a / b if b else None
        return {"+": a + b, "-": a - b, "*": a * b}[expr.op]
    if isinstance(expr, ast.BinOp) and expr.op == "**":
        a, b = canonical_const(expr.left), const_value(expr.right)
        try:
            return None if a is None or b is None else a ** b
        except (OverflowError, ZeroDivisionError, ValueError):
            return None
    return const_value(expr)


def check(ctx):
    inference = DimInference(ctx)
    for m in ctx.rb.members:
        if not isinstance(m, (ast.Parameter, ast.State)) or m.bounds is None:
            continue
        b = m.bounds
        value_expr = m.default if isinstance(m, ast.Parameter) else m.init
        decl_dim = inference.of(value_expr, zero_any=False)
        for side in (b.lo, b.hi):
            d = inference.of(side)
            if d not in (None, ANY) and decl_dim is not None and d != decl_dim \
                    and not _is_infinite(side):
                ctx.report("NMM205", f"bound of '{m.name}' has {describe(d)}, but '{m.name}' has "
                           f"{describe(decl_dim)}", side.span,
                           f"write the bound in the unit of '{m.name}'")
        lo, hi = canonical_const(b.lo), canonical_const(b.hi)
        if lo is None or hi is None:
            continue  # NMM114 reported by the constants rule
        if lo > hi or (lo == hi and not (b.lo_closed and b.hi_closed)):
            ctx.report("NMM116", f"the bounds of '{m.name}' are empty ({lo:g} > {hi:g})"
                       if lo > hi else f"the bounds of '{m.name}' contain no value", b.span,
                       "write the lower bound first: in [lo, hi]")
            continue
        v = canonical_const(value_expr)
        if v is None or math.isnan(v):
            continue
        below = v < lo or (v == lo and not b.lo_closed)
        above = v > hi or (v == hi and not b.hi_closed)
        if below or above:
            word = "default" if isinstance(m, ast.Parameter) else "initial value"
            ctx.report("NMM108", f"the {word} of '{m.name}' is outside its bounds "
                       f"{'[' if b.lo_closed else '('}{_txt(b.lo)}, {_txt(b.hi)}"
                       f"{']' if b.hi_closed else ')'}", value_expr.span,
                       f"choose {'a' if word == 'default' else 'an'} {word} inside the bounds, "
                       "or widen them")


def _is_infinite(expr):
    v = const_value(expr)
    return v is not None and math.isinf(v)


def _txt(expr):
    if isinstance(expr, ast.Num):
        return expr.text
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.UnaryOp):
        return expr.op + _txt(expr.operand)
    return "..."
