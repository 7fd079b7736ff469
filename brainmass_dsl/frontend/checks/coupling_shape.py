"""NMM111: a coupling needs exactly one pre(x_i, x_j) and one post(s); NMM106 for their arity."""
from .. import ast

CODES = ("NMM111", "NMM106")


def check(ctx):
    if not ctx.is_coupling:
        return
    pres, posts = ctx.rb.of_type(ast.Pre), ctx.rb.of_type(ast.Post)
    block = ctx.rb.block
    if not pres:
        ctx.report("NMM111", f"coupling '{block.name}' has no pre(x_i, x_j)", block.name_span,
                   "add the per-edge term, e.g. 'pre(x_i, x_j) = x_j - x_i'")
    if not posts:
        ctx.report("NMM111", f"coupling '{block.name}' has no post(s)", block.name_span,
                   "add the map of the weighted sum, e.g. 'post(s) = k * s'")
    for p in pres:
        if len(p.params) != 2:
            ctx.report("NMM106", f"pre takes 2 arguments (x_i, x_j) but declares "
                       f"{len(p.params)}", p.span, "write pre(x_i, x_j) = ...")
    for p in posts:
        if len(p.params) != 1:
            ctx.report("NMM106", f"post takes 1 argument (the weighted sum) but declares "
                       f"{len(p.params)}", p.span, "write post(s) = ...")
