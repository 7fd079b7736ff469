"""Numba's cache files, checksummed; and `njit_cached`, for the package's own Numba functions.

Numba writes an index (`.nbi`) and object code (`.nbc`) per compiled function. Here each file
starts with a line `BMNB1 <sha256 of the rest>`: a damaged file is found on load, reported
with a `CacheWarning` and treated as absent (the function is compiled again and the file
rewritten). Unpickling a truncated index or linking damaged object code would otherwise raise
in the middle of a run (`UnpicklingError: pickle data was truncated`) or abort Python.

Generated kernels keep these files in their cache entry (`backends/numba_files.py`). The
package's own Numba functions (`rng`, `backends.numba.checks`) are decorated with
`njit_cached`: their files go to `<cache dir>/numba-package/`, stamped with the sha256 of
their source file, never to the package's `__pycache__` (which Numba's `cache=True` uses,
unverified, and which may be read-only or shared by several installs).

A shared module: it imports nothing of the package but `_resources`.
"""
from __future__ import annotations

import contextlib
import hashlib
import inspect
import io
import os
import pickle
import sys
import threading
import warnings
from typing import Optional

from numba.core import caching

MAGIC = b"BMNB1 "
#: the folder of the package functions' files, under the cache folder
PACKAGE_FOLDER = "numba-package"


class CacheWarning(UserWarning):
    """A kernel-cache entry was damaged or could not be written; results are unaffected."""


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


# ---------------------------------------------------------------------------- package functions
def _source_stamp(path: str) -> str:
    """The sha256 of a source file and the Numba version: an edited file (or another Numba)
    never reads the files of the old one."""
    import numba

    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest() + f"|numba {numba.__version__}"


class PackageLocator(caching._CacheLocator):
    """The package's Numba functions keep their files in `<cache dir>/numba-package/`."""

    def __init__(self, py_func, py_file: str):
        from ._resources import cache_dir

        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._folder = str(cache_dir() / PACKAGE_FOLDER)
        self._stamp = _source_stamp(py_file)

    @classmethod
    def from_function(cls, py_func, py_file):
        return cls(py_func, py_file)

    def ensure_cache_path(self):
        os.makedirs(self._folder, exist_ok=True)

    def get_cache_path(self):
        return self._folder

    def get_source_stamp(self):
        return self._stamp

    def get_disambiguator(self):
        return str(self._lineno)


class _PackageImpl(caching.CompileResultCacheImpl):
    """Numba's cache implementation with `PackageLocator`, whatever locators Numba's config
    names (the kernel cache sets them while it executes a generated module)."""

    def __init__(self, py_func):
        self._lineno = py_func.__code__.co_firstlineno
        qualname = getattr(py_func, "__qualname__", py_func.__name__)
        path = inspect.getfile(py_func)
        self._locator = PackageLocator(py_func, path)
        modname = os.path.splitext(os.path.basename(path))[0]
        self._filename_base = self.get_filename_base(f"{modname}.{qualname}",
                                                     getattr(sys, "abiflags", ""))


class PackageCache(VerifiedCache):
    _impl_class = _PackageImpl


class _LazyCache:
    """A dispatcher's cache, made at the first compile (the cache folder is read then, not
    when the package is imported)."""

    def __init__(self, py_func):
        self._py_func = py_func
        self._real = None
        self._lock = threading.Lock()

    def _cache(self):
        with self._lock:
            if self._real is None:
                try:
                    self._real = PackageCache(self._py_func)
                except Exception as e:  # noqa: BLE001 - no usable folder: compile in memory
                    warnings.warn(f"brainmass: no cache for {self._py_func.__qualname__} "
                                  f"({e}); it is compiled in every process", CacheWarning,
                                  stacklevel=3)
                    self._real = caching.NullCache()
            return self._real

    def load_overload(self, sig, target_context):
        return self._cache().load_overload(sig, target_context)

    def save_overload(self, sig, data):
        self._cache().save_overload(sig, data)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._cache(), name)


def njit_cached(*args, **options):
    """`numba.njit(...)` whose compiled code is cached in the verified package cache (see the
    module doc) instead of Numba's `cache=True` files next to the source."""
    from numba import njit

    if options.pop("cache", False):
        raise TypeError("njit_cached caches by itself; do not pass cache=True")

    def wrap(fn):
        dispatcher = njit(**options)(fn)
        dispatcher._cache = _LazyCache(dispatcher.py_func)
        return dispatcher

    if args and callable(args[0]) and len(args) == 1 and not options:
        return wrap(args[0])
    if args:
        raise TypeError("njit_cached takes keyword options only, e.g. njit_cached(parallel=True)")
    return wrap
