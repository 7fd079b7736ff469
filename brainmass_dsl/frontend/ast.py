"""The .nmm abstract syntax tree: frozen dataclasses, every node with a source span.

Expressions are small trees (`Num`, `Name`, `BinOp`, `UnaryOp`, `Call`); a block is a
`model` or `coupling` with an ordered tuple of members. Nothing here knows about units
or SymPy: later stages read these nodes and never modify them.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Iterator, Optional, Tuple, Union


@dataclass(frozen=True)
class Span:
    """A region of a source file; lines and columns are 1-based, `end_col` exclusive."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NO_SPAN = Span("<builtin>", 0, 0, 0, 0)


def _span_field():
    # spans never take part in equality: two parses of the same text at other offsets are equal
    return field(default=NO_SPAN, compare=False, repr=False)


# ------------------------------------------------------------------ expressions
@dataclass(frozen=True)
class Num:
    """A numeric literal with an optional unit text, e.g. `0.05 /ms` -> Num(0.05, '/ms')."""

    value: float
    unit: Optional[str] = None
    text: str = field(default="", compare=False)
    span: Span = _span_field()


@dataclass(frozen=True)
class Name:
    id: str
    span: Span = _span_field()


@dataclass(frozen=True)
class BinOp:
    """`op` is one of + - * / ** < <= > >= == != and or."""

    op: str
    left: "Expr"
    right: "Expr"
    span: Span = _span_field()


@dataclass(frozen=True)
class UnaryOp:
    """`op` is one of - + not."""

    op: str
    operand: "Expr"
    span: Span = _span_field()


@dataclass(frozen=True)
class Call:
    func: str
    args: Tuple["Expr", ...]
    span: Span = _span_field()


Expr = Union[Num, Name, BinOp, UnaryOp, Call]


def walk(expr: Expr) -> Iterator[Expr]:
    """Yield `expr` and every sub-expression, parents first.

    >>> [type(e).__name__ for e in walk(BinOp('+', Name('x'), Num(1.0)))]
    ['BinOp', 'Name', 'Num']
    """
    yield expr
    if isinstance(expr, BinOp):
        yield from walk(expr.left)
        yield from walk(expr.right)
    elif isinstance(expr, UnaryOp):
        yield from walk(expr.operand)
    elif isinstance(expr, Call):
        for a in expr.args:
            yield from walk(a)


def names_in(expr: Expr) -> Iterator[Name]:
    """Every `Name` read by `expr` (function names of calls are not included)."""
    return (e for e in walk(expr) if isinstance(e, Name))


# ------------------------------------------------------------------ members of a block
@dataclass(frozen=True)
class Bounds:
    """`in [lo, hi]`; `lo_closed`/`hi_closed` tell a bracket from a parenthesis."""

    lo: Expr
    hi: Expr
    lo_closed: bool = True
    hi_closed: bool = True
    span: Span = _span_field()


@dataclass(frozen=True)
class Docstring:
    text: str
    span: Span = _span_field()


@dataclass(frozen=True)
class Meta:
    """`category: physiological`, `aliases: A, B`, `reference: "..."`."""

    key: str
    values: Tuple[str, ...]
    span: Span = _span_field()


@dataclass(frozen=True)
class Parameter:
    name: str
    default: Expr
    doc: Optional[str] = None
    bounds: Optional[Bounds] = None
    span: Span = _span_field()
    name_span: Span = _span_field()


@dataclass(frozen=True)
class State:
    name: str
    init: Expr
    doc: Optional[str] = None
    bounds: Optional[Bounds] = None
    span: Span = _span_field()
    name_span: Span = _span_field()


@dataclass(frozen=True)
class Input:
    name: str
    default: Expr
    doc: Optional[str] = None
    span: Span = _span_field()
    name_span: Span = _span_field()


@dataclass(frozen=True)
class Let:
    name: str
    expr: Expr
    doc: Optional[str] = None
    replace: bool = False
    span: Span = _span_field()
    name_span: Span = _span_field()


@dataclass(frozen=True)
class Function:
    name: str
    params: Tuple[str, ...]
    body: Expr
    doc: Optional[str] = None
    replace: bool = False
    span: Span = _span_field()
    name_span: Span = _span_field()


@dataclass(frozen=True)
class Equation:
    """`d(state)/dt = rhs`."""

    state: str
    rhs: Expr
    replace: bool = False
    span: Span = _span_field()
    name_span: Span = _span_field()


@dataclass(frozen=True)
class Output:
    """`output name = expr`; `output x` is short for `output x = x`."""

    name: str
    expr: Expr
    doc: Optional[str] = None
    replace: bool = False
    span: Span = _span_field()
    name_span: Span = _span_field()


@dataclass(frozen=True)
class Couples:
    """`couples expr`: what a node sends to its neighbours in a network."""

    expr: Expr
    replace: bool = False
    span: Span = _span_field()


@dataclass(frozen=True)
class Pre:
    """`pre(x_i, x_j) = ...`: a coupling's per-edge term (x_j is the delayed source)."""

    params: Tuple[str, ...]
    body: Expr
    span: Span = _span_field()


@dataclass(frozen=True)
class Post:
    """`post(s) = ...`: a coupling's map of the weighted row sum."""

    params: Tuple[str, ...]
    body: Expr
    span: Span = _span_field()


Member = Union[Docstring, Meta, Parameter, State, Input, Let, Function, Equation, Output,
               Couples, Pre, Post]

#: members that declare a name usable in expressions, and the word for them in messages
NAMED_KINDS = {Parameter: "parameter", State: "state", Input: "input", Let: "let",
               Function: "function", Output: "output"}


# ------------------------------------------------------------------ file level
@dataclass(frozen=True)
class Block:
    """`model Name [extends Base]:` or `coupling Name:` and its members in source order."""

    kind: str
    name: str
    members: Tuple[Member, ...]
    extends: Optional[str] = None
    span: Span = _span_field()
    name_span: Span = _span_field()
    extends_span: Span = _span_field()

    def of_type(self, cls):
        return [m for m in self.members if isinstance(m, cls)]

    @property
    def docstring(self) -> Optional[str]:
        docs = self.of_type(Docstring)
        return docs[0].text if docs else None

    def meta(self, key: str) -> Tuple[str, ...]:
        return tuple(v for m in self.of_type(Meta) if m.key == key for v in m.values)


@dataclass(frozen=True)
class Import:
    """`import name` / `import "file.nmm"` (names=None: every block) or `from x import A, B`."""

    target: str
    names: Optional[Tuple[str, ...]] = None
    is_path: bool = False
    span: Span = _span_field()


@dataclass(frozen=True)
class Module:
    """One parsed .nmm file."""

    file: str
    imports: Tuple[Import, ...]
    blocks: Tuple[Block, ...]


def with_members(block: Block, members) -> Block:
    """A copy of `block` with other members (AST nodes are immutable)."""
    return replace(block, members=tuple(members))


def child_nodes(node) -> Iterator[object]:
    """Direct dataclass children of an AST node (for generic walks)."""
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, tuple):
            yield from (v for v in value if hasattr(v, "__dataclass_fields__"))
        elif hasattr(value, "__dataclass_fields__") and not isinstance(value, Span):
            yield value
