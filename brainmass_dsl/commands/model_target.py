"""The model class a command-line target names: a catalogue name or alias, FILE.nmm (its only
block) or FILE.nmm:BLOCK."""
from __future__ import annotations

from pathlib import Path

from .base import CliError


def model_class(target: str, search):
    import brainmass_dsl as bm
    from ..catalogue import find_model

    if ":" in target or target.endswith(".nmm"):
        file, _, block = target.partition(":")
        if not Path(file).exists():
            raise CliError(f"no such file: {file}", 2)
        lib = bm.load(file, search=search)
        if not block:
            if len(lib) != 1:
                raise CliError(f"{file} defines {', '.join(lib)}; choose one with {file}:NAME")
            block = next(iter(lib))
        return lib[block]
    try:
        path, block = find_model(target, search)
    except LookupError as e:
        raise CliError(str(e)) from None
    return bm.load(path, search=search)[block]
