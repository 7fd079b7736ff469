"""NMM122: a declared name that begins with `_` or contains `__`.

Those names belong to the compiler: its temporaries (`_h0`, `_c1`, `_f2`, `_k1_x`, `_z0`),
stage values (`x__s2`), next states (`x__next`) and composed names (`noise_x__sigma`,
`coupling__k`). Refusing them in the source makes a collision between a user's name and a
generated one impossible, whatever the compiler generates later.
"""
from .. import ast
from ..symbols import name_span

CODES = ("NMM122",)

_KINDS = {ast.Parameter: "parameter", ast.State: "state", ast.Input: "input", ast.Let: "let",
          ast.Function: "function", ast.Output: "output"}


def is_reserved(name: str) -> bool:
    """True for names the compiler keeps for itself.

    >>> is_reserved("_h0"), is_reserved("x__next"), is_reserved("x_1"), is_reserved("tau_e")
    (True, True, False, False)
    """
    return name.startswith("_") or "__" in name


def _suggest(name: str) -> str:
    core = "_".join(p for p in name.split("_") if p) or "x"
    return core if not core[0].isdigit() else "x" + core


def check(ctx):
    for m in ctx.rb.block.members:
        kind = _KINDS.get(type(m))
        names = []
        if kind is not None:
            names.append((kind, m.name, name_span(m)))
        for p in getattr(m, "params", ()) or ():
            if isinstance(m, (ast.Function, ast.Pre, ast.Post)):
                names.append(("argument", p, m.span))
        for what, name, span in names:
            if is_reserved(name):
                ctx.report("NMM122", f"{what} name '{name}' is reserved: names that begin with "
                           "'_' or contain '__' belong to the compiler's generated code",
                           span, f"rename it, for example to '{_suggest(name)}'")
