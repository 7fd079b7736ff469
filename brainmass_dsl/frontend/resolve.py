"""Flatten `extends`: a derived block becomes a `ResolvedBlock` holding every member it inherits.

Rules (documented in docs/language.md):
- `parameter`, `state` and `input` redeclared in a derived block override the base's
  default; doc string and bounds are inherited unless given again.
- `let`, `function`, `output`, `couples` and `d(x)/dt` must say `replace` to override;
  `replace` of something the base does not have is an error (NMM113).
- `category`, the docstring and references are inherited; `aliases` are not.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Optional, Tuple

from . import ast
from .diagnostics import DiagnosticBag


@dataclass(frozen=True)
class ResolvedBlock:
    """A block with its inheritance applied; members keep the spans of where they were written."""

    block: ast.Block
    members: Tuple[ast.Member, ...]
    bases: Tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.block.name

    @property
    def kind(self) -> str:
        return self.block.kind

    @property
    def file(self) -> str:
        return self.block.span.file

    def of_type(self, cls):
        return [m for m in self.members if isinstance(m, cls)]

    def meta(self, key: str) -> Tuple[str, ...]:
        return tuple(v for m in self.of_type(ast.Meta) if m.key == key for v in m.values)

    @property
    def category(self) -> str:
        cat = self.meta("category")
        return cat[-1] if cat else ("coupling" if self.kind == "coupling" else "uncategorised")

    @property
    def aliases(self) -> Tuple[str, ...]:
        return self.block.meta("aliases")

    @property
    def docstring(self) -> Optional[str]:
        docs = self.of_type(ast.Docstring)
        return docs[-1].text if docs else None


def member_key(m) -> Optional[Tuple[str, str]]:
    """The (kind, name) under which a member can be overridden, or None."""
    if isinstance(m, ast.Equation):
        return ("equation", m.state)
    if isinstance(m, ast.Couples):
        return ("couples", "")
    if isinstance(m, (ast.Pre, ast.Post)):
        return (type(m).__name__.lower(), "")
    if isinstance(m, ast.Output):
        return ("output", m.name)
    if isinstance(m, (ast.Parameter, ast.State, ast.Input, ast.Let, ast.Function)):
        return ("name", m.name)
    return None


_KIND_WORD = {ast.Parameter: "parameter", ast.State: "state", ast.Input: "input",
              ast.Let: "let", ast.Function: "function"}


def _describe(m) -> str:
    if isinstance(m, ast.Equation):
        return f"d({m.state})/dt"
    if isinstance(m, ast.Couples):
        return "couples"
    if isinstance(m, ast.Output):
        return f"output {m.name}"
    return f"{_KIND_WORD.get(type(m), type(m).__name__.lower())} {getattr(m, 'name', '')}".strip()


def _span_of(m) -> ast.Span:
    return getattr(m, "name_span", None) if getattr(m, "name_span", ast.NO_SPAN) != ast.NO_SPAN \
        else m.span


def _merge_override(base, new):
    """A redeclared parameter/state/input: new default, inherited doc and bounds."""
    doc = new.doc if new.doc is not None else base.doc
    if isinstance(new, (ast.Parameter, ast.State)):
        bounds = new.bounds if new.bounds is not None else base.bounds
        return replace(new, doc=doc, bounds=bounds)
    return replace(new, doc=doc)


def flatten(block: ast.Block, lookup: Callable[[str], Optional[ast.Block]],
            bag: DiagnosticBag, _chain: Tuple[str, ...] = ()) -> ResolvedBlock:
    """Apply `extends` recursively; `lookup(name)` finds a base block (None if unknown)."""
    if block.extends is None:
        return ResolvedBlock(block, block.members, ())
    if block.extends in _chain + (block.name,):
        cycle = " -> ".join(_chain + (block.name, block.extends))
        bag.add("NMM121", f"'{block.name}' extends itself through {cycle}", block.extends_span,
                "remove one of the 'extends' clauses")
        return ResolvedBlock(block, block.members, ())
    base_block = lookup(block.extends)
    if base_block is None:
        return ResolvedBlock(block, block.members, ())  # NMM112 is reported by the caller
    base = flatten(base_block, lookup, bag, _chain + (block.name,))
    if base_block.kind != block.kind:
        bag.add("NMM112", f"{block.kind} '{block.name}' cannot extend {base_block.kind} "
                f"'{base_block.name}'", block.extends_span,
                f"a {block.kind} can only extend another {block.kind}")
    members: List[ast.Member] = [m for m in base.members
                                 if not (isinstance(m, ast.Meta) and m.key == "aliases")]
    index: Dict[Tuple[str, str], int] = {}
    for i, m in enumerate(members):
        k = member_key(m)
        if k is not None:
            index[k] = i
    for m in block.members:
        key = member_key(m)
        if isinstance(m, ast.Docstring):
            members = [x for x in members if not isinstance(x, ast.Docstring)] + [m]
            index = {member_key(x): i for i, x in enumerate(members) if member_key(x)}
            continue
        if isinstance(m, ast.Meta):
            if m.key != "aliases":
                members = [x for x in members if not (isinstance(x, ast.Meta) and x.key == m.key)]
                index = {member_key(x): i for i, x in enumerate(members) if member_key(x)}
            members.append(m)
            continue
        if key is None or key not in index:
            if getattr(m, "replace", False):
                bag.add("NMM113", f"'replace {_describe(m)}': base '{base_block.name}' has no "
                        f"{_describe(m)} to replace", _span_of(m),
                        "drop 'replace' to add a new member")
            if key is not None:
                index[key] = len(members)
            members.append(m)
            continue
        old = members[index[key]]
        if isinstance(m, (ast.Parameter, ast.State, ast.Input)):
            if type(old) is type(m):
                members[index[key]] = _merge_override(old, m)
            else:
                bag.add("NMM102", f"{_describe(m)} clashes with the inherited {_describe(old)} "
                        f"from '{base_block.name}'", _span_of(m),
                        f"choose another name, or redeclare it as a {_KIND_WORD[type(old)]}")
            continue
        if not getattr(m, "replace", False):
            bag.add("NMM102", f"{_describe(m)} is already defined by base '{base_block.name}'",
                    _span_of(m), f"write 'replace {_describe(m).split(' ')[0]} ...' to override it"
                    if not isinstance(m, ast.Equation) else
                    f"write 'replace d({m.state})/dt = ...' to override it")
            continue
        if type(old) is not type(m):
            bag.add("NMM113", f"'replace {_describe(m)}': the inherited member is a "
                    f"{_describe(old)}", _span_of(m), "replace a member with one of its own kind")
            continue
        members[index[key]] = m
    return ResolvedBlock(block, tuple(members), (base_block.name,) + base.bases)
