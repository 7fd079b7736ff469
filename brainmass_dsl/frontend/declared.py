"""What a checked block declares, asked by the layers above the frontend (the runtime).

>>> from brainmass_dsl.frontend import load_program
>>> rb = load_program("<doc>", text="model M:\\n    parameter a = 1 /ms\\n    state x = 0\\n"
...                   "    d(x)/dt = -a * x\\n    couples x\\n").block("M")
>>> declared_names(rb, "parameter"), coupled_expression(rb)
(['a'], 'x')
"""
from __future__ import annotations

from typing import List, Optional

from . import ast
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
