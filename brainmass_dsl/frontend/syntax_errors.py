"""Syntax errors as diagnostics (NMM001, NMM002): where, what was expected in words, and a
template of the statement as a hint."""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from . import ast
from .diagnostics import DiagnosticBag
from .grammar import IndentationMismatch, lark_parser

_TERMINAL_WORDS = {
    "NAME": "a name", "NUMBER": "a number", "STRING": 'a "string"', "LONG_STRING": 'a """docstring"""',
    "_NL": "end of line", "_INDENT": "an indented line", "_DEDENT": "end of the block",
    "$END": "end of file", "COMP_OP": "a comparison", "BLOCK_KIND": "'model' or 'coupling'",
    "META_KEY": "'category', 'aliases', 'reference', 'use_case', 'doi', 'returns' or 'hold'",
    "REPLACE": "'replace'",
}

_TEMPLATES = {
    "parameter": 'parameter NAME = VALUE [unit] ["description"] [in [lo, hi]]',
    "state": 'state NAME = INITIAL [unit] ["description"] [in [lo, hi]]',
    "input": 'input NAME = DEFAULT [unit] ["description"]',
    "let": "let NAME = EXPRESSION",
    "function": "function NAME(arg1, arg2) = EXPRESSION",
    "d": "d(STATE)/dt = EXPRESSION",
    "output": "output NAME = EXPRESSION   (or: output STATE)",
    "couples": "couples EXPRESSION",
    "pre": "pre(x_i, x_j) = EXPRESSION",
    "post": "post(s) = EXPRESSION",
    "model": "model NAME [extends BASE]:   (then indented members)",
    "coupling": "coupling NAME:   (then indented members)",
    "import": 'import NAME   or   import "file.nmm"   or   from NAME import A, B',
    "from": "from NAME import A, B",
}


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    try:
        value = lark_parser().get_terminal(name).pattern.value
        return "'d(STATE)/dt'" if value == "d" else repr(value)
    except (KeyError, AttributeError):
        return name


def _first_word(line: str) -> str:
    m = re.match(r"\s*(?:replace\s+)?([A-Za-z_]\w*)", line)
    return m.group(1) if m else ""


def _unclosed_bracket(lines: List[str]) -> Optional[Tuple[str, int, int]]:
    """The first bracket of the text that is never closed: (char, line, col), or None."""
    stack: List[Tuple[str, int, int]] = []
    for i, text in enumerate(lines, start=1):
        code = re.sub(r'"(?:[^"\\\n]|\\.)*"|#.*', lambda m: " " * len(m.group()), text)
        for j, c in enumerate(code, start=1):
            if c in "([":
                stack.append((c, i, j))
            elif c in ")]" and stack:
                stack.pop()
    return stack[0] if stack else None


def _at_end_of_input(err: UnexpectedInput, lines: List[str]) -> bool:
    if isinstance(err, UnexpectedEOF):
        return True
    tok = getattr(err, "token", None)
    if not isinstance(err, UnexpectedToken) or tok is None:
        return False
    if tok.type == "$END":
        return True
    # the indenter's closing dedents at the end of the text carry no position of their own
    return tok.type == "_DEDENT" and not str(tok) and (
        tok.end_line is None or tok.end_line > len(lines)
        or not any(ln.strip() for ln in lines[(tok.line or 1):]))


