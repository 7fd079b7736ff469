"""What a checked block declares, asked by the layers above the frontend (the runtime).

>>> from brainmass_dsl.frontend import load_program
>>> rb = load_program("<doc>", text="model M:\\n    parameter a = 1 /ms\\n    state x = 0\\n"
...                   "    d(x)/dt = -a * x\\n    couples x\\n").block("M")
>>> declared_names(rb, "parameter"), coupled_expression(rb)
(['a'], 'x')
>>> rb = load_program("<doc>", text="model M:\\n    parameter tau = 10 ms in (0 ms, 1 s]\\n"
...                   "    state x = 0\\n    d(x)/dt = -x / tau\\n").block("M")
>>> declared_bounds(rb)["tau"]
ParameterBounds(lo=0.0, hi=1000.0, lo_closed=False, hi_closed=True, text='(0 ms, 1 s]')
"""
from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional

from . import ast
from .checks.bounds import canonical_const
from .printer import format_expr
from .resolve import ResolvedBlock

_KINDS = {"parameter": ast.Parameter, "state": ast.State, "input": ast.Input, "let": ast.Let,
          "function": ast.Function, "output": ast.Output}


def declared_names(rb: ResolvedBlock, kind: str) -> List[str]:
    """Names of the block's declarations of `kind` ('parameter', 'state', 'input', 'let',
    'function' or 'output'), in the order written."""
    return [m.name for m in rb.of_type(_KINDS[kind])]


def coupled_expression(rb: ResolvedBlock) -> Optional[str]:
    """The text of what the block couples (its last `couples`), or None."""
    couples = rb.of_type(ast.Couples)
    return format_expr(couples[-1].expr) if couples else None


class ParameterBounds(NamedTuple):
    """A parameter's declared bounds in canonical units, and their text as written."""

    lo: float
    hi: float
    lo_closed: bool
    hi_closed: bool
    text: str


def declared_bounds(rb: ResolvedBlock) -> Dict[str, ParameterBounds]:
    """{parameter name: ParameterBounds} for every parameter of the block that declares
    bounds the compiler accepts (constant ones; NMM114/NMM116 refuse the others)."""
    out = {}
    for p in rb.of_type(ast.Parameter):
        b = p.bounds
        if b is None:
            continue
        lo, hi = canonical_const(b.lo), canonical_const(b.hi)
        if lo is None or hi is None:
            continue
        text = (f"{'[' if b.lo_closed else '('}{format_expr(b.lo)}, {format_expr(b.hi)}"
                f"{']' if b.hi_closed else ')'}")
        out[p.name] = ParameterBounds(float(lo), float(hi), b.lo_closed, b.hi_closed, text)
    return out
