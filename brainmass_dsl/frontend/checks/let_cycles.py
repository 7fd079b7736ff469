"""NMM105: lets that depend on each other in a cycle."""
from .. import ast

CODES = ("NMM105",)


def check(ctx):
    reported = set()
    for start in ctx.lets:
        path = _cycle_from(ctx, start, [])
        if path and frozenset(path) not in reported:
            reported.add(frozenset(path))
            let = ctx.lets[path[0]]
            ctx.report("NMM105", "lets depend on each other in a cycle: "
                       + " -> ".join(path + [path[0]]), let.name_span,
                       "a let can only use lets that do not use it back; make one of them a state")


def _cycle_from(ctx, name, stack):
    if name in stack:
        return stack[stack.index(name):]
    for ref in ast.names_in(ctx.lets[name].expr):
        if ref.id in ctx.lets:
            found = _cycle_from(ctx, ref.id, stack + [name])
            if found:
                return found
    return None
