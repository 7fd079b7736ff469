"""The on-disk kernel cache: one verified folder per generated module.

Numba's `cache=True` needs a real source file, so each kernel is an entry folder
`<cache dir>/<backend>/<key>/` holding the generated module `nmm_<key>.py`, Numba's compiled
code in `numba/` (checksummed files, see numba_files.py) and `entry.json`, written last,
with the sha256 of the module's bytes. An entry is used only if `entry.json` matches the
module; otherwise it is dropped and rebuilt with a `CacheWarning`. A new entry is staged in
a temporary folder and renamed into place, so readers never see half an entry.

The key covers the normalised model source, the integrator, dtype, backend, kernel kind and
the versions of the tools and of this compiler's own code, never parameter values or sizes.
The cache folder is `$BRAINMASS_CACHE_DIR`, else the user cache folder
(`platformdirs.user_cache_dir("brainmass-dsl")`; see `_resources.cache_dir`). When it cannot
be written, kernels are built in a temporary folder of this process (one warning) and nothing
is written elsewhere. See docs/faults.md.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import types
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, Optional

from .._resources import CACHE_ENV_VAR as ENV_VAR, cache_dir
from ..jitcache import CacheWarning  # noqa: F401  (re-exported: backends.cache.CacheWarning)

log = logging.getLogger("brainmass_dsl.cache")

ENTRY_FORMAT = 1
_PACKAGE = Path(__file__).resolve().parents[1]


class CacheError(OSError):
    """The cache folder cannot be used for what was asked (e.g. `brainmass cache clear` on a
    read-only folder): the message names the folder, the cause and what to do."""


@dataclass
class CacheStats:
    """Counters of this process (a fresh process that finds a kernel counts a disk hit)."""

    memory_hits: int = 0
    disk_hits: int = 0
    writes: int = 0
    events: list = field(default_factory=list)


STATS = CacheStats()
_MODULES: Dict[str, object] = {}


@lru_cache(maxsize=1)
def toolchain_fingerprint() -> str:
    """Versions of the tools plus a hash of this compiler's own code generators."""
    import numba
    import numpy

    from .. import __version__
    from .._resources import data_dir

    h = hashlib.sha256()
    h.update(f"{__version__}|numba {numba.__version__}|numpy {numpy.__version__}|"
             f"py {sys.version_info[:3]}".encode())
    # every stage that decides what a kernel computes: a change in any of them is a new key
    # (plan/ and the frontend included: their code shapes the generated statements too)
    roots = [_PACKAGE / "frontend", _PACKAGE / "ir", _PACKAGE / "integrators", _PACKAGE / "plan",
             _PACKAGE / "backends", _PACKAGE / "rng", _PACKAGE / "libm", data_dir("templates")]
    for root in roots:
        for f in sorted(root.rglob("*")):
            if f.is_file() and f.suffix in (".py", ".j2", ".h", ".cuh"):
                h.update(f.relative_to(root.parent).as_posix().encode())
                h.update(f.read_bytes())
    h.update((_PACKAGE / "compiler.py").read_bytes())
    return h.hexdigest()


def make_key(**parts) -> str:
    """A stable hash of the parts that define a kernel (plus the toolchain fingerprint)."""
    payload = json.dumps(parts, sort_keys=True, default=str) + toolchain_fingerprint()
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def entry_path(key: str, backend: str = "numba") -> Path:
    return cache_dir() / backend / key


def module_path(key: str, backend: str = "numba") -> Path:
    return entry_path(key, backend) / f"nmm_{key}.py"


@lru_cache(maxsize=1)
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _share(path: Path, folder: bool = False) -> None:
    """Permissions as a plain `open`/`mkdir` would give (group-readable with umask 022)."""
    os.chmod(path, (0o777 if folder else 0o666) & ~_umask())


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_entry(entry: Path, key: str) -> Optional[bytes]:
    """The module's bytes if `entry` is complete and intact; None if absent. A damaged entry
    is dropped (with a `CacheWarning`) and None returned."""
    if not entry.is_dir():
        return None
    module = entry / f"nmm_{key}.py"
    try:
        record = json.loads((entry / "entry.json").read_text(encoding="utf-8"))
        data = module.read_bytes()
    except FileNotFoundError:
        problem = "incomplete (no entry.json or no module)"
    except (OSError, ValueError) as e:
        problem = f"unreadable ({e})"
    else:
        if (isinstance(record, dict) and record.get("format") == ENTRY_FORMAT
                and record.get("key") == key and record.get("sha256") == digest(data)):
            return data
        problem = "damaged (its module does not match the digest in entry.json)"
    warnings.warn(f"brainmass: kernel cache entry {entry} is {problem}; rebuilding it",
                  CacheWarning, stacklevel=3)
    _drop(entry)
    return None


