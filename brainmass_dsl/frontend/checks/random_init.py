"""NMM124: a random initial value (`uniform(lo, hi)`, `normal(mean, std)`) is the whole initial
value of a state, with an interval that is not empty (lo < hi) and a std that is not negative;
anywhere else (an equation, a let, a parameter default, inside a larger expression) it has no
meaning: it is drawn once, when the states are initialised."""
from .. import ast
from ..builtins import RANDOM_INIT
from .bounds import canonical_const

CODES = ("NMM124",)


def check(ctx):
    for where, member, expr, local in ctx.expressions():
        top = where == "init" and isinstance(expr, ast.Call) and expr.func in RANDOM_INIT
        for e in ast.walk(expr):
            if not (isinstance(e, ast.Call) and e.func in RANDOM_INIT) or e.func in ctx.functions:
                continue
            if not (top and e is expr):
                ctx.report("NMM124", f"{e.func}() draws a random initial value; it can only be "
                           "the whole initial value of a state", e.span,
                           f"write it as 'state x = {e.func}(a, b)'; a noise term is xi "
                           "(white noise) or a noise process wired to an input")
        if not top or len(expr.args) != 2:
            continue                                   # NMM106 for the arity
        a, b = (canonical_const(x) for x in expr.args)
        if a is None or b is None:
            continue                                   # NMM114
        if expr.func == "uniform" and not a < b:
            ctx.report("NMM124", f"uniform({a:g}, {b:g}) is an empty interval", expr.span,
                       "write the lower end first: uniform(lo, hi) with lo < hi")
        if expr.func == "normal" and b < 0:
            ctx.report("NMM124", f"normal(mean, std) with a negative std ({b:g})", expr.span,
                       "the second argument is the standard deviation (>= 0)")
