"""NMM106 (wrong number of arguments) and NMM118 (recursive function)."""
from .. import ast
from ..builtins import FUNCTIONS

CODES = ("NMM106", "NMM118")


def check(ctx):
    for where, member, expr, local in ctx.expressions():
        for e in ast.walk(expr):
            if not isinstance(e, ast.Call):
                continue
            if e.func in ctx.functions:
                fn = ctx.functions[e.func]
                if len(e.args) != len(fn.params):
                    ctx.report("NMM106", f"{e.func}() takes {len(fn.params)} argument"
                               f"{'s' if len(fn.params) != 1 else ''} ({', '.join(fn.params)}) "
                               f"but {len(e.args)} {'was' if len(e.args) == 1 else 'were'} given", e.span,
                               f"see 'function {e.func}' on line {fn.span.line}")
            elif e.func in FUNCTIONS:
                b = FUNCTIONS[e.func]
                n = len(e.args)
                if n < b.min_args or (b.max_args is not None and n > b.max_args):
                    ctx.report("NMM106", f"{e.func}() takes {b.arity_text()} but {n} "
                               f"{'was' if n == 1 else 'were'} given", e.span, b.doc)
    for name, fn in ctx.functions.items():
        if _calls(ctx, name, name, set()):
            ctx.report("NMM118", f"function '{name}' calls itself", fn.name_span,
                       "functions are expanded inline and cannot be recursive")


def _calls(ctx, target, name, seen):
    for e in ast.walk(ctx.functions[name].body):
        if isinstance(e, ast.Call) and e.func in ctx.functions:
            if e.func == target:
                return True
            if e.func not in seen:
                seen.add(e.func)
                if _calls(ctx, target, e.func, seen):
                    return True
    return False
