"""The model catalogue, generated from the `.nmm` files on the search path.

    >>> from brainmass_dsl.catalogue import list_models
    >>> models = list_models()                    # built-in models/ + BRAINMASS_MODEL_PATH
    >>> print(models.to_table())                  # doctest: +SKIP
    name              category          #states  use_case
    ----------------  ----------------  -------  -----------------------------------
    JansenRitStep     physiological           6  Cortical column; EEG alpha rhythm.

Nothing here is hand-maintained: every `model` block of every `.nmm` file on the search path
(folders given by the caller, then `BRAINMASS_MODEL_PATH`, then the built-in `models/`; an
earlier folder wins when two define the same name) is an entry. Drop a new file into one of
those folders and it appears on the next call, without touching Python. Files are parsed
once and cached by path and modification time (of the file and of every file it imports or
extends from).

`use_case` is the block's `use_case: "..."` metadata, falling back to the first sentence of
its docstring. Couplings are listed separately by `list_couplings()`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from .frontend import ast
from .frontend.library import AmbiguousNameError, builtin_models_dir, index, search_path
from .frontend.suggest import suggest
from .paths import shown_path

__all__ = ["ModelInfo", "ModelList", "UnknownModelError", "AmbiguousNameError", "list_models",
           "list_couplings", "list_blocks", "find_model", "first_sentence", "display_path"]


class ModelInfo(NamedTuple):
    """One catalogue entry (a `model` or, from `list_couplings()`, a `coupling` block)."""

    name: str
    category: str
    n_state_vars: int
    use_case: str
    path: Optional[Path] = None
    aliases: Tuple[str, ...] = ()
    description: str = ""
    kind: str = "model"
    extends: Optional[str] = None
    n_errors: int = 0
    #: "name=default" of each parameter, as written (e.g. "tau=10 ms")
    parameters: Tuple[str, ...] = ()

    def to_dict(self) -> dict:
        d = self._asdict()
        d["path"] = str(self.path) if self.path is not None else None
        d["aliases"] = list(self.aliases)
        d["parameters"] = list(self.parameters)
        return d


_COLUMNS = (("name", "name"), ("category", "category"), ("#states", "n_state_vars"),
            ("use_case", "use_case"))


class ModelList(list):
    """A list of `ModelInfo` with a text table, JSON and lookups by name or alias."""

    #: files on the search path that could not be read or parsed: (path, first error text)
    problems: List[Tuple[Path, str]]

    def __init__(self, items: Iterable[ModelInfo] = (), problems=()):
        super().__init__(items)
        self.problems = list(problems)

    def names(self) -> List[str]:
        return [m.name for m in self]

    def get(self, name: str, default=None) -> Optional[ModelInfo]:
        """The entry called `name` or having `name` as an alias."""
        for m in self:
            if m.name == name:
                return m
        for m in self:
            if name in m.aliases:
                return m
        return default

    def categories(self) -> List[str]:
        return sorted({m.category for m in self})

    def filter(self, category: Optional[str] = None) -> "ModelList":
        return ModelList((m for m in self if category is None or m.category == category),
                         self.problems)

    def to_table(self, width: Optional[int] = None) -> str:
        """A fixed-width text table: name, category, number of states, use case.

        `width` truncates the use-case column so that each line fits (None: no limit).
        """
        header = [c for c, _ in _COLUMNS]
        rows = [[str(getattr(m, attr)) for _, attr in _COLUMNS] for m in self]
        widths = [max([len(header[i])] + [len(r[i]) for r in rows]) for i in range(3)]
        if width is not None:
            room = max(10, width - sum(widths) - 6)
            rows = [r[:3] + [r[3] if len(r[3]) <= room else r[3][: room - 3] + "..."]
                    for r in rows]
        widths.append(max([len(header[3])] + [len(r[3]) for r in rows]))

        def line(cells):
            out = []
            for i, c in enumerate(cells):
                out.append(c.rjust(widths[i]) if i == 2 else c.ljust(widths[i]))
            return "  ".join(out).rstrip()

        lines = [line(header), line(["-" * w for w in widths])]
        lines += [line(r) for r in rows]
        return "\n".join(lines)

    def to_json(self, indent: Optional[int] = 2) -> str:
        return json.dumps([m.to_dict() for m in self], indent=indent)

    def __repr__(self) -> str:
        return f"ModelList({list.__repr__(self)})"


class UnknownModelError(LookupError):
    """No block of that name on the search path; `.close` lists similar names."""

    def __init__(self, name: str, close: Sequence[str] = (), kind: str = "model"):
        self.name = name
        self.close = list(close)
        msg = f"no {kind} named {name!r} on the search path"
        if self.close:
            msg += "; did you mean " + ", ".join(self.close) + "?"
        else:
            msg += " (see 'brainmass list'; add folders with --path or BRAINMASS_MODEL_PATH)"
        super().__init__(msg)

    def __str__(self) -> str:
        return self.args[0]


# ---------------------------------------------------------------------------- helpers
def first_sentence(text: Optional[str]) -> str:
    """The first sentence of a docstring, on one line.

    >>> first_sentence("Jansen-Rit cortical column (Jansen & Rit 1995). M, E, I are ...")
    'Jansen-Rit cortical column (Jansen & Rit 1995).'
    >>> first_sentence("A damped\\n   linear oscillator")
    'A damped linear oscillator'
    """
    if not text:
        return ""
    para = " ".join(text.strip().split("\n\n")[0].split())
    depth = 0
    for i, ch in enumerate(para):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == "." and depth == 0 and (i + 1 == len(para) or para[i + 1] == " "):
            # not an abbreviation such as "e.g." or "et al."
            word = para[:i].rsplit(" ", 1)[-1]
            if word.lower() in ("e.g", "i.e", "al", "cf", "vs", "approx", "eq", "fig") or \
                    (len(word) == 1 and word.isalpha()):
                continue
            return para[: i + 1]
    return para


def display_path(path, search: Sequence[os.PathLike] = ()) -> str:
    """`path` relative to the search-path folder holding it (for stable docs).

    A file of the built-in catalogue shows as `models/<sub>/<file>.nmm`; a file outside the
    search path as a path relative to the working directory, or its bare name.
    """
    p = Path(path)
    for root in search_path(search):
        try:
            rel = p.resolve().relative_to(root)
        except (ValueError, OSError):
            continue
        prefix = "models/" if root == builtin_models_dir().resolve() else ""
        return prefix + rel.as_posix()
    shown = shown_path(str(p.resolve()))  # elsewhere: relative to the working directory
    return p.name if os.path.isabs(shown) else Path(shown).as_posix()


def _mtime(path: str) -> Optional[Tuple[float, int]]:
    try:
        st = os.stat(path)
        return (st.st_mtime, st.st_size)
    except OSError:
        return None


def _use_case(rb) -> str:
    own = rb.block.meta("use_case")
    if own:
        return " ".join(own[-1].split())
    if rb.block.docstring:
        return first_sentence(rb.block.docstring)
    inherited = rb.meta("use_case")
    if inherited:
        return " ".join(inherited[-1].split())
    return first_sentence(rb.docstring)


# (path, check) -> (dependency stamps, infos, problem text or None)
_CACHE: Dict[Tuple[str, bool], Tuple[Dict[str, object], Tuple[ModelInfo, ...],
                                     Optional[str]]] = {}


def _self_contained(module) -> bool:
    """True when a file neither imports nor extends anything outside itself, so that what
    it defines does not depend on the search path."""
    if module is None or module.imports:
        return False
    own = {b.name for b in module.blocks} | {a for b in module.blocks for a in b.meta("aliases")}
    return all(b.extends is None or b.extends in own for b in module.blocks)


def _file_entries(path: Path, search: Tuple[str, ...], check: bool = False
                  ) -> Tuple[Tuple[ModelInfo, ...], Optional[str]]:
    """Every block of one file (cached by the mtimes of the file and its dependencies)."""
    key = str(path)
    hit = _CACHE.get((key, check))
    if hit is not None and hit[0].get("__search__") in (None, search) and \
            all(_mtime(f) == stamp for f, stamp in hit[0].items() if f != "__search__"):
        return hit[1], hit[2]
    from .frontend import load_program
    from .frontend.printer import format_expr

    stamp = _mtime(key)
    try:
        program = load_program(path, search=search, raise_errors=False, check=check)
    except Exception as e:  # a front-end bug must not hide the rest of the catalogue
        infos, problem = (), f"internal error while reading the file: {e!r}"
        _CACHE[(key, check)] = ({key: stamp, "__search__": search}, infos, problem)
        return infos, problem
    errors = program.bag.errors
    problem = None
    if errors:
        first = sorted(errors, key=lambda d: (d.span.file, d.span.line, d.span.col))[0]
        where = f"{first.span.line}:{first.span.col}"
        if first.span.file != key:
            where = f"{first.span}"  # an error in an imported or extended file
        problem = f"{len(errors)} error{'s' if len(errors) != 1 else ''}, first: " \
                  f"{where} {first.code} {first.message}"
    infos: List[ModelInfo] = []
    for name in program.main_blocks:
        rb = program.resolved.get(name)
        if rb is None:
            continue
        n_err = sum(1 for d in errors
                    if d.span.file == rb.file and rb.block.span.line <= d.span.line
                    <= rb.block.span.end_line)
        infos.append(ModelInfo(
            name=rb.name,
            category=rb.category,
            n_state_vars=len(rb.of_type(ast.State)),
            use_case=_use_case(rb),
            path=path,
            aliases=tuple(rb.aliases),
            description=(rb.docstring or "").strip(),
            kind=rb.kind,
            extends=rb.block.extends,
            n_errors=n_err,
            parameters=tuple(f"{p.name}={format_expr(p.default)}"
                             for p in rb.of_type(ast.Parameter)),
        ))
    deps: Dict[str, object] = {f: _mtime(f) for f in program.modules}
    deps[key] = stamp
    deps["__search__"] = None if _self_contained(program.modules.get(key)) else search
    _CACHE[(key, check)] = (deps, tuple(infos), problem)
    return tuple(infos), problem


def _files(search: Sequence[os.PathLike]) -> List[Path]:
    out: List[Path] = []
    seen = set()
    for folder in search_path(search):
        if folder.is_file() and folder.suffix == ".nmm":
            files = [folder]
        elif folder.is_dir():
            files = sorted(folder.rglob("*.nmm"))
        else:
            files = []
        for f in files:
            r = f.resolve()
            if r not in seen:
                seen.add(r)
                out.append(r)
    return out


def list_blocks(search: Sequence[os.PathLike] = (), kind: Optional[str] = None,
                check: bool = False) -> ModelList:
    """Every block on the search path (`kind` = 'model', 'coupling' or None for both).

    The first definition of a name on the search path wins, as for imports. Files are
    parsed and their `extends` resolved; `check=True` also runs the semantic checks (slower),
    so that `.problems` and `ModelInfo.n_errors` report every error, not only syntax, import
    and `extends` errors.
    """
    search_key = tuple(str(p) for p in search_path(search))  # includes BRAINMASS_MODEL_PATH
    entries: List[ModelInfo] = []
    problems: List[Tuple[Path, str]] = []
    taken = set()
    for f in _files(search):
        infos, problem = _file_entries(f, search_key, check)
        if problem:
            problems.append((f, problem))
        for info in infos:
            if info.name in taken:
                continue
            taken.add(info.name)
            if kind is None or info.kind == kind:
                entries.append(info)
    entries.sort(key=lambda m: (m.category, m.name))
    return ModelList(entries, problems)


def list_models(search: Sequence[os.PathLike] = (), category: Optional[str] = None,
                check: bool = False) -> ModelList:
    """The `model` blocks on the search path as `ModelInfo`s, sorted by category and name.

    `search`: extra folders (searched before `BRAINMASS_MODEL_PATH` and the built-in
    `models/`). `category`: keep only that category. `.to_table()` prints the result;
    `.problems` lists files that have errors (with `check=True`: every error).
    """
    return list_blocks(search, "model", check).filter(category)


def _table_of_every_model(width: Optional[int] = None, search: Sequence[os.PathLike] = (),
                          category: Optional[str] = None) -> str:
    """`list_models.to_table()` (brainmass's spelling): the table of `list_models()`."""
    return list_models(search, category).to_table(width)


list_models.to_table = _table_of_every_model  # type: ignore[attr-defined]


def list_couplings(search: Sequence[os.PathLike] = (), check: bool = False) -> ModelList:
    """The `coupling` blocks on the search path (n_state_vars is 0 for these)."""
    return list_blocks(search, "coupling", check)


def find_model(name: str, search: Sequence[os.PathLike] = (),
               kind: Optional[str] = None) -> Tuple[Path, str]:
    """(file, block name) of the block called `name` or having `name` as an alias.

    A unique case-insensitive match is accepted too (`jansenritstep`). Raises
    `UnknownModelError` (a `LookupError`) listing close matches, and `AmbiguousNameError`
    (a `LookupError`) naming the files when several of the user's files define `name`.
    """
    idx = index(search)
    entries = {k: v for k, v in idx.items() if kind is None or v.kind == kind}
    entry = entries.get(name)
    if entry is None:
        folded = [k for k in entries if k.lower() == name.lower()]
        if len(folded) == 1:
            entry = entries[folded[0]]
    if entry is None:
        close = suggest(name, sorted(entries), n=5)
        close += [k for k in sorted(entries) if name.lower() in k.lower() and k not in close]
        raise UnknownModelError(name, close[:5], kind or "model")
    entry.check_unique("file")
    return entry.path, (entry.alias_of or entry.name)
