"""Numba's own cache files of a kernel, kept in the kernel's cache entry and checksummed.

Numba writes an index (`.nbi`) and object code (`.nbc`) per compiled function. Here they
go to `<entry>/numba/` (never `__pycache__` nor `~/.cache/numba`), and each file starts
with a line `BMNB1 <sha256 of the rest>`: a damaged file is found on load, reported with a
`CacheWarning`, treated as absent (the function is compiled again and the file rewritten).
Unpickling or linking damaged object code would otherwise crash or abort Python.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import threading
import warnings
from typing import Dict, Optional

from numba.core import caching, config
from numba.core.dispatcher import Dispatcher

from .cache import CacheWarning

MAGIC = b"BMNB1 "

#: module file -> (folder of its Numba files, source stamp), for the locator below
_ENTRIES: Dict[str, tuple] = {}
_LOCK = threading.Lock()


def checksummed(payload: bytes) -> bytes:
    return MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def verified(blob: bytes) -> Optional[bytes]:
    """The payload of a checksummed file, or None if it is damaged."""
    head, sep, payload = blob.partition(b"\n")
    if not sep or not head.startswith(MAGIC):
        return None
    if head[len(MAGIC):].decode("ascii", "replace") != hashlib.sha256(payload).hexdigest():
        return None
    return payload


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


class VerifiedFile(caching.IndexDataCacheFile):
    """Index and data files with a checksum line; damaged ones read as missing."""

    def _damaged(self, path: str) -> None:
        warnings.warn(f"brainmass: damaged Numba cache file {path} ignored; the function is "
                      "compiled again", CacheWarning, stacklevel=2)

    def _read(self, path: str) -> Optional[bytes]:
        with open(path, "rb") as f:
            payload = verified(f.read())
        if payload is None:
            self._damaged(path)
        return payload

    def _load_index(self):
        try:
            payload = self._read(self._index_path)
        except FileNotFoundError:
            return {}
        if payload is None:
            return {}
        stream = io.BytesIO(payload)
        try:
            if pickle.load(stream) != self._version:
                return {}
            stamp, overloads = pickle.loads(stream.read())
        except Exception:  # noqa: BLE001 - a checksummed file that still fails to unpickle
            self._damaged(self._index_path)
            return {}
        return overloads if stamp == self._source_stamp else {}

    def _load_data(self, name):
        path = self._data_path(name)
        payload = self._read(path)
        if payload is None:
            raise OSError(f"damaged cache file {path}")   # `load` treats it as absent
        return pickle.loads(payload)

    @contextlib.contextmanager
    def _open_for_write(self, filepath):
        buf = io.BytesIO()
        yield buf
        with super()._open_for_write(filepath) as f:
            f.write(checksummed(buf.getvalue()))


class VerifiedCache(caching.FunctionCache):
    """Numba's function cache on `VerifiedFile`; a failed write warns once and turns it off."""

    def __init__(self, py_func):
        super().__init__(py_func)
        self._cache_file = VerifiedFile(self._cache_path, self._impl.filename_base,
                                        self._impl.locator.get_source_stamp())

    def save_overload(self, sig, data):
        try:
            super().save_overload(sig, data)
        except OSError as e:
            self.disable()
            warnings.warn(f"brainmass: cannot write compiled code to {self._cache_path} "
                          f"({e.strerror or e}); it is kept in memory for this process",
                          CacheWarning, stacklevel=2)


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
        if isinstance(value, Dispatcher) and not isinstance(value._cache, caching.NullCache):
            value._cache = VerifiedCache(value.py_func) if persistent else caching.NullCache()
