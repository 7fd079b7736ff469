"""NMM117: unknown category, or metadata with the wrong number of values."""
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
