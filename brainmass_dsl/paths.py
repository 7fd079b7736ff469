"""How a file's path is shown to a person (diagnostics, `brainmass show`, the catalogue).

>>> import os
>>> shown_path(os.path.join(os.getcwd(), "models", "hopf.nmm")).split(os.sep)
['models', 'hopf.nmm']
>>> shown_path("<stdin>"), shown_path("relative/as/typed.nmm")
('<stdin>', 'relative/as/typed.nmm')
"""
from __future__ import annotations

import os


def shown_path(path: str) -> str:
    """An absolute `path` relative to the working directory when it lies below it; any other
    path (outside it, relative, or a pseudo-file such as "<stdin>") unchanged."""
    if not path or path.startswith("<") or not os.path.isabs(path):
        return path
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return path if rel == os.pardir or rel.startswith(os.pardir + os.sep) else rel
