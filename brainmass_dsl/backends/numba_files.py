"""Numba's own cache files of a kernel, kept in the kernel's cache entry and checksummed.

Numba writes an index (`.nbi`) and object code (`.nbc`) per compiled function. Here they
go to `<entry>/numba/` (never `__pycache__` nor `~/.cache/numba`), checksummed by
`jitcache.VerifiedFile` (a damaged file is reported with a `CacheWarning` and treated as
absent: the function is compiled again and the file rewritten).
"""
from __future__ import annotations

import contextlib
import os
import threading
from typing import Dict

from numba.core import caching, config
from numba.core.dispatcher import Dispatcher

from ..jitcache import (MAGIC, VerifiedCache, VerifiedFile, checksummed,  # noqa: F401
                        verified)

#: module file -> (folder of its Numba files, source stamp), for the locator below
_ENTRIES: Dict[str, tuple] = {}
_LOCK = threading.Lock()


class EntryLocator(caching._CacheLocator):
    """Numba's files of a generated module go to its entry's `numba/` folder."""

    def __init__(self, py_func, py_file):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._folder, self._stamp = _ENTRIES[py_file]

    @classmethod
    def from_function(cls, py_func, py_file):
        return cls(py_func, py_file) if py_file in _ENTRIES else None

    def ensure_cache_path(self):
        os.makedirs(self._folder, exist_ok=True)

    def get_cache_path(self):
        return self._folder

    def get_source_stamp(self):
        return self._stamp          # the verified digest of the module's source

    def get_disambiguator(self):
        return str(self._lineno)


@contextlib.contextmanager
def entry_locator(py_file: str, folder: str, stamp: str):
    """While executing a generated module: its `cache=True` functions find `EntryLocator`
    (other modules imported meanwhile keep Numba's usual locators)."""
    with _LOCK:
        _ENTRIES[py_file] = (folder, stamp)
        saved = config.CACHE_LOCATOR_CLASSES
        config.CACHE_LOCATOR_CLASSES = ",".join(
            [f"{__name__}.EntryLocator"] + [c.__name__ for c in caching.CacheImpl._locator_classes])
        try:
            yield
        finally:
            config.CACHE_LOCATOR_CLASSES = saved


def attach(module, *, persistent: bool) -> None:
    """Give every cached dispatcher of `module` a `VerifiedCache` (or none, in memory)."""
    for value in list(vars(module).values()):
        # only the module's own functions: an imported package function (first_nonfinite)
        # keeps its jitcache cache (else Numba's default locator would write in the package)
        if getattr(getattr(value, "py_func", None), "__globals__", None) is not vars(module):
            continue
        if isinstance(value, Dispatcher) and not isinstance(value._cache, caching.NullCache):
            value._cache = VerifiedCache(value.py_func) if persistent else caching.NullCache()


def will_compile(dispatcher) -> bool:
    """True when the next call of `dispatcher` compiles (a cold start): it holds no compiled
    code in memory and its cache folder has no index of compiled code for it."""
    if dispatcher.overloads:
        return False
    index = getattr(getattr(dispatcher._cache, "_cache_file", None), "_index_path", None)
    return index is None or not os.path.exists(index)
