"""NMM105: lets that depend on each other in a cycle."""
from .. import ast

CODES = ("NMM105",)


def check(ctx):
    """Depth-first search with the usual colouring (each let is explored once, so a long
    chain of lets that reuse each other costs linear time, not one walk per path)."""
    deps = {name: [r.id for r in ast.names_in(let.expr) if r.id in ctx.lets]
            for name, let in ctx.lets.items()}
    done, stack, on_stack, reported = set(), [], set(), set()

    def visit(name):
        stack.append(name)
        on_stack.add(name)
        for ref in deps[name]:
            if ref in on_stack:
                path = stack[stack.index(ref):]
                if frozenset(path) not in reported:
                    reported.add(frozenset(path))
                    ctx.report("NMM105", "lets depend on each other in a cycle: "
                               + " -> ".join(path + [path[0]]), ctx.lets[path[0]].name_span,
                               "a let can only use lets that do not use it back; make one of "
                               "them a state")
            elif ref not in done:
                visit(ref)
        stack.pop()
        on_stack.discard(name)
        done.add(name)

    for start in ctx.lets:
        if start not in done:
            visit(start)
