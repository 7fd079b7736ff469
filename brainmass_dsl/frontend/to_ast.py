"""Lark parse tree -> frozen `ast` dataclasses with spans (string tokens unquoted)."""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

from lark import Token, v_args
from lark.visitors import Transformer_NonRecursive

from . import ast

_NUMBER = re.compile(r"(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:[ \t]+(?P<unit>\S+))?$")
#: the marker of a statement that error recovery replaced (see `parser.parse`)
RECOVERED = "__nmm_recovered__"


def _span(file: str, meta_or_token) -> ast.Span:
    m = meta_or_token
    return ast.Span(file, m.line, m.column, m.end_line, m.end_column)


@dataclass(frozen=True)
class _Doc:
    text: str


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(tok: str) -> str:
    """The text of a string token. A docstring is dedented as Python's `inspect.cleandoc`
    does (the first line does not count); in a "string", backslash escapes \\n \\t \\r \\" \\\\
    are decoded and any other backslash is kept as written (non-ASCII text stays as is)."""
    if tok.startswith('"""'):
        return inspect.cleandoc(tok[3:-3]).strip()
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), tok[1:-1])


@v_args(meta=True)
class ToAst(Transformer_NonRecursive):
    """Lark parse tree -> frozen `ast` dataclasses with spans (without recursion, so that a
    long sum such as `x + x + ... + x` cannot exhaust Python's stack)."""

    def __init__(self, file: str):
        super().__init__()
        self.file = file

    def _s(self, x):
        return _span(self.file, x)

    # ---------------------------------------------------------------- file, imports
    def start(self, meta, children):
        imports = tuple(c for c in children if isinstance(c, ast.Import))
        blocks = tuple(c for c in children if isinstance(c, ast.Block))
        return ast.Module(self.file, imports, blocks)

    def import_target(self, meta, children):
        (c,) = children
        if isinstance(c, Token):
            return (_unquote(c), True)
        return (c, False)

    def dotted_name(self, meta, children):
        return ".".join(str(c) for c in children)

    def name_list(self, meta, children):
        return tuple(str(c) for c in children)

    def import_all(self, meta, children):
        target, is_path = children[0]
        return ast.Import(target, None, is_path, self._s(meta))

    def import_from(self, meta, children):
        (target, is_path), names = children
        return ast.Import(target, names, is_path, self._s(meta))

    # ---------------------------------------------------------------- blocks
    def extends_clause(self, meta, children):
        return ("extends", str(children[0]), self._s(children[0]))

    def block(self, meta, children):
        kind, name = str(children[0]), children[1]
        extends, extends_span, members = None, ast.NO_SPAN, []
        for c in children[2:]:
            if isinstance(c, tuple) and c and c[0] == "extends":
                extends, extends_span = c[1], c[2]
            else:
                members.append(c)
        members = [m for m in members if not (isinstance(m, ast.Meta) and RECOVERED in m.values)]
        return ast.Block(kind, str(name), tuple(members), extends, self._s(meta), self._s(name),
                         extends_span)

    def docstring(self, meta, children):
        return ast.Docstring(_unquote(children[0]), self._s(meta))

    def meta(self, meta, children):
        key = str(children[0])
        values = tuple(_unquote(c) if c.type == "STRING" else str(c) for c in children[1:])
        return ast.Meta(key, values, self._s(meta))

    def doc(self, meta, children):
        return _Doc(_unquote(children[0]))

    @staticmethod
    def _split_replace(children):
        if children and isinstance(children[0], Token) and children[0].type == "REPLACE":
            return True, list(children[1:])
        return False, list(children)

    @staticmethod
    def _extras(rest):
        doc = next((r.text for r in rest if isinstance(r, _Doc)), None)
        bounds = next((r for r in rest if isinstance(r, ast.Bounds)), None)
        return doc, bounds

    def parameter(self, meta, children):
        name, value, *rest = children
        doc, bounds = self._extras(rest)
        return ast.Parameter(str(name), value, doc, bounds, self._s(meta), self._s(name))

    def state(self, meta, children):
        name, value, *rest = children
        doc, bounds = self._extras(rest)
        return ast.State(str(name), value, doc, bounds, self._s(meta), self._s(name))

    def input_decl(self, meta, children):
        name, value, *rest = children
        doc, _ = self._extras(rest)
        return ast.Input(str(name), value, doc, self._s(meta), self._s(name))

    def let_decl(self, meta, children):
        rep, (name, value, *rest) = self._split_replace(children)
        doc, _ = self._extras(rest)
        return ast.Let(str(name), value, doc, rep, self._s(meta), self._s(name))

    def function_decl(self, meta, children):
        rep, (name, params, body, *rest) = self._split_replace(children)
        doc, _ = self._extras(rest)
        return ast.Function(str(name), tuple(params or ()), body, doc, rep, self._s(meta),
                            self._s(name))

    def equation(self, meta, children):
        rep, (name, rhs) = self._split_replace(children)
        return ast.Equation(str(name), rhs, rep, self._s(meta), self._s(name))

    def output(self, meta, children):
        rep, rest = self._split_replace(children)
        name = rest[0]
        expr = rest[1] if len(rest) > 1 and not isinstance(rest[1], _Doc) else None
        doc, _ = self._extras(rest[1:])
        if expr is None:
            expr = ast.Name(str(name), self._s(name))
        return ast.Output(str(name), expr, doc, rep, self._s(meta), self._s(name))

    def couples(self, meta, children):
        rep, (expr,) = self._split_replace(children)
        return ast.Couples(expr, rep, self._s(meta))

    def pre_decl(self, meta, children):
        return ast.Pre(tuple(children[0]), children[1], self._s(meta))

    def post_decl(self, meta, children):
        return ast.Post(tuple(children[0]), children[1], self._s(meta))

    def param_names(self, meta, children):
        return tuple(str(c) for c in children)

    def bound_open(self, meta, children):
        return str(children[0])

    bound_close = bound_open

    def bounds(self, meta, children):
        open_, lo, hi, close = children
        return ast.Bounds(lo, hi, open_ == "[", close == "]", self._s(meta))

    # ---------------------------------------------------------------- expressions
    def number(self, meta, children):
        (tok,) = children
        m = _NUMBER.match(str(tok))
        return ast.Num(float(m.group("num")), m.group("unit"), str(tok), self._s(tok))

    def name(self, meta, children):
        return ast.Name(str(children[0]), self._s(children[0]))

    def call(self, meta, children):
        name, args = children
        return ast.Call(str(name), tuple(args or ()), self._s(meta))

    def args(self, meta, children):
        return list(children)

    def _bin(op):  # noqa: N805 - a small factory of transformer methods
        def method(self, meta, children):
            return ast.BinOp(op, children[0], children[1], self._s(meta))
        return method

    add, sub, mul, div, pow = _bin("+"), _bin("-"), _bin("*"), _bin("/"), _bin("**")
    and_op, or_op = _bin("and"), _bin("or")

    def compare(self, meta, children):
        left, op, right = children
        return ast.BinOp(str(op), left, right, self._s(meta))

    def neg(self, meta, children):
        return ast.UnaryOp("-", children[0], self._s(meta))

    def pos(self, meta, children):
        return ast.UnaryOp("+", children[0], self._s(meta))

    def not_op(self, meta, children):
        return ast.UnaryOp("not", children[0], self._s(meta))
