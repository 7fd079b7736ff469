"""The model search path and an index of the .nmm files on it.

Search order: folders given by the caller (`--path`), then `BRAINMASS_MODEL_PATH`
(os.pathsep-separated), then the built-in catalogue `models/`. The index maps every
block name and alias to the file that defines it, by a cheap scan (no parsing).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
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
    """Every block name and alias on the search path; earlier folders win."""
    out: Dict[str, IndexEntry] = {}
    for folder in search_path(extra):
        for f in _nmm_files(folder):
            try:
                blocks = _scan(f, f.stat().st_mtime)
            except OSError:
                continue
            for kind, name, aliases in blocks:
                out.setdefault(name, IndexEntry(name, f, kind))
                for a in aliases:
                    out.setdefault(a, IndexEntry(a, f, kind, alias_of=name))
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
