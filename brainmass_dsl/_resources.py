"""Where the shipped data folders (`grammar/`, `templates/`, `models/`) live.

In an installed wheel they sit inside the package under `_data/`; in a source checkout
(or an editable install) they are top-level folders of the repository.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """Absolute path of the shipped folder `name` ('grammar', 'templates' or 'models')."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"brainmass_dsl data folder {name!r} is missing (looked in {_PACKAGE / '_data'} and "
        f"{_PACKAGE.parent}); the installation is incomplete, reinstall brainmass-dsl")
