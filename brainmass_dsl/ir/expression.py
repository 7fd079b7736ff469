"""Lower one expression in .nmm syntax against a block's names (a network's coupled variable)."""
from __future__ import annotations

import sympy as sp

from ..frontend import ast
from ..frontend.diagnostics import DiagnosticBag
from ..frontend.parser import parse_expression
from ..frontend.resolve import ResolvedBlock
from ..frontend.symbols import BlockContext
from .lower import _Lowerer, sym


def lower_expression(rb: ResolvedBlock, program, text: str,
                     what: str = "coupled variable") -> sp.Expr:
    """The SymPy expression of `text`, which may name the block's states, parameters, lets
    and inputs (and `pi`). Raises NmmError on a syntax error, ValueError on another name."""
    expr = parse_expression(text)
    ctx = BlockContext.build(rb, DiagnosticBag(), program)
    known = set(ctx.states) | set(ctx.params) | set(ctx.lets) | set(ctx.inputs)
    for n in ast.names_in(expr):
        if n.id not in known and n.id != "pi":
            raise ValueError(f"{what} {text!r}: {n.id!r} is not a state, parameter or "
                             f"let of {rb.name} (states: {', '.join(ctx.states)})")
    return _Lowerer(ctx, {n: sym(n) for n in known}).expr(expr)