def _drop(entry: Path) -> None:
    """Remove an entry (renamed aside first, so that no reader sees it half deleted)."""
    aside = entry.with_name(f".drop-{entry.name}-{os.getpid()}-{os.urandom(4).hex()}")
    try:
        os.rename(entry, aside)
    except OSError:
        return          # gone already (another process), or a read-only cache
    shutil.rmtree(aside, ignore_errors=True)


def write_entry(entry: Path, key: str, data: bytes) -> None:
    """Stage the entry in a temporary folder beside it and rename it into place. If another
    process placed it first, theirs is kept (same key, same bytes). OSError if not writable."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".stage-{key}-", dir=entry.parent))
    try:
        (stage / f"nmm_{key}.py").write_bytes(data)
        record = {"format": ENTRY_FORMAT, "key": key, "module": f"nmm_{key}.py",
                  "sha256": digest(data)}
        (stage / "entry.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        for f in stage.iterdir():
            _share(f)
        _share(stage, folder=True)
        try:
            os.rename(stage, entry)
        except OSError:
            if not entry.is_dir():
                raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)


_SCRATCH: Dict[str, Path] = {}


def _scratch_dir(reason: Exception) -> Path:
    """This process's temporary kernel folder (removed at exit); warns once why."""
    if "dir" not in _SCRATCH:
        folder = Path(tempfile.mkdtemp(prefix="brainmass-kernels-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _SCRATCH["dir"] = folder
        cause = getattr(reason, "strerror", None) or str(reason)
        warnings.warn(f"brainmass: cannot write the kernel cache {cache_dir()} ({cause}); "
                      f"compiling in the temporary folder {folder} for this process only. "
                      f"Set {ENV_VAR} to a writable folder to keep compiled kernels.",
                      CacheWarning, stacklevel=4)
    return _SCRATCH["dir"]


def _execute(name: str, path: Path, data: bytes, folder: Path, persistent: bool):
    """Run the module text `data` (the verified bytes, not a re-read) as module `name`."""
    from . import numba_files

    module = types.ModuleType(name)
    module.__file__ = str(path)
    code = compile(data, str(path), "exec")
    sys.modules[name] = module
    try:
        with numba_files.entry_locator(str(path), str(folder), digest(data)):
            exec(code, module.__dict__)
            numba_files.attach(module, persistent=persistent)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def load(key: str, render: Callable[[], str], backend: str = "numba"):
    """The generated module for `key`: from a verified cache entry, else rendered and
    written first (into a temporary folder when the cache cannot be written)."""
    if key in _MODULES:
        STATS.memory_hits += 1
        return _MODULES[key]
    entry = entry_path(key, backend)
    data = read_entry(entry, key)
    persistent = True
    if data is not None:
        STATS.disk_hits += 1
        STATS.events.append(("disk-hit", str(entry)))
        log.info("brainmass: kernel %s loaded from cache %s", key, entry)
    else:
        data = render().encode("utf-8")
        try:
            write_entry(entry, key, data)
        except OSError as e:
            entry = _scratch_dir(e) / backend / key
            write_entry(entry, key, data)
            persistent = False
        STATS.writes += 1
        STATS.events.append(("write", str(entry)))
        log.info("brainmass: kernel %s generated at %s", key, entry)
    name = f"brainmass_dsl_generated_{backend}_{key}"
    module = _execute(name, entry / f"nmm_{key}.py", data, entry / "numba", persistent)
    _MODULES[key] = module
    return module


def info() -> dict:
    """What is in the cache: folder, number of kernels (entries), files, size in bytes."""
    root = cache_dir()
    try:
        files = [f for f in root.rglob("*") if f.is_file()] if root.exists() else []
        return {"path": str(root), "modules": sum(1 for f in files if f.name == "entry.json"),
                "files": len(files), "bytes": sum(f.stat().st_size for f in files)}
    except OSError as e:
        raise CacheError(f"cannot read the kernel cache {root}: {e.strerror or e}") from None


def clear() -> int:
    """Delete every cached kernel; returns the number of files removed."""
    root = cache_dir()
    if not root.exists():
        return 0
    n = sum(1 for f in root.rglob("*") if f.is_file())
    errors = []
    shutil.rmtree(root, onerror=lambda fn, p, exc: errors.append((p, exc[1])))
    _MODULES.clear()
    if errors:
        path, err = errors[0]
        raise CacheError(f"cannot clear the kernel cache {root}: {path}: "
                         f"{getattr(err, 'strerror', None) or err} (check the folder's "
                         f"permissions, or set {ENV_VAR} to another folder)")
    return n


def find_generated(key: str, backend: str = "numba") -> Optional[Path]:
    p = module_path(key, backend)
    return p if p.exists() else None
