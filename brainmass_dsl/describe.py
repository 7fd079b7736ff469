"""Describe a resolved block for humans: plain text (`brainmass show`) and Markdown
(`brainmass show --markdown`, which generates docs/models.md).

    from brainmass_dsl.frontend import load_program
    from brainmass_dsl.describe import describe, render_text, render_markdown
    program = load_program("my_models.nmm")
    d = describe(program.block("DampedOscillator"), program)
    print(render_text(d))

`describe()` collects everything a reader needs into a `BlockDescription` (plain data);
the renderers only format it, so their output is deterministic (no dates, no absolute
paths in Markdown) and can be checked in.
"""
from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from .frontend import ast
from .frontend.diagnostics import DiagnosticBag
from .frontend.printer import format_expr
from .paths import shown_path

__all__ = ["Quantity", "Definition", "BlockDescription", "describe", "render_text",
           "render_markdown", "render_markdown_catalogue"]


@dataclass(frozen=True)
class Quantity:
    """A parameter, state or input."""

    name: str
    kind: str                      # parameter | state | input
    default: str                   # as written, with its unit: "0.05 /ms"
    unit: str                      # the declared unit ("" for a pure number)
    canonical: str = ""            # the value in canonical units ("0.05 1/ms"), "" if unknown
    bounds: Optional[str] = None   # "[0, 1]", "[0, inf)"
    doc: str = ""
    origin: Optional[str] = None   # the base block it is inherited from (None: this block)


@dataclass(frozen=True)
class Definition:
    """A let, function, equation, output, couples, pre or post: `lhs = rhs`."""

    kind: str
    lhs: str
    rhs: str
    unit: str = ""
    doc: str = ""
    origin: Optional[str] = None

    @property
    def text(self) -> str:
        if not self.lhs:
            return self.rhs
        if not self.rhs or self.rhs == self.lhs:  # `output x` is short for `output x = x`
            return self.lhs
        return f"{self.lhs} = {self.rhs}"


@dataclass(frozen=True)
class BlockDescription:
    name: str
    kind: str                               # model | coupling
    category: str
    file: str                               # display path
    line: int
    docstring: str = ""
    use_case: str = ""
    references: Tuple[str, ...] = ()
    aliases: Tuple[str, ...] = ()
    extends: Tuple[str, ...] = ()           # the chain: direct base first
    parameters: Tuple[Quantity, ...] = ()
    states: Tuple[Quantity, ...] = ()
    inputs: Tuple[Quantity, ...] = ()
    lets: Tuple[Definition, ...] = ()
    functions: Tuple[Definition, ...] = ()
    equations: Tuple[Definition, ...] = ()
    outputs: Tuple[Definition, ...] = ()
    couples: Tuple[Definition, ...] = ()
    pre: Tuple[Definition, ...] = ()
    post: Tuple[Definition, ...] = ()
    noises: Tuple[str, ...] = ()            # xi, xi_1, ... used by the equations
    path: str = ""                          # the real path of the file
    extra: Dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------- collecting
def _bounds_text(b: Optional[ast.Bounds]) -> Optional[str]:
    if b is None:
        return None
    return (f"{'[' if b.lo_closed else '('}{format_expr(b.lo)}, {format_expr(b.hi)}"
            f"{']' if b.hi_closed else ')'}")


def _literal_unit(expr) -> Optional[str]:
    """The unit text of a literal (possibly signed) value, '' for a bare number, else None."""
    while isinstance(expr, ast.UnaryOp) and expr.op in "+-":
        expr = expr.operand
    if isinstance(expr, ast.Num):
        return expr.unit or ""
    return None


def _one_line(text: Optional[str]) -> str:
    return " ".join((text or "").split())


class _Dims:
    """Dimension inference without reporting (errors are `brainmass check`'s business)."""

    def __init__(self, rb, program):
        from .frontend.symbols import BlockContext
        from .frontend.dimensions import DimInference

        self.ctx = BlockContext.build(rb, DiagnosticBag(), program)
        self.inf = DimInference(self.ctx, report=lambda *a, **k: None)

    def unit_of_name(self, name: str) -> str:
        try:
            return self._text(self.inf.of_name(name))
        except Exception:  # noqa: BLE001 - a description must not fail on a broken model
            return ""

    def unit_of(self, expr) -> str:
        try:
            return self._text(self.inf.of(expr))
        except Exception:  # noqa: BLE001
            return ""

    @staticmethod
    def _text(d) -> str:
        from .frontend.units import Dim

        if not isinstance(d, Dim):
            return ""
        return "1" if d.dimensionless else str(d)


