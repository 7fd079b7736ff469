"""The on-disk kernel cache: generated modules as real .py files in a content-hashed folder.

Numba's `cache=True` needs a real source file, so generated code is written to
`<cache dir>/<backend>/nmm_<key>.py` (atomic rename; never rewritten) and imported from
there; Numba keeps its compiled machine code beside it in `__pycache__`. The key covers the
normalised model source, the integrator, dtype, backend, kernel kind and the versions of
the tools and of this compiler's own code, never parameter values or sizes.

The cache folder is `$BRAINMASS_CACHE_DIR`, else the user cache folder
(`platformdirs.user_cache_dir("brainmass-dsl")`).
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, Optional

log = logging.getLogger("brainmass_dsl.cache")

ENV_VAR = "BRAINMASS_CACHE_DIR"
_PACKAGE = Path(__file__).resolve().parents[1]


@dataclass
class CacheStats:
    """Counters of this process (a fresh process that finds a kernel counts a disk hit)."""

    memory_hits: int = 0
    disk_hits: int = 0
    writes: int = 0
    events: list = field(default_factory=list)


STATS = CacheStats()
_MODULES: Dict[str, object] = {}


def cache_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("brainmass-dsl"))


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
    roots = [_PACKAGE / "ir", _PACKAGE / "integrators", _PACKAGE / "backends", _PACKAGE / "rng",
             _PACKAGE / "libm", data_dir("templates")]
    for root in roots:
        for f in sorted(root.rglob("*")):
            if f.is_file() and f.suffix in (".py", ".j2", ".h", ".cuh"):
                h.update(f.relative_to(root.parent).as_posix().encode())
                h.update(f.read_bytes())
    return h.hexdigest()


def make_key(**parts) -> str:
    """A stable hash of the parts that define a kernel (plus the toolchain fingerprint)."""
    payload = json.dumps(parts, sort_keys=True, default=str) + toolchain_fingerprint()
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def module_path(key: str, backend: str = "numba") -> Path:
    return cache_dir() / backend / f"nmm_{key}.py"


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.stem + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)  # atomic: concurrent writers of the same key write equal bytes
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(key: str, render: Callable[[], str], backend: str = "numba"):
    """The generated module for `key`, rendering and writing it first if it is new."""
    if key in _MODULES:
        STATS.memory_hits += 1
        return _MODULES[key]
    path = module_path(key, backend)
    if path.exists():
        STATS.disk_hits += 1
        STATS.events.append(("disk-hit", str(path)))
        log.info("brainmass: kernel %s loaded from cache %s", key, path)
    else:
        _atomic_write(path, render())
        STATS.writes += 1
        STATS.events.append(("write", str(path)))
        log.info("brainmass: kernel %s generated at %s", key, path)
    name = f"brainmass_dsl_generated_{backend}_{key}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    _MODULES[key] = module
    return module


def info() -> dict:
    """What is in the cache: folder, number of generated modules, size in bytes."""
    root = cache_dir()
    files = [f for f in root.rglob("*") if f.is_file()] if root.exists() else []
    return {"path": str(root), "modules": sum(1 for f in files if f.suffix == ".py"),
            "files": len(files), "bytes": sum(f.stat().st_size for f in files)}


def clear() -> int:
    """Delete every cached kernel; returns the number of files removed."""
    root = cache_dir()
    if not root.exists():
        return 0
    n = sum(1 for f in root.rglob("*") if f.is_file())
    shutil.rmtree(root)
    _MODULES.clear()
    return n


def find_generated(key: str, backend: str = "numba") -> Optional[Path]:
    p = module_path(key, backend)
    return p if p.exists() else None
