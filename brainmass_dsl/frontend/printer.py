"""AST -> canonical .nmm text. `parse(format_module(m))` gives back an equal AST.

>>> from brainmass_dsl.frontend.parser import parse
>>> m = parse("model M:\\n  state x = 1 mV\\n  d(x)/dt = -(x) / (2 ms)\\n").module
>>> print(format_module(m), end="")
model M:
    state x = 1 mV
    d(x)/dt = -x / (2 ms)
"""
from __future__ import annotations

import math
import re
from typing import List

from . import ast

# binding strength, higher binds tighter (Python's order)
_PREC = {"or": 1, "and": 2, "not": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "==": 4, "!=": 4,
         "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "**": 8, "atom": 9}


def _prec(e) -> int:
    if isinstance(e, ast.BinOp):
        return _PREC[e.op]
    if isinstance(e, ast.UnaryOp):
        return _PREC["not"] if e.op == "not" else _PREC["neg"]
    return _PREC["atom"]


def _num(e: ast.Num) -> str:
    v = e.value
    if math.isinf(v):
        text = "1e999"  # a literal too large for a float reads back as inf
    else:
        text = str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)
    return f"{text} {e.unit}" if e.unit else text


def format_expr(e: ast.Expr) -> str:
    """Print with the fewest parentheses that keep the tree's shape."""
    if isinstance(e, ast.Num):
        return _num(e)
    if isinstance(e, ast.Name):
        return e.id
    if isinstance(e, ast.Call):
        return f"{e.func}({', '.join(format_expr(a) for a in e.args)})"
    if isinstance(e, ast.UnaryOp):
        inner = _wrap(e.operand, _prec(e) if e.op != "not" else _PREC["not"], right=True,
                      group_unit=False)
        return f"not {inner}" if e.op == "not" else f"{e.op}{inner}"
    if isinstance(e, ast.BinOp):
        p = _PREC[e.op]
        if e.op == "**":
            # right-associative; the base must be an atom in the grammar
            left = format_expr(e.left) if _prec(e.left) == _PREC["atom"] and not _has_unit(e.left) \
                else f"({format_expr(e.left)})"
            right = _wrap(e.right, _PREC["neg"], right=True)
            return f"{left}**{right}"
        if p == 4:  # comparisons do not chain
            return f"{_wrap(e.left, p + 1)} {e.op} {_wrap(e.right, p + 1)}"
        group = e.op in ("*", "/")
        return f"{_wrap(e.left, p, group_unit=group)} {e.op} {_wrap(e.right, p + 1, group_unit=group)}"
    raise TypeError(f"not an expression: {e!r}")


def _has_unit(e) -> bool:
    return isinstance(e, ast.Num) and bool(e.unit)


def _wrap(e, min_prec: int, right: bool = False, group_unit: bool = True) -> str:
    text = format_expr(e)
    needs = _prec(e) < min_prec
    # `-2 ms` and `a + 2 ms` read well, but next to '*', '/' or '**' keep the unit grouped
    if group_unit and _has_unit(e) and min_prec > _PREC["+"]:
        needs = True
    return f"({text})" if needs else text


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _quote(text: str) -> str:
    """A "string" literal for `text` (the parser's escapes: \\\\ \\" \\n \\t \\r)."""
    for a, b in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\t", "\\t"), ("\r", "\\r")):
        text = text.replace(a, b)
    return f'"{text}"'


def _doc(doc) -> str:
    if doc is None:
        return ""
    return " " + _quote(doc)


def _bounds(b) -> str:
    if b is None:
        return ""
    return (f" in {'[' if b.lo_closed else '('}{format_expr(b.lo)}, {format_expr(b.hi)}"
            f"{']' if b.hi_closed else ')'}")


def format_member(m) -> str:
    rep = "replace " if getattr(m, "replace", False) else ""
    if isinstance(m, ast.Docstring):
        body = m.text.replace('"""', '\\"\\"\\"')
        if "\n" in body or body.endswith('"'):
            rest = [ln for ln in body.split("\n")[1:] if ln.strip()]
            # the parser dedents the lines after the first by their common indentation, so a
            # text whose later lines are all indented starts on the line after the quotes
            first = "\n    " if rest and all(ln[:1].isspace() for ln in rest) else ""
            return '"""' + first + body.replace("\n", "\n    ") + '\n    """'
        return f'"""{body}"""'
    if isinstance(m, ast.Meta):
        vals = ", ".join(v if _NAME.fullmatch(v) else _quote(v) for v in m.values)
        return f"{m.key}: {vals}"
    if isinstance(m, ast.Parameter):
        return f"parameter {m.name} = {format_expr(m.default)}{_doc(m.doc)}{_bounds(m.bounds)}"
    if isinstance(m, ast.State):
        return f"state {m.name} = {format_expr(m.init)}{_doc(m.doc)}{_bounds(m.bounds)}"
    if isinstance(m, ast.Input):
        return f"input {m.name} = {format_expr(m.default)}{_doc(m.doc)}"
    if isinstance(m, ast.Let):
        return f"{rep}let {m.name} = {format_expr(m.expr)}{_doc(m.doc)}"
    if isinstance(m, ast.Function):
        return f"{rep}function {m.name}({', '.join(m.params)}) = {format_expr(m.body)}{_doc(m.doc)}"
    if isinstance(m, ast.Equation):
        return f"{rep}d({m.state})/dt = {format_expr(m.rhs)}"
    if isinstance(m, ast.Output):
        if isinstance(m.expr, ast.Name) and m.expr.id == m.name:
            return f"{rep}output {m.name}{_doc(m.doc)}"
        return f"{rep}output {m.name} = {format_expr(m.expr)}{_doc(m.doc)}"
    if isinstance(m, ast.Couples):
        return f"{rep}couples {format_expr(m.expr)}"
    if isinstance(m, ast.Pre):
        return f"pre({', '.join(m.params)}) = {format_expr(m.body)}"
    if isinstance(m, ast.Post):
        return f"post({', '.join(m.params)}) = {format_expr(m.body)}"
    raise TypeError(f"not a member: {m!r}")


def format_block(b: ast.Block) -> str:
    head = f"{b.kind} {b.name}" + (f" extends {b.extends}" if b.extends else "") + ":"
    return "\n".join([head] + ["    " + format_member(m) for m in b.members]) + "\n"


def format_import(i: ast.Import) -> str:
    target = f'"{i.target}"' if i.is_path else i.target
    if i.names is None:
        return f"import {target}"
    return f"from {target} import {', '.join(i.names)}"


def format_module(m: ast.Module) -> str:
    parts: List[str] = []
    if m.imports:
        parts.append("\n".join(format_import(i) for i in m.imports) + "\n")
    parts.extend(format_block(b) for b in m.blocks)
    return "\n".join(parts)
