"""NMM301 (warning): a parameter nothing uses; NMM302 (warning): an unused let or function."""
from .. import ast

CODES = ("NMM301", "NMM302")


def check(ctx):
    if ctx.rb.block.extends and not ctx.rb.bases:
        return  # the base is missing (NMM112): everything would look unused
    used = set()
    for where, member, expr, local in ctx.expressions():
        if where in ("default", "init", "input", "bounds"):
            continue
        for e in ast.walk(expr):
            if isinstance(e, ast.Name):
                used.add(e.id)
            elif isinstance(e, ast.Call):
                used.add(e.func)
    own = {getattr(m, "name", None) for m in ctx.rb.block.members}
    if ctx.rb.bases and ctx.program is not None and ctx.rb.bases[0] in ctx.program.resolved:
        base = ctx.program.resolved[ctx.rb.bases[0]]
        own -= {getattr(m, "name", None) for m in base.members}
    for name, p in ctx.params.items():
        # an inherited parameter cannot be removed by a derived block: no warning there
        if name not in used and name in own:
            ctx.report("NMM301", f"parameter '{name}' is never used", p.name_span,
                       "remove it, or use it in an equation", severity="warning")
    for table, word in ((ctx.lets, "let"), (ctx.functions, "function")):
        for name, m in table.items():
            if name not in used and name in own:
                ctx.report("NMM302", f"{word} '{name}' is never used", m.name_span,
                           "remove it, or use it", severity="warning")
