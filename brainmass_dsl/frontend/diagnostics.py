"""Compiler diagnostics: a stable code, a position, the source line with a caret, a hint.

Every stage appends `Diagnostic`s to a `DiagnosticBag`; the driver raises
`NmmError` once a stage finished with errors, so that all errors of a file are
reported together and code generation never starts on an invalid model.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional

from .ast import NO_SPAN, Span

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span = NO_SPAN
    hint: Optional[str] = None
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def render(self, sources: Optional[Dict[str, str]] = None) -> str:
        """`file:line:col: error NMM101: message`, the source line, a caret line, the hint."""
        head = f"{self.span}: {self.severity} {self.code}: {self.message}"
        lines = [head]
        text = (sources or {}).get(self.span.file)
        if text is not None and self.span.line > 0:
            src_lines = [ln.rstrip("\r") for ln in text.split("\n")]  # as the parser counts
            if self.span.line <= len(src_lines):
                src = src_lines[self.span.line - 1].rstrip("\n").expandtabs(1)
                width = 1
                if self.span.end_line == self.span.line and self.span.end_col > self.span.col:
                    width = self.span.end_col - self.span.col
                elif self.span.end_line > self.span.line:
                    width = len(src.rstrip()) - self.span.col + 1
                width = max(1, min(width, len(src) - self.span.col + 1))
                gutter = f"{self.span.line:>5} | "
                lines.append(gutter + src)
                lines.append(" " * (len(gutter) + self.span.col - 1) + "^" * width)
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        d = asdict(self)
        d["file"], d["line"], d["col"] = self.span.file, self.span.line, self.span.col
        d["end_line"], d["end_col"] = self.span.end_line, self.span.end_col
        del d["span"]
        return d


@dataclass
class DiagnosticBag:
    """Collects diagnostics of one compilation, and the source texts to quote."""

    items: List[Diagnostic] = field(default_factory=list)
    sources: Dict[str, str] = field(default_factory=dict)

    def add(self, code: str, message: str, span: Span = NO_SPAN, hint: Optional[str] = None,
            severity: str = ERROR) -> None:
        d = Diagnostic(code, message, span, hint, severity)
        if d not in self.items:
            self.items.append(d)

    def extend(self, other: "DiagnosticBag") -> None:
        for d in other.items:
            if d not in self.items:
                self.items.append(d)
        self.sources.update(other.sources)

    @property
    def errors(self) -> List[Diagnostic]:
        return [d for d in self.items if d.is_error]

    @property
    def warnings(self) -> List[Diagnostic]:
        return [d for d in self.items if not d.is_error]

    def sorted(self) -> List[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.span.file, d.span.line, d.span.col, d.code))

    def render(self) -> str:
        return "\n".join(d.render(self.sources) for d in self.sorted())

    def raise_if_errors(self) -> None:
        if self.errors:
            raise NmmError(self)


class NmmError(Exception):
    """A model file has errors; `.diagnostics` lists all of them."""

    def __init__(self, bag: DiagnosticBag):
        self.bag = bag
        self.diagnostics = bag.sorted()
        n = len(bag.errors)
        super().__init__(f"{n} error{'s' if n != 1 else ''} in model source\n" + bag.render())

    def to_json(self) -> str:
        return json.dumps([d.to_json() for d in self.diagnostics], indent=2)
