"""Name -> loader registry, mirroring ``brainmass.datasets``."""
from __future__ import annotations

from typing import Any, Callable

__all__ = [
    "DatasetUnavailableError",
    "register_dataset",
    "list_datasets",
    "load_dataset",
]

_REGISTRY: dict[str, tuple[Callable[..., Any], str]] = {}


class DatasetUnavailableError(FileNotFoundError):
    """A dataset lives in an external package or file that is not installed/found."""


def register_dataset(name: str, loader: Callable[..., Any], *, description: str | None = None) -> None:
    """Register ``loader`` under ``name``.

    ``description`` defaults to the first line of the loader's docstring.
    Raises ``TypeError`` if ``loader`` is not callable and ``ValueError`` if ``name`` is
    empty or already registered.
    """
    if not callable(loader):
        raise TypeError(f"loader for dataset {name!r} must be callable, got {type(loader).__name__}")
    if not isinstance(name, str) or not name:
        raise ValueError(f"dataset name must be a non-empty str, got {name!r}")
    if name in _REGISTRY:
        raise ValueError(f"dataset {name!r} is already registered")
    if description is None:
        doc = (getattr(loader, "__doc__", None) or "").strip()
        description = doc.splitlines()[0] if doc else ""
    _REGISTRY[name] = (loader, str(description))


def list_datasets() -> list[tuple[str, str]]:
    """Sorted list of ``(name, description)`` for every registered dataset."""
    return sorted((name, desc) for name, (_, desc) in _REGISTRY.items())


def load_dataset(name: str, **kwargs: Any) -> Any:
    """Call the loader registered as ``name`` (fresh call every time) with ``kwargs``.

    Raises ``KeyError`` listing the available names if ``name`` is unknown.
    """
    try:
        loader, _ = _REGISTRY[name]
    except KeyError:
        available = ", ".join(sorted(_REGISTRY)) or "(none)"
        raise KeyError(f"unknown dataset {name!r}; available: {available}") from None
    return loader(**kwargs)