def _canonical(expr, unit_text: str) -> str:
    """`100 Hz` -> '0.1 1/ms' (value in canonical units); '' when not a plain literal or
    when the declared unit already is the canonical one."""
    from .frontend.checks.bounds import canonical_const
    from .frontend.units import Dim, UnitError, canonical_factor

    if not unit_text:
        return ""
    v = canonical_const(expr)
    if v is None:
        return ""
    try:
        dim = Dim.of(unit_text)
        if canonical_factor(unit_text) == 1.0:
            return ""
    except UnitError:
        return ""
    unit = "" if dim.dimensionless else f" {dim}"
    return f"{v:.6g}{unit}"


def _origins(rb, program) -> List[Tuple[str, ast.Span]]:
    """(block name, span) of the block and of each base, to tell where a member was written."""
    out = [(rb.name, rb.block.span)]
    for base in rb.bases:
        blk = None
        if program is not None:
            blk = (getattr(program, "blocks", {}) or {}).get(base)
            if blk is None and base in getattr(program, "resolved", {}):
                blk = program.resolved[base].block
        if blk is not None:
            out.append((blk.name, blk.span))
    return out


def _origin_of(m, origins) -> Optional[str]:
    s = getattr(m, "span", ast.NO_SPAN)
    for name, span in origins:
        if s.file == span.file and span.line <= s.line <= span.end_line:
            return None if name == origins[0][0] else name
    return None


def describe(rb, program=None, search: Sequence[os.PathLike] = ()) -> BlockDescription:
    """Everything a reader needs about a `ResolvedBlock` (from `Program.resolved`)."""
    from .catalogue import display_path, first_sentence

    dims = _Dims(rb, program)
    origins = _origins(rb, program)

    def quantity(m, kind: str, value) -> Quantity:
        written = format_expr(value)
        unit = _literal_unit(value)
        if unit is None:
            unit = dims.unit_of_name(m.name)
            unit = "" if unit == "1" else unit
        return Quantity(m.name, kind, written, unit, _canonical(value, unit),
                        _bounds_text(getattr(m, "bounds", None)), _one_line(m.doc),
                        _origin_of(m, origins))

    params = tuple(quantity(m, "parameter", m.default) for m in rb.of_type(ast.Parameter))
    states = tuple(quantity(m, "state", m.init) for m in rb.of_type(ast.State))
    inputs = tuple(quantity(m, "input", m.default) for m in rb.of_type(ast.Input))

    def definition(kind, lhs, rhs_expr, m, unit: str = "", doc=None) -> Definition:
        return Definition(kind, lhs, format_expr(rhs_expr) if rhs_expr is not None else "",
                          unit, _one_line(doc), _origin_of(m, origins))

    lets = tuple(definition("let", m.name, m.expr, m, dims.unit_of_name(m.name), m.doc)
                 for m in rb.of_type(ast.Let))
    functions = tuple(definition("function", f"{m.name}({', '.join(m.params)})", m.body, m,
                                 doc=m.doc) for m in rb.of_type(ast.Function))
    equations = tuple(definition("equation", f"d({m.state})/dt", m.rhs, m)
                      for m in rb.of_type(ast.Equation))
    outputs = tuple(definition("output", m.name, m.expr, m, dims.unit_of(m.expr), m.doc)
                    for m in rb.of_type(ast.Output))
    couples = tuple(definition("couples", "", m.expr, m, dims.unit_of(m.expr))
                    for m in rb.of_type(ast.Couples))
    pre = tuple(definition("pre", f"pre({', '.join(m.params)})", m.body, m)
                for m in rb.of_type(ast.Pre))
    post = tuple(definition("post", f"post({', '.join(m.params)})", m.body, m)
                 for m in rb.of_type(ast.Post))

    from .frontend.builtins import is_noise

    noises = sorted({n.id for m in rb.of_type(ast.Equation) for n in ast.names_in(m.rhs)
                     if is_noise(n.id)}, key=lambda s: (len(s), s))
    use_case = rb.block.meta("use_case") or rb.meta("use_case")
    refs = tuple(rb.meta("reference")) + tuple(f"doi:{d}" if not d.lower().startswith(
        ("doi", "http")) else d for d in rb.meta("doi"))
    return BlockDescription(
        name=rb.name, kind=rb.kind, category=rb.category,
        file=display_path(rb.file, search) if not rb.file.startswith("<") else rb.file,
        line=rb.block.span.line,
        docstring=(rb.docstring or "").strip(),
        use_case=_one_line(use_case[-1]) if use_case else first_sentence(rb.docstring),
        references=refs, aliases=tuple(rb.aliases), extends=tuple(rb.bases),
        parameters=params, states=states, inputs=inputs, lets=lets, functions=functions,
        equations=equations, outputs=outputs, couples=couples, pre=pre, post=post,
        noises=tuple(noises), path=rb.file)


