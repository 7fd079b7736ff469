"""NMM101 (undefined name) and NMM107 (unknown function)."""
import difflib

from .. import ast
from ..builtins import CONSTANTS, COUPLING_NAMES, FUNCTIONS, TIME_NAME, is_noise

CODES = ("NMM101", "NMM107")


def _known_values(ctx):
    names = set(ctx.params) | set(ctx.states) | set(ctx.inputs) | set(ctx.lets)
    if ctx.is_coupling:
        names |= set(COUPLING_NAMES)
    return names | set(CONSTANTS) | {TIME_NAME}


def check(ctx):
    values = _known_values(ctx)
    for where, member, expr, local in ctx.expressions():
        scope = values | set(local)
        for e in ast.walk(expr):
            if isinstance(e, ast.Name):
                if e.id in scope or is_noise(e.id):
                    continue
                if e.id in ctx.functions or e.id in FUNCTIONS:
                    ctx.report("NMM101", f"'{e.id}' is a function; call it with arguments",
                               e.span, f"write {e.id}(...)")
                    continue
                close = difflib.get_close_matches(e.id, sorted(scope), n=1)
                hint = f"did you mean '{close[0]}'?" if close else \
                    "declare it with parameter, state, input or let"
                if e.id in {"dt"}:
                    hint = "the time step is not a model quantity; the integrator applies it"
                ctx.report("NMM101", f"undefined name '{e.id}'", e.span, hint)
            elif isinstance(e, ast.Call):
                if e.func in ctx.functions or e.func in FUNCTIONS:
                    continue
                if e.func in scope:
                    ctx.report("NMM107", f"'{e.func}' is a value, not a function", e.span,
                               f"declare it with 'function {e.func}(...) = ...' or remove the "
                               "parentheses")
                    continue
                close = difflib.get_close_matches(e.func, sorted(set(ctx.functions) | set(FUNCTIONS)), n=1)
                ctx.report("NMM107", f"unknown function '{e.func}'", e.span,
                           f"did you mean '{close[0]}'?" if close else
                           "define it with 'function NAME(args) = ...'")
