"""Text -> AST: the Lark LALR parser with an indenter, a transformer to `ast` nodes,
and statement-level error recovery so that every syntax error of a file is reported.
"""
from __future__ import annotations

import hashlib
import inspect
import re
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import List, Optional, Tuple

from lark import Lark, Token, v_args
from lark.visitors import Transformer_NonRecursive
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.indenter import Indenter

from .._resources import cache_dir, data_dir
from . import ast
from .diagnostics import DiagnosticBag

_NUMBER = re.compile(r"(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:[ \t]+(?P<unit>\S+))?$")
_PLACEHOLDER = "aliases: __nmm_recovered__"
_RECOVERED = "__nmm_recovered__"


class _IndentationError(UnexpectedInput):
    """A dedent to a column that matches no enclosing block."""

    def __init__(self, token: Token):
        self.line, self.column = token.end_line, 1
        self.token = token

    def __str__(self):
        return "inconsistent indentation"


class NmmIndenter(Indenter):
    NL_type = "_NL"
    OPEN_PAREN_types = ["LPAR", "LSQB"]
    CLOSE_PAREN_types = ["RPAR", "RSQB"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8

    def handle_NL(self, token):
        if self.paren_level > 0:
            return
        yield token
        indent_str = token.rsplit("\n", 1)[1]
        indent = indent_str.count(" ") + indent_str.count("\t") * self.tab_len
        if indent > self.indent_level[-1]:
            self.indent_level.append(indent)
            yield Token.new_borrow_pos(self.INDENT_type, indent_str, token)
        else:
            while indent < self.indent_level[-1]:
                self.indent_level.pop()
                yield Token.new_borrow_pos(self.DEDENT_type, indent_str, token)
            if indent != self.indent_level[-1]:
                raise _IndentationError(token)


class _TakesSpace:
    """Whether a child counts for the span of its node: a statement ends with its last token,
    not with the newline (which runs on over blank lines and comments) or the dedent after it.

    A class with a fixed ``str`` (not a function, whose ``str`` holds its address) because Lark
    hashes ``str(option)`` into its cache key: a function would miss the cache in every process.
    """

    def __call__(self, child) -> bool:
        return not (isinstance(child, Token) and child.type in ("_NL", "_INDENT", "_DEDENT"))

    def __repr__(self) -> str:
        return "brainmass_dsl.frontend.parser._TakesSpace()"


_takes_space = _TakesSpace()


@lru_cache(maxsize=1)
def _lark() -> Lark:
    """The parser; Lark's grammar analysis is cached on disk (keyed by grammar and options)."""
    grammar = (data_dir("grammar") / "nmm.lark").read_text()
    options = dict(parser="lalr", lexer="contextual", postlex=NmmIndenter(),
                   propagate_positions=_takes_space, maybe_placeholders=True,
                   start=["start", "expr"])
    try:
        folder = cache_dir() / "parser"
        folder.mkdir(parents=True, exist_ok=True)
        key = grammar + repr(sorted((k, str(v)) for k, v in options.items()
                                    if k not in ("postlex", "propagate_positions")))
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        return Lark(grammar, cache=str(folder / f"nmm-{digest}.lark.cache"), **options)
    except OSError:  # a read-only cache folder: analyse the grammar each time
        return Lark(grammar, **options)


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
class _ToAst(Transformer_NonRecursive):
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
        members = [m for m in members if not (isinstance(m, ast.Meta) and _RECOVERED in m.values)]
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


# ------------------------------------------------------------------ syntax errors
_TERMINAL_WORDS = {
    "NAME": "a name", "NUMBER": "a number", "STRING": 'a "string"', "LONG_STRING": 'a """docstring"""',
    "_NL": "end of line", "_INDENT": "an indented line", "_DEDENT": "end of the block",
    "$END": "end of file", "COMP_OP": "a comparison", "BLOCK_KIND": "'model' or 'coupling'",
    "META_KEY": "'category', 'aliases', 'reference', 'use_case' or 'doi'",
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
        value = _lark().get_terminal(name).pattern.value
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


def _syntax_diagnostic(err: UnexpectedInput, lines: List[str], file: str, bag: DiagnosticBag):
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
    first, _ = _logical_range(lines, line) if line <= len(lines) else (line, line)
    template = _TEMPLATES.get(_first_word(lines[first - 1] if first <= len(lines) else ""))
    hint = f"this statement should read: {template}" if template else None
    if hint is None:
        first_line = lines[first - 1] if first <= len(lines) else ""
        hint = ("a file holds imports and blocks ('model NAME:' or 'coupling NAME:'), each "
                "followed by its members indented by 4 spaces"
                if not first_line[:1].isspace() else
                "a member is one of: parameter, state, input, let, function, d(x)/dt = ..., "
                "output, couples, pre(...), post(...), category:, aliases:, or a docstring")
    if isinstance(err, _IndentationError):
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


def _logical_range(lines: List[str], lineno: int) -> Tuple[int, int]:
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


#: deepest expression tree accepted; later stages (checks, SymPy, printers) walk expressions
#: recursively, and a deeper tree would exhaust Python's stack there
MAX_EXPR_DEPTH = 200


def _expr_depth(expr) -> int:
    best, stack = 0, [(expr, 1)]
    while stack:
        e, d = stack.pop()
        best = max(best, d)
        if isinstance(e, ast.BinOp):
            stack += [(e.left, d + 1), (e.right, d + 1)]
        elif isinstance(e, ast.UnaryOp):
            stack.append((e.operand, d + 1))
        elif isinstance(e, ast.Call):
            stack += [(a, d + 1) for a in e.args]
    return best


def _member_depth(m) -> int:
    exprs = []
    for f in fields(m):
        v = getattr(m, f.name)
        if isinstance(v, ast.Bounds):
            exprs += [v.lo, v.hi]
        elif isinstance(v, (ast.Num, ast.Name, ast.BinOp, ast.UnaryOp, ast.Call)):
            exprs.append(v)
    return max((_expr_depth(e) for e in exprs), default=0)


def _drop_too_deep(module: ast.Module, lines: List[str], bag: DiagnosticBag,
                   removed: List[str]) -> ast.Module:
    """Report (NMM001) and drop the statements whose expressions nest too deeply."""
    blocks = []
    for b in module.blocks:
        keep = []
        for m in b.members:
            depth = _member_depth(m)
            if depth > MAX_EXPR_DEPTH:
                bag.add("NMM001", f"expression nested too deeply ({depth} levels; at most "
                        f"{MAX_EXPR_DEPTH} are allowed)", m.span,
                        "split it into several 'let' declarations")
                removed.extend(lines[m.span.line - 1:m.span.end_line])
            else:
                keep.append(m)
        blocks.append(b if len(keep) == len(b.members) else ast.with_members(b, keep))
    return module if blocks == list(module.blocks) and all(
        x is y for x, y in zip(blocks, module.blocks)) else ast.Module(
        module.file, module.imports, tuple(blocks))


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
            tree = _lark().parse("\n".join(lines) + "\n", start="start")
        except UnexpectedInput as err:
            errline = _syntax_diagnostic(err, text.split("\n"), file, bag)
            src = lines[errline - 1] if errline <= len(lines) else ""
            stripped = src.lstrip()
            structural = isinstance(err, _IndentationError) or re.match(
                r"(model|coupling|import|from)\b", stripped) or errline > len(lines)
            if structural or errline in seen_lines or not stripped:
                return ParseResult(None, "\n".join(removed))
            seen_lines.add(errline)
            first, last = _logical_range(lines, errline)
            if not lines[first - 1][:1].isspace():
                # an unindented statement is a block header or an import: nothing to drop
                return ParseResult(None, "\n".join(removed))
            indent = lines[first - 1][: len(lines[first - 1]) - len(lines[first - 1].lstrip())]
            removed.extend(lines[first - 1:last])
            lines[first - 1] = indent + _PLACEHOLDER
            for k in range(first, last):
                lines[k] = ""
            continue
        module = _ToAst(file).transform(tree)
        module = _drop_too_deep(module, lines, bag, removed)
        return ParseResult(module, "\n".join(removed))
    return ParseResult(None, "\n".join(removed))


def parse_expression(text: str, file: str = "<expression>") -> ast.Expr:
    """One expression in .nmm syntax (e.g. a network's coupled variable "E - I").

    Raises NmmError (NMM001) on a syntax error.
    """
    bag = DiagnosticBag()
    bag.sources[file] = text
    try:
        tree = _lark().parse(text.strip(), start="expr")
    except UnexpectedInput as err:
        _syntax_diagnostic(err, text.split("\n"), file, bag)
        from .diagnostics import NmmError

        raise NmmError(bag) from None
    return _ToAst(file).transform(tree)
