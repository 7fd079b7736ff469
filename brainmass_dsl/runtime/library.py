"""Model classes from .nmm files: the catalogue by name, and user files with `load`."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Dict, Sequence

from ..frontend import load_program
from ..frontend.library import index
from .model import model_class

_CLASSES: Dict[tuple, type] = {}


class ModelLibrary(Mapping):
    """The model classes of one file: `lib.MyModel(in_size=3)` or `lib["MyModel"]`."""

    def __init__(self, program, names):
        self.program = program
        self._names = list(names)

    def __getitem__(self, name):
        rb = self.program.block(name)
        key = (self.program.main_file, rb.name)
        if key not in _CLASSES:
            _CLASSES[key] = model_class(self.program, rb.name)
        return _CLASSES[key]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError as e:
            raise AttributeError(str(e)) from None

    def __iter__(self):
        return iter(self._names)

    def __len__(self):
        return len(self._names)

    def __repr__(self):
        return f"ModelLibrary({self.program.main_file}: {', '.join(self._names)})"


def load(path, search: Sequence[os.PathLike] = ()) -> ModelLibrary:
    """The model classes defined in a .nmm file (raises NmmError on errors in it, and
    FileNotFoundError naming the path when there is no such file)."""
    p = Path(path)
    if not p.is_file():
        what = "is a folder, not a .nmm file" if p.is_dir() else "does not exist"
        raise FileNotFoundError(f"bm.load({str(path)!r}): {p.resolve()} {what}")
    program = load_program(p, search=search, check="cached")
    names = [n for n in program.main_blocks if program.resolved[n].kind == "model"]
    return ModelLibrary(program, names)


def catalogue_class(name: str, search: Sequence[os.PathLike] = ()) -> type:
    """The class of a catalogue model (name or alias) on the search path; a name that several
    of the user's files define raises `AmbiguousNameError` (a LookupError and ValueError)."""
    entry = index(search).get(name)
    if entry is None or entry.kind != "model":
        raise AttributeError(name)
    entry.check_unique("python")
    key = (str(entry.path), entry.alias_of or entry.name)
    if key not in _CLASSES:
        program = load_program(entry.path, search=search, check="cached")
        _CLASSES[key] = model_class(program, entry.alias_of or entry.name)
    return _CLASSES[key]
