"""A resolved block's symbol table (`BlockContext`) and its lets in dependency order.

The frontend's public face for what a block declares: the semantic rules (`checks/`) see a
block through it, and so do the lowering to IR and `describe`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Tuple

from . import ast
from .diagnostics import DiagnosticBag
from .resolve import ResolvedBlock


@dataclass
class BlockContext:
    rb: ResolvedBlock
    bag: DiagnosticBag
    program: object = None
    params: Dict[str, ast.Parameter] = field(default_factory=dict)
    states: Dict[str, ast.State] = field(default_factory=dict)
    inputs: Dict[str, ast.Input] = field(default_factory=dict)
    lets: Dict[str, ast.Let] = field(default_factory=dict)
    functions: Dict[str, ast.Function] = field(default_factory=dict)
    outputs: Dict[str, ast.Output] = field(default_factory=dict)
    equations: Dict[str, ast.Equation] = field(default_factory=dict)

    @staticmethod
    def build(rb: ResolvedBlock, bag: DiagnosticBag, program=None) -> "BlockContext":
        ctx = BlockContext(rb, bag, program)
        for m in rb.members:
            table = {ast.Parameter: ctx.params, ast.State: ctx.states, ast.Input: ctx.inputs,
                     ast.Let: ctx.lets, ast.Function: ctx.functions, ast.Output: ctx.outputs}
            if isinstance(m, ast.Equation):
                ctx.equations.setdefault(m.state, m)
            elif type(m) in table:
                table[type(m)].setdefault(m.name, m)
        return ctx

    # ---------------------------------------------------------------- lookups
    def value_decl(self, name: str):
        """The parameter/state/input/let declaring `name` (functions excluded)."""
        for table in (self.params, self.states, self.inputs, self.lets):
            if name in table:
                return table[name]
        return None

    @property
    def is_coupling(self) -> bool:
        return self.rb.kind == "coupling"

    def expressions(self) -> Iterator[Tuple[str, object, ast.Expr, Tuple[str, ...]]]:
        """(where, member, expression, local names) for every expression of the block.

        `where` is one of: default, init, bounds, let, function, equation, output, couples,
        pre, post, input. Local names are function or pre/post parameters.
        """
        for m in self.rb.members:
            if isinstance(m, ast.Parameter):
                yield "default", m, m.default, ()
                if m.bounds:
                    yield "bounds", m, m.bounds.lo, ()
                    yield "bounds", m, m.bounds.hi, ()
            elif isinstance(m, ast.State):
                yield "init", m, m.init, ()
                if m.bounds:
                    yield "bounds", m, m.bounds.lo, ()
                    yield "bounds", m, m.bounds.hi, ()
            elif isinstance(m, ast.Input):
                yield "input", m, m.default, ()
            elif isinstance(m, ast.Let):
                yield "let", m, m.expr, ()
            elif isinstance(m, ast.Function):
                yield "function", m, m.body, m.params
            elif isinstance(m, ast.Equation):
                yield "equation", m, m.rhs, ()
            elif isinstance(m, ast.Output):
                yield "output", m, m.expr, ()
            elif isinstance(m, ast.Couples):
                yield "couples", m, m.expr, ()
            elif isinstance(m, ast.Pre):
                yield "pre", m, m.body, m.params
            elif isinstance(m, ast.Post):
                yield "post", m, m.body, m.params

    def report(self, code: str, message: str, span: ast.Span, hint: Optional[str] = None,
               severity: str = "error") -> None:
        self.bag.add(code, message, span, hint, severity)


def name_span(m) -> ast.Span:
    s = getattr(m, "name_span", ast.NO_SPAN)
    return s if s != ast.NO_SPAN else m.span


def let_order(ctx: BlockContext) -> List[str]:
    """Lets in dependency order (cycles broken arbitrarily; NMM105 reports them)."""
    order: List[str] = []
    state: Dict[str, int] = {}

    def visit(n: str):
        if state.get(n) == 2 or state.get(n) == 1:
            return
        state[n] = 1
        for ref in ast.names_in(ctx.lets[n].expr):
            if ref.id in ctx.lets:
                visit(ref.id)
        state[n] = 2
        order.append(n)

    for n in ctx.lets:
        visit(n)
    return order