def syntax_diagnostic(err: UnexpectedInput, lines: List[str], file: str, bag: DiagnosticBag):
    line = max(1, getattr(err, "line", 1) or 1)
    col = max(1, getattr(err, "column", 1) or 1)
    tok = getattr(err, "token", None)
    if _at_end_of_input(err, lines):
        # report inside the file: at a bracket never closed, else after the last statement
        unclosed = _unclosed_bracket(lines)
        if unclosed is not None:
            ch, bline, bcol = unclosed
            bag.add("NMM001", f"unexpected end of file: {ch!r} is never closed",
                    ast.Span(file, bline, bcol, bline, bcol + 1),
                    f"close it with {')' if ch == '(' else ']'!r}")
        else:
            last = max((i for i, ln in enumerate(lines, start=1) if ln.strip()), default=1)
            src = lines[last - 1] if last <= len(lines) else ""
            end = len(src.rstrip()) + 1
            bag.add("NMM001", "unexpected end of file", ast.Span(file, last, end, last, end + 1),
                    "the last statement or block is incomplete; a block needs at least one "
                    "indented member")
        return len(lines) + 1
    if isinstance(err, UnexpectedToken) and tok.type in ("_INDENT", "_DEDENT"):
        line = tok.end_line or line
    src = lines[line - 1] if line <= len(lines) else ""
    first, _ = logical_range(lines, line) if line <= len(lines) else (line, line)
    template = _TEMPLATES.get(_first_word(lines[first - 1] if first <= len(lines) else ""))
    hint = f"this statement should read: {template}" if template else None
    if hint is None:
        first_line = lines[first - 1] if first <= len(lines) else ""
        hint = ("a file holds imports and blocks ('model NAME:' or 'coupling NAME:'), each "
                "followed by its members indented by 4 spaces"
                if not first_line[:1].isspace() else
                "a member is one of: parameter, state, input, let, function, d(x)/dt = ..., "
                "output, couples, pre(...), post(...), category:, aliases:, or a docstring")
    if isinstance(err, IndentationMismatch):
        bag.add("NMM002", "this line's indentation matches no enclosing block",
                ast.Span(file, line, 1, line, len(src) - len(src.lstrip()) + 1),
                "indent every member of a block by the same amount (4 spaces)")
        return line
    if isinstance(err, UnexpectedCharacters):
        ch = src[col - 1] if col - 1 < len(src) else "?"
        msg = f"unexpected character {ch!r}"
        span = ast.Span(file, line, col, line, col + 1)
    elif isinstance(err, UnexpectedEOF):
        msg = "unexpected end of file"
        span = ast.Span(file, line, col, line, col + 1)
    elif isinstance(err, UnexpectedToken):
        tok = err.token
        if tok.type == "$END":
            msg = "unexpected end of file"
            line = len(lines)
            span = ast.Span(file, line, 1, line, 2)
        elif tok.type == "_NL":
            msg = "unexpected end of line"
            span = ast.Span(file, line, col, line, col + 1)
        elif tok.type in ("_INDENT", "_DEDENT"):
            indent = len(src) - len(src.lstrip())
            if tok.type == "_INDENT":
                msg = "unexpected indentation"
                hint = "indent this line like the members before it"
            else:
                msg = "unexpected end of block"
                hint = hint or ("a block needs at least one member: parameter, state, let, "
                                "function, input, output, d(x)/dt = ..., couples, pre, post")
            span = ast.Span(file, line, 1, line, indent + 1)
        else:
            msg = f"unexpected {str(tok)!r}"
            span = ast.Span(file, tok.line, tok.column, tok.end_line or tok.line,
                            tok.end_column or tok.column + len(str(tok)))
            line = tok.line
    else:
        msg = str(err).splitlines()[0]
        span = ast.Span(file, line, col, line, col + 1)
    # `accepts` (LALR) leaves out the lookaheads of default reductions that `expected` lists
    expected = sorted({_describe_terminal(t) for t in (getattr(err, "accepts", None)
                                                        or getattr(err, "expected", None)
                                                        or getattr(err, "allowed", None) or ())})
    if expected:
        if len(expected) > 8:
            expected = expected[:8] + ["..."]
        msg += "; expected " + ", ".join(expected)
    bag.add("NMM001", msg, span, hint)
    return line


def logical_range(lines: List[str], lineno: int) -> Tuple[int, int]:
    """First and last physical line (1-based) of the statement that contains `lineno`."""
    depth, start = 0, 1
    starts = []
    for i, text in enumerate(lines, start=1):
        if depth == 0:
            start = i
        starts.append(start)
        code = re.sub(r'"(?:[^"\\]|\\.)*"|#.*', "", text)
        depth = max(0, depth + sum(code.count(c) for c in "([") - sum(code.count(c) for c in ")]"))
    first = starts[min(lineno, len(lines)) - 1]
    last = first
    while last < len(lines) and starts[last] == first:
        last += 1
    return first, last
