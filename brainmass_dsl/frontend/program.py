"""Load a .nmm file with its imports, resolve `extends`, run the checks: a checked `Program`.

    program = load_program("my_models.nmm")        # raises NmmError listing every error
    program.block("DampedOscillator")              # a ResolvedBlock

Names a file uses but does not define (`extends JansenRitStep`) are looked up in its
imports first, then in the catalogue on the search path (see `library.py`).
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

from .._resources import cache_dir, data_dir
from . import ast
from .diagnostics import DiagnosticBag
from .library import display, find_file, import_text, index
from .suggest import Candidate, did_you_mean
from .parser import parse
from .resolve import ResolvedBlock, flatten


@dataclass
class Program:
    """The blocks of a main file and of everything it imports, resolved and checked."""

    main_file: str
    modules: Dict[str, ast.Module] = field(default_factory=dict)
    blocks: Dict[str, ast.Block] = field(default_factory=dict)       # visible blocks by name
    aliases: Dict[str, str] = field(default_factory=dict)            # alias -> block name
    resolved: Dict[str, ResolvedBlock] = field(default_factory=dict)
    main_blocks: List[str] = field(default_factory=list)            # defined in the main file
    bag: DiagnosticBag = field(default_factory=DiagnosticBag)
    search: Sequence[os.PathLike] = ()

    def block(self, name: str) -> ResolvedBlock:
        name = self.aliases.get(name, name)
        if name not in self.resolved:
            raise KeyError(f"no block named {name!r}; this program defines "
                           f"{', '.join(sorted(self.resolved)) or 'nothing'}")
        return self.resolved[name]

    @property
    def ok(self) -> bool:
        return not self.bag.errors


class _Loader:
    def __init__(self, search: Sequence[os.PathLike], bag: DiagnosticBag):
        self.search = search
        self.bag = bag
        self.modules: Dict[str, ast.Module] = {}
        self.removed: Dict[str, str] = {}
        self._index = None

    def catalogue(self):
        if self._index is None:
            self._index = index(self.search)
        return self._index

    def load_file(self, path: Path, span: ast.Span = ast.NO_SPAN) -> Optional[ast.Module]:
        key = str(path)
        if key in self.modules:
            return self.modules[key]
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            self.bag.add("NMM005", f"cannot read {path}: {e}", span,
                         "check the file name and that it is UTF-8 text")
            return None
        return self.load_text(text, key)

    def load_text(self, text: str, file: str) -> Optional[ast.Module]:
        result = parse(text, file, self.bag)
        self.removed[file] = result.removed_text
        if result.module is None:
            return None
        self.modules[file] = result.module
        return result.module

    def imported_blocks(self, module: ast.Module) -> Dict[str, ast.Block]:
        """Blocks made visible by the imports of `module` (recursively)."""
        visible: Dict[str, ast.Block] = {}
        base = Path(module.file).parent if not module.file.startswith("<") else Path.cwd()
        for imp in module.imports:
            path = find_file(imp.target, imp.is_path, base, self.search)
            if path is None:
                self.bag.add("NMM004", f"cannot find {imp.target!r} to import", imp.span,
                             "imports are looked up next to this file, in --path folders, in "
                             "BRAINMASS_MODEL_PATH and in the built-in catalogue")
                continue
            sub = self.load_file(path, imp.span)
            if sub is None:
                continue
            available = {b.name: b for b in sub.blocks}
            available.update(self.imported_blocks(sub))
            for b in sub.blocks:
                for alias in b.meta("aliases"):
                    available.setdefault(alias, b)
            if imp.names is None:
                visible.update(available)
                continue
            for n in imp.names:
                if n in available:
                    visible[n] = available[n]
                else:
                    self.bag.add("NMM004", f"{path.name} has no block named {n!r}", imp.span,
                                 did_you_mean(n, available) or
                                 f"it defines: {', '.join(sorted(available)) or 'nothing'}")
        return visible

    def from_catalogue(self, name: str) -> Optional[ast.Block]:
        entry = self.catalogue().get(name)
        if entry is None:
            return None
        module = self.load_file(entry.path)
        if module is None:
            return None
        target = entry.alias_of or entry.name
        return next((b for b in module.blocks if b.name == target), None)


def _digest(program: Program) -> str:
    """Hash of every resolved block's normalised text and of the front end's own code."""
    from .printer import format_member

    h = hashlib.sha256()
    for name in sorted(program.resolved):
        rb = program.resolved[name]
        h.update(f"{rb.kind} {name}\n".encode())
        h.update("\n".join(format_member(m) for m in rb.members).encode())
    for f in sorted(Path(__file__).parent.rglob("*.py")):
        h.update(f.read_bytes())
    h.update((data_dir("grammar") / "nmm.lark").read_bytes())
    return h.hexdigest()[:32]


def _checked_marker(program: Program) -> Optional[Path]:
    try:
        return cache_dir() / "checked" / _digest(program)
    except Exception:
        return None


def load_program(source: Union[str, os.PathLike], *, text: Optional[str] = None,
                 search: Sequence[os.PathLike] = (), check: Union[bool, str] = True,
                 raise_errors: bool = True) -> Program:
    """Parse `source` (a path, or a name for `text`), load imports, resolve, check.

    With `raise_errors` (default) an invalid program raises `NmmError` listing every error;
    otherwise the returned `Program.bag` holds the diagnostics. `check="cached"` skips the
    semantic checks when exactly this program (same normalised blocks, same compiler) was
    checked clean before on this machine (they need pint, which is slow to import).
    """
    bag = DiagnosticBag()
    loader = _Loader(search, bag)
    if text is not None:
        main = str(source)
        module = loader.load_text(text, main)
    else:
        path = Path(source)
        main = str(path.resolve()) if path.exists() else str(source)
        module = loader.load_file(path.resolve() if path.exists() else path)
    program = Program(main, bag=bag, search=search)
    if module is None:
        program.modules = loader.modules
        if raise_errors:
            bag.raise_if_errors()
        return program
    visible = loader.imported_blocks(module)
    for b in module.blocks:
        if b.name in {x.name for x in module.blocks if x is not b and x.span.line < b.span.line}:
            bag.add("NMM120", f"block '{b.name}' is defined twice in this file", b.name_span,
                    "rename one of them")
            continue
        visible[b.name] = b
        program.main_blocks.append(b.name)
    for b in module.blocks:
        for alias in b.meta("aliases"):
            if alias in visible and visible[alias] is not b:
                bag.add("NMM120", f"alias '{alias}' of '{b.name}' is already the name of a "
                        "block", b.span, "choose another alias")
            program.aliases[alias] = b.name

    def lookup(name: str, requester: Optional[ast.Block] = None) -> Optional[ast.Block]:
        blk = visible.get(name)
        if blk is None and name in program.aliases:
            blk = visible.get(program.aliases[name])
        if blk is None:
            entry = loader.catalogue().get(name)
            if entry is not None and entry.ambiguous and requester is not None:
                files = (entry.path,) + entry.others
                bag.add("NMM006", f"'{requester.name}' extends '{name}', which {len(files)} "
                        "files on the search path define: "
                        + " and ".join(display(f) for f in files), requester.extends_span,
                        f"import the one you mean, e.g. from \"{import_text(files[0], search)}\" "
                        f"import {name}")
            blk = loader.from_catalogue(name)
            if blk is not None:
                # the base's own file may import further bases
                sub = loader.modules.get(blk.span.file)
                if sub is not None:
                    for k, v in loader.imported_blocks(sub).items():
                        visible.setdefault(k, v)
                    for x in sub.blocks:
                        visible.setdefault(x.name, x)
        return blk

    # extends of unknown blocks
    pending = list(visible.values())
    seen = set()
    while pending:
        b = pending.pop()
        if id(b) in seen:
            continue
        seen.add(id(b))
        if b.extends is not None:
            base = lookup(b.extends, b)
            if base is None:
                names = [Candidate(n, x.kind) for n, x in visible.items() if n != b.name] + \
                    [Candidate(n, e.kind) for n, e in loader.catalogue().items() if n != b.name]
                bag.add("NMM112", f"'{b.name}' extends '{b.extends}', which is not defined",
                        b.extends_span, did_you_mean(b.extends, names, kind=b.kind) or
                        "define it in this file, import its file, or put it on the search path")
            else:
                pending.append(base)
    program.modules = loader.modules
    program.blocks = dict(visible)
    for name, b in visible.items():
        if name != b.name:
            continue
        program.resolved[name] = flatten(b, lambda n: lookup(n), bag)
    program.blocks = dict(visible)
    if check and not bag.errors:
        marker = _checked_marker(program) if check == "cached" else None
        if marker is None or not marker.exists():
            from .checks import run_checks

            run_checks(program, removed=loader.removed)
            if marker is not None and not bag.errors:
                try:
                    marker.parent.mkdir(parents=True, exist_ok=True)
                    marker.touch()
                except OSError:
                    pass
    elif check:
        from .checks import run_checks

        run_checks(program, removed=loader.removed)
    if raise_errors:
        bag.raise_if_errors()
    return program
