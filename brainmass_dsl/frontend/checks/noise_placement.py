"""NMM110: a white noise `xi` used anywhere but on the right-hand side of d(x)/dt
(or in an output of a `category: noise` model, which wires white noise into an input)."""
from .. import ast
from ..builtins import is_noise

CODES = ("NMM110",)


def check(ctx):
    for where, member, expr, local in ctx.expressions():
        if where == "equation" or (where == "output" and ctx.rb.category == "noise"):
            continue
        for e in ast.names_in(expr):
            if is_noise(e.id) and e.id not in local:
                ctx.report("NMM110", f"white noise '{e.id}' can only appear in an equation "
                           "d(x)/dt = ...", e.span,
                           "write the noise term directly into the equation, e.g. "
                           "d(x)/dt = f(x) + sigma * xi")
