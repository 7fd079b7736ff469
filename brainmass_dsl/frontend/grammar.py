"""The Lark LALR parser of the .nmm grammar: its indenter, the span rule, and the grammar
analysis cached on disk (keyed by grammar and options)."""
from __future__ import annotations

import hashlib
from functools import lru_cache

from lark import Lark, Token
from lark.exceptions import UnexpectedInput
from lark.indenter import Indenter

from .._resources import cache_dir, data_dir


class IndentationMismatch(UnexpectedInput):
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
                raise IndentationMismatch(token)


class _TakesSpace:
    """Whether a child counts for the span of its node: a statement ends with its last token,
    not with the newline (which runs on over blank lines and comments) or the dedent after it.

    A class with a fixed ``str`` (not a function, whose ``str`` holds its address) because Lark
    hashes ``str(option)`` into its cache key: a function would miss the cache in every process.
    """

    def __call__(self, child) -> bool:
        return not (isinstance(child, Token) and child.type in ("_NL", "_INDENT", "_DEDENT"))

    def __repr__(self) -> str:
        return "brainmass_dsl.frontend.grammar._TakesSpace()"


_takes_space = _TakesSpace()


@lru_cache(maxsize=1)
def lark_parser() -> Lark:
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
