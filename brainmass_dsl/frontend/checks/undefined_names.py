"""NMM101 (undefined name) and NMM107 (unknown function)."""
from .. import ast
from ..builtins import CONSTANTS, COUPLING_NAMES, FUNCTIONS, TIME_NAME, is_noise
from ..suggest import Candidate, did_you_mean

CODES = ("NMM101", "NMM107")


def _known_values(ctx):
    names = set(ctx.params) | set(ctx.states) | set(ctx.inputs) | set(ctx.lets)
    if ctx.is_coupling:
        names |= set(COUPLING_NAMES)
    return names | set(CONSTANTS) | {TIME_NAME}


def _known_functions(ctx):
    """Every callable name, with its arity: the block's functions, then the built-ins."""
    own = [Candidate(name, "function", len(f.params)) for name, f in sorted(ctx.functions.items())]
    return own + [Candidate(b.name, "function", (b.min_args, b.max_args))
                  for b in FUNCTIONS.values()]


def check(ctx):
    values = _known_values(ctx)
    functions = _known_functions(ctx)
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
                hint = did_you_mean(e.id, sorted(scope)) or \
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
                ctx.report("NMM107", f"unknown function '{e.func}'", e.span,
                           did_you_mean(e.func, functions, kind="function", arity=len(e.args))
                           or "define it with 'function NAME(args) = ...'")
