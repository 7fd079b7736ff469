"""Text -> AST: the Lark LALR parser (`grammar`), a transformer to `ast` nodes (`to_ast`),
and statement-level error recovery so that every syntax error of a file is reported
(`syntax_errors`); expressions nested too deeply are dropped (`expr_depth`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

from lark.exceptions import UnexpectedInput

from . import ast
from .diagnostics import DiagnosticBag, NmmError
from .expr_depth import MAX_EXPR_DEPTH, drop_too_deep
from .grammar import IndentationMismatch, lark_parser
from .syntax_errors import logical_range, syntax_diagnostic
from .to_ast import RECOVERED, ToAst

__all__ = ["parse", "parse_expression", "ParseResult", "MAX_EXPR_DEPTH"]

_PLACEHOLDER = f"aliases: {RECOVERED}"  # what a dropped statement becomes, to parse on


@dataclass
class ParseResult:
    module: Optional[ast.Module]
    removed_text: str  # text of statements dropped by error recovery


def parse(text: str, file: str = "<string>", bag: Optional[DiagnosticBag] = None,
          max_errors: int = 50) -> ParseResult:
    """Parse `text`; syntax errors go to `bag` and the offending statements are dropped.

    >>> parse("model M:\\n    state x = 1\\n    d(x)/dt = -x\\n").module.blocks[0].name
    'M'
    """
    bag = bag if bag is not None else DiagnosticBag()
    bag.sources[file] = text
    lines = text.split("\n")
    removed: List[str] = []
    seen_lines = set()
    for _ in range(max_errors):
        try:
            tree = lark_parser().parse("\n".join(lines) + "\n", start="start")
        except UnexpectedInput as err:
            errline = syntax_diagnostic(err, text.split("\n"), file, bag)
            src = lines[errline - 1] if errline <= len(lines) else ""
            stripped = src.lstrip()
            structural = isinstance(err, IndentationMismatch) or re.match(
                r"(model|coupling|import|from)\b", stripped) or errline > len(lines)
            if structural or errline in seen_lines or not stripped:
                return ParseResult(None, "\n".join(removed))
            seen_lines.add(errline)
            first, last = logical_range(lines, errline)
            if not lines[first - 1][:1].isspace():
                # an unindented statement is a block header or an import: nothing to drop
                return ParseResult(None, "\n".join(removed))
            indent = lines[first - 1][: len(lines[first - 1]) - len(lines[first - 1].lstrip())]
            removed.extend(lines[first - 1:last])
            lines[first - 1] = indent + _PLACEHOLDER
            for k in range(first, last):
                lines[k] = ""
            continue
        module = ToAst(file).transform(tree)
        module = drop_too_deep(module, lines, bag, removed)
        return ParseResult(module, "\n".join(removed))
    return ParseResult(None, "\n".join(removed))


def parse_expression(text: str, file: str = "<expression>") -> ast.Expr:
    """One expression in .nmm syntax (e.g. a network's coupled variable "E - I").

    Raises NmmError (NMM001) on a syntax error.
    """
    bag = DiagnosticBag()
    bag.sources[file] = text
    try:
        tree = lark_parser().parse(text.strip(), start="expr")
    except UnexpectedInput as err:
        syntax_diagnostic(err, text.split("\n"), file, bag)
        raise NmmError(bag) from None
    return ToAst(file).transform(tree)