# ---------------------------------------------------------------------------- plain text
def _table(rows: List[List[str]], indent: str = "  ") -> List[str]:
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [(indent + "  ".join(c.ljust(w) for c, w in zip(r, widths))).rstrip() for r in rows]


def _from(origin: Optional[str]) -> str:
    return f"(from {origin})" if origin else ""


def render_text(d: BlockDescription) -> str:
    """A terminal-friendly description of one block."""
    kind = d.kind if d.category == d.kind else f"{d.kind}, {d.category}"
    title = f"{d.name}  ({kind})"
    out = [title, "=" * len(title)]
    if d.docstring:
        out += [d.docstring, ""]
    facts = [("file", f"{shown_path(d.path or d.file)}:{d.line}")]
    if d.aliases:
        facts.append(("aliases", ", ".join(d.aliases)))
    if d.extends:
        facts.append(("extends", " -> ".join(d.extends)))
    if d.use_case and not _one_line(d.docstring).startswith(d.use_case):
        facts.append(("use case", d.use_case))
    for r in d.references:
        facts.append(("reference", r))
    if d.noises:
        facts.append(("noise", ", ".join(d.noises) + "  (white, unit time**-1/2)"))
    out += _table([[k + ":", v] for k, v in facts], indent="")

    def quantities(title: str, qs: Sequence[Quantity], value_word: str):
        if not qs:
            return
        out.append("")
        out.append(f"{title}:")
        canon = any(q.canonical for q in qs)
        bounded = any(q.bounds for q in qs)
        rows = [["name", value_word, "unit"] + (["canonical"] if canon else [])
                + (["bounds"] if bounded else []) + ["description"]]
        for q in qs:
            rows.append([q.name, q.default, q.unit or "1"] + ([q.canonical] if canon else [])
                        + ([q.bounds or ""] if bounded else [])
                        + [" ".join(x for x in (q.doc, _from(q.origin)) if x)])
        out.extend(_table(rows))

    def definitions(title: str, ds: Sequence[Definition], show_unit: bool = False):
        if not ds:
            return
        out.append("")
        out.append(f"{title}:")
        for x in ds:
            extra = []
            if show_unit and x.unit:
                extra.append(f"[{x.unit}]")
            if x.doc:
                extra.append(f'"{x.doc}"')
            if x.origin:
                extra.append(_from(x.origin))
            out.append(f"  {x.text}" + ("    " + " ".join(extra) if extra else ""))

    quantities("Parameters", d.parameters, "default")
    quantities("States", d.states, "initial")
    quantities("Inputs", d.inputs, "default")
    definitions("Functions", d.functions)
    definitions("Lets", d.lets, show_unit=True)
    definitions("Equations", d.equations)
    definitions("Coupling", d.pre + d.post)
    definitions("Outputs", d.outputs, show_unit=True)
    definitions("Couples (sent to neighbours)", d.couples, show_unit=True)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- Markdown
def _md(text: str) -> str:
    """Escape a table cell."""
    return _one_line(text).replace("\\", "\\\\").replace("|", "\\|") if text else ""


def _code(text: str) -> str:
    if not text:
        return ""
    tick = "``" if "`" in text else "`"
    return f"{tick}{text}{tick}"


def _row(cells: Sequence[str]) -> str:
    text = "| " + " | ".join(cells) + " |"
    while "|  |" in text:
        text = text.replace("|  |", "| |")
    return text


def _anchor(name: str) -> str:
    return name.lower()


def _escape_prose(line: str) -> str:
    """Escape `*` outside code spans, so that `V**3` or `a * b * c` is not read as emphasis."""
    parts = line.split("`")
    return "`".join(p.replace("*", "\\*") if i % 2 == 0 else p for i, p in enumerate(parts))


def _docstring_markdown(text: str) -> str:
    """A docstring as Markdown: runs of indented lines (the equations docstrings show) become
    fenced code blocks, prose keeps its lines with `*` escaped."""
    out: List[str] = []
    code: List[str] = []

    def flush_code() -> None:
        while code and not code[-1].strip():
            code.pop()
        if not code:
            return
        if out and out[-1].strip():
            out.append("")
        out.extend(["```", *textwrap.dedent("\n".join(code)).split("\n"), "```"])
        code.clear()

    for line in text.split("\n"):
        indented = line.strip() and line.startswith(("    ", "\t"))
        if indented or (code and not line.strip()):
            code.append(line.rstrip())
            continue
        if code:
            flush_code()
            if line.strip():
                out.append("")
        out.append(_escape_prose(line.rstrip()))
    flush_code()
    return "\n".join(out).strip("\n")


