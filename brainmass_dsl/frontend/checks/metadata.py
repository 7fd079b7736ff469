"""NMM117: unknown category, an invalid alias, `returns:` naming something that is not an
output of the model (`returns:` chooses which outputs `update()` returns, in order), or
`hold:` naming something that is not a let of the model (`hold:` lets are evaluated once per
step, from the state at its start, and held over the step: see docs/language.md)."""
from .. import ast

CODES = ("NMM117",)

CATEGORIES = ("phenomenological", "physiological", "network", "noise", "forward", "horn",
              "coupling", "observation")


def check(ctx):
    for m in ctx.rb.block.members:
        if not isinstance(m, ast.Meta):
            continue
        if m.key == "category":
            if len(m.values) != 1 or m.values[0] not in CATEGORIES:
                ctx.report("NMM117", f"unknown category {', '.join(m.values)!r}", m.span,
                           "categories: " + ", ".join(CATEGORIES))
        elif m.key == "aliases":
            for v in m.values:
                if not v.isidentifier():
                    ctx.report("NMM117", f"alias {v!r} is not a valid name", m.span,
                               "aliases are names such as JansenRitModel")
        elif m.key == "returns":
            if ctx.rb.kind != "model":
                ctx.report("NMM117", "'returns' is for model blocks", m.span,
                           "a coupling has no update() to return from")
                continue
            for v in m.values:
                if v not in ctx.outputs:
                    ctx.report("NMM117", f"returns {v!r}, which is not an output of "
                               f"{ctx.rb.name}", m.span,
                               "outputs: " + (", ".join(ctx.outputs) or "none"))
        elif m.key == "hold":
            if ctx.rb.kind != "model":
                ctx.report("NMM117", "'hold' is for model blocks", m.span,
                           "a coupling is evaluated once per step already")
                continue
            for v in m.values:
                if v not in ctx.lets:
                    ctx.report("NMM117", f"hold {v!r}, which is not a let of {ctx.rb.name}",
                               m.span, "lets: " + (", ".join(ctx.lets) or "none"))
