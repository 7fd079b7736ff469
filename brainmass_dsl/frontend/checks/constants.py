"""NMM114: parameter defaults, initial states, input defaults and bounds must be constants."""
from .. import ast
from ..builtins import CONSTANTS, RANDOM_INIT

CODES = ("NMM114",)

_WHAT = {"default": "the default of a parameter", "init": "the initial value of a state",
         "input": "the default of an input", "bounds": "a bound"}


def check(ctx):
    for where, member, expr, local in ctx.expressions():
        if where not in _WHAT:
            continue
        if where == "init" and isinstance(expr, ast.Call) and expr.func in RANDOM_INIT:
            # a random initial value: its arguments must be constants (NMM124 checks the rest)
            exprs = expr.args
        else:
            exprs = (expr,)
        for e in (x for arg in exprs for x in ast.walk(arg)):
            if isinstance(e, ast.Name) and e.id not in CONSTANTS:
                ctx.report("NMM114", f"{_WHAT[where]} must be a number, not an expression of "
                           f"'{e.id}'", e.span,
                           "write a literal with its unit (e.g. 10 ms); use a 'let' for "
                           "quantities derived from parameters")
                break
            if isinstance(e, ast.Call):
                ctx.report("NMM114", f"{_WHAT[where]} must be a number, not a call of "
                           f"{e.func}()", e.span, "write a literal with its unit (e.g. 10 ms)")
                break