def render_markdown(d: BlockDescription, level: int = 2) -> str:
    """One Markdown section: heading, facts, docstring, equations and tables."""
    h = "#" * level
    hh = "#" * (level + 1)
    out = [f"{h} {d.name}", ""]
    facts = [f"**{d.kind}**, category `{d.category}`"]
    if d.aliases:
        facts.append("aliases: " + ", ".join(_code(a) for a in d.aliases))
    if d.extends:
        facts.append("extends: " + " → ".join(f"[{b}](#{_anchor(b)})" for b in d.extends))
    facts.append(f"file: `{d.file}`")
    out += [" · ".join(facts), ""]
    if d.docstring:
        out += [_docstring_markdown(d.docstring), ""]
    if d.use_case and not _one_line(d.docstring).startswith(d.use_case):
        out += [f"*Use case:* {_escape_prose(d.use_case)}", ""]
    if d.references:
        out += ["**References:**", ""] + [f"- {r}" for r in d.references] + [""]

    code_lines: List[str] = []
    for x in d.functions:
        code_lines.append(f"function {x.text}")
    for x in d.lets:
        code_lines.append(f"let {x.text}")
    for x in d.equations + d.pre + d.post:
        code_lines.append(x.text)
    if code_lines:
        out += [f"{hh} Equations", "", "```", *code_lines, "```", ""]
        if d.noises:
            out += [", ".join(_code(n) for n in d.noises) + ": independent standard white "
                    "noise (unit time\\*\\*-1/2); the integrator applies sqrt(dt).", ""]

    def qtable(title: str, qs: Sequence[Quantity], value_word: str):
        if not qs:
            return
        columns = ["name", value_word, "unit"]
        with_canonical = any(q.canonical for q in qs)
        with_bounds = any(q.bounds for q in qs)
        columns += (["canonical"] if with_canonical else []) + (["bounds"] if with_bounds else [])
        columns.append("description")
        out.extend([f"{hh} {title}", "", "| " + " | ".join(columns) + " |",
                    "|" + "---|" * len(columns)])
        for q in qs:
            desc = " ".join(x for x in (_escape_prose(_md(q.doc)),
                                        f"*(from {q.origin})*" if q.origin else "") if x)
            cells = [_code(q.name), _code(_md(q.default)), _code(_md(q.unit) or "1")]
            cells += ([_code(_md(q.canonical))] if with_canonical else [])
            cells += ([_code(_md(q.bounds or ""))] if with_bounds else [])
            cells.append(desc)
            out.append(_row(cells))
        out.append("")

    qtable("Parameters", d.parameters, "default")
    qtable("State variables", d.states, "initial")
    qtable("Inputs", d.inputs, "default")
    if d.outputs or d.couples:
        out += [f"{hh} Outputs", "", "| name | expression | unit | description |",
                "|---|---|---|---|"]
        for x in d.outputs:
            out.append(_row([_code(x.lhs), _code(_md(x.rhs)), _code(_md(x.unit) or "1"),
                             _escape_prose(_md(x.doc))]))
        for x in d.couples:
            out.append(_row(["*couples*", _code(_md(x.rhs)), _code(_md(x.unit) or "1"),
                             "sent to the neighbours through the coupling"]))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def render_markdown_catalogue(descriptions: Sequence[BlockDescription],
                              title: str = "Model catalogue",
                              intro: Optional[str] = None) -> str:
    """A whole document: title, a contents table by category, then one section per block.

    Blocks are ordered by category, then name, so that the output does not depend on the
    order of files on disk.
    """
    ds = sorted(descriptions, key=lambda d: (d.kind != "model", d.category, d.name))
    out = [f"# {title}", ""]
    out += [intro or "<!-- generated by `brainmass show --all --markdown`; do not edit by hand "
            "-->", ""]
    out += ["| name | category | states | use case |", "|---|---|---|---|"]
    for d in ds:
        out.append(_row([f"[{d.name}](#{_anchor(d.name)})", d.category, str(len(d.states)),
                         _escape_prose(_md(d.use_case))]))
    out.append("")
    for d in ds:
        out.append(render_markdown(d, level=2))
    return "\n".join(out).rstrip("\n") + "\n"
