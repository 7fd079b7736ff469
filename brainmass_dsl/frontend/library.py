"""The model search path and an index of the .nmm files on it.

Search order: folders given by the caller (`--path`), then `BRAINMASS_MODEL_PATH`
(os.pathsep-separated), then the built-in catalogue `models/`. The index maps every
block name and alias to the file that defines it, by a cheap scan (no parsing).

A name defined by two files of the user's folders is ambiguous: looking it up by name
raises `AmbiguousNameError` naming both files (never resolved by path order); the user
chooses one by its file (`FILE:NAME` on the command line, `bm.load(FILE).NAME` in Python,
`from FILE import NAME` in a .nmm file). A user's file may hide a built-in catalogue model of
the same name (documented: that is how a catalogue model is replaced).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .._resources import data_dir

ENV_VAR = "BRAINMASS_MODEL_PATH"
_BLOCK = re.compile(r"^(model|coupling)\s+([A-Za-z_]\w*)", re.M)
_ALIASES = re.compile(r"^\s+aliases\s*:\s*(.+)$", re.M)


def builtin_models_dir() -> Path:
    return data_dir("models")


def search_path(extra: Sequence[os.PathLike] = ()) -> List[Path]:
    """Folders searched for imports and catalogue names, most specific first."""
    env = [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    out: List[Path] = []
    for p in [*extra, *env, builtin_models_dir()]:
        p = Path(p).expanduser().resolve()
        if p not in out:
            out.append(p)
    return out


@dataclass(frozen=True)
class IndexEntry:
    name: str          # the block name
    path: Path         # the file defining it
    kind: str          # model | coupling
    alias_of: Optional[str] = None  # set when `name` is an alias
    others: Tuple[Path, ...] = ()   # further files of the user's folders defining `name`

    @property
    def ambiguous(self) -> bool:
        return bool(self.others)

    def check_unique(self, how: str = "file") -> "IndexEntry":
        """self, or AmbiguousNameError when several files define the name."""
        if self.others:
            raise AmbiguousNameError(self.name, (self.path,) + self.others, how)
        return self


def display(path: Path) -> str:
    """`path` relative to the working directory when it lies below it, else absolute."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith(os.pardir + os.sep) else str(path)


def import_text(path: Path, extra: Sequence[os.PathLike] = ()) -> str:
    """How an `import` names `path`: relative to the search-path folder holding it."""
    for root in search_path(extra):
        try:
            return Path(path).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
    return Path(path).as_posix()


class AmbiguousNameError(LookupError, ValueError):
    """A name defined by several files on the search path; `.files` lists them in order."""

    #: how the user names one of the files, per front end
    CHOICES = {"file": "choose one with FILE:NAME, e.g. {file}:{name}",
               "python": "choose one with bm.load({file!r}).{name}"}

    def __init__(self, name: str, files: Sequence[Path], how: str = "file"):
        self.name, self.files = name, tuple(files)
        listed = " and ".join(display(f) for f in self.files)
        choice = self.CHOICES[how].format(file=display(self.files[0]), name=name)
        super().__init__(f"{name!r} is defined by {len(self.files)} files on the search "
                         f"path: {listed}; {choice}")

    def __str__(self) -> str:
        return self.args[0]


def _nmm_files(folder: Path) -> Iterable[Path]:
    if folder.is_file() and folder.suffix == ".nmm":
        yield folder
    elif folder.is_dir():
        yield from sorted(folder.rglob("*.nmm"))


@lru_cache(maxsize=4096)
def _scan(path: Path, mtime: float) -> Tuple[Tuple[str, str, Tuple[str, ...]], ...]:
    """(kind, name, aliases) of every block in a file (aliases found in the block's lines)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    starts = list(_BLOCK.finditer(text))
    out = []
    for i, m in enumerate(starts):
        body = text[m.end(): starts[i + 1].start() if i + 1 < len(starts) else len(text)]
        aliases = tuple(a.strip().strip('"') for line in _ALIASES.findall(body)
                        for a in line.split("#")[0].split(",") if a.strip())
        out.append((m.group(1), m.group(2), aliases))
    return tuple(out)


def index(extra: Sequence[os.PathLike] = ()) -> Dict[str, IndexEntry]:
    """Every block name and alias on the search path, with the file that defines it (the
    first in search order) and, in `others`, any further files of the user's folders that
    define it too (see the module doc; a built-in catalogue file hidden by a user's file is
    not listed)."""
    found: Dict[str, List[IndexEntry]] = {}
    builtin = builtin_models_dir().resolve()
    for folder in search_path(extra):
        for f in _nmm_files(folder):
            try:
                blocks = _scan(f, f.stat().st_mtime)
            except OSError:
                continue
            f = f.resolve()
            for kind, name, aliases in blocks:
                for key, alias_of in [(name, None)] + [(a, name) for a in aliases]:
                    entries = found.setdefault(key, [])
                    if all(e.path != f for e in entries):
                        entries.append(IndexEntry(key, f, kind, alias_of=alias_of))
    out: Dict[str, IndexEntry] = {}
    for key, entries in found.items():
        first = entries[0]
        user_first = builtin not in first.path.parents
        others = tuple(e.path for e in entries[1:]
                       if not (user_first and builtin in e.path.parents))
        out[key] = replace(first, others=others) if others else first
    return out


def find_file(target: str, is_path: bool, importer_dir: Optional[Path],
              extra: Sequence[os.PathLike] = ()) -> Optional[Path]:
    """The .nmm file an `import` names: a path or dotted name, relative to the importing file,
    then each search-path folder; a bare name also matches a file of that name in subfolders
    of the search-path folders (not of the importing file's folder, which may be any
    folder, e.g. the home directory or the working directory of a text source)."""
    rel = Path(target) if is_path else Path(*target.split(".")).with_suffix(".nmm")
    roots = ([importer_dir] if importer_dir else []) + search_path(extra)
    for root in roots:
        cand = (root / rel) if not rel.is_absolute() else rel
        if cand.is_file():
            return cand.resolve()
    if not is_path:
        for root in search_path(extra):
            if root.is_dir():
                hits = sorted(root.rglob(rel.name))
                if hits:
                    return hits[0].resolve()
    return None
