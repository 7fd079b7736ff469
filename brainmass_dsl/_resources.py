"""Where the package's folders are: the shipped data and the user's cache.

The shipped data folders (`grammar/`, `templates/`, `models/`) sit inside the package under
`_data/` in an installed wheel, and are top-level folders of the repository in a source
checkout (or an editable install). The cache folder (generated kernels, the parser's grammar
analysis, pint's definitions, the checked-program markers) is `$BRAINMASS_CACHE_DIR`, else the
user cache folder (`platformdirs.user_cache_dir("brainmass-dsl")`).

Every stage may import this module: it imports nothing of the package.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent

#: the environment variable naming the cache folder
CACHE_ENV_VAR = "BRAINMASS_CACHE_DIR"


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """Absolute path of the shipped folder `name` ('grammar', 'templates' or 'models')."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"brainmass_dsl data folder {name!r} is missing (looked in {_PACKAGE / '_data'} and "
        f"{_PACKAGE.parent}); the installation is incomplete, reinstall brainmass-dsl")


def cache_dir() -> Path:
    """The cache folder: `$BRAINMASS_CACHE_DIR`, else the user cache folder."""
    env = os.environ.get(CACHE_ENV_VAR)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("brainmass-dsl"))
