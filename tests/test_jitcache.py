"""The package's own Numba functions (`rng`, `backends.numba.checks`) cache their compiled code
in the verified cache folder, never next to their source: no `.nbi`/`.nbc` file is written in
the package, and a damaged file is reported and compiled again instead of raising
`UnpicklingError` in the middle of a run."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import brainmass_dsl
from brainmass_dsl._resources import cache_dir
from brainmass_dsl.jitcache import PACKAGE_FOLDER, njit_cached

PACKAGE = Path(brainmass_dsl.__file__).resolve().parent
ROOT = PACKAGE.parent


def _numba_files_in_package():
    return {p: p.stat().st_mtime_ns for p in PACKAGE.rglob("*.nb[ic]")}


def test_no_numba_file_is_written_in_the_package():
    from brainmass_dsl.backends.numba.checks import first_nonfinite
    from brainmass_dsl.rng import fast_fill_normals, fill_normals

    before = _numba_files_in_package()
    assert first_nonfinite((1.0, np.inf, 2.0)) == 1
    out = np.zeros((2, 1, 3, 2))
    seed = 0xDEADBEEF_12345678     # a uint64 seed, as tests/test_rng.py (Numba types the
    fill_normals(out, seed, 0, 1, 3, 2)       # first call's seed; int64 then refuses it)
    fast_fill_normals(out, seed, 0, 1, 3, 2)
    assert _numba_files_in_package() == before          # nothing new, nothing rewritten
    folder = cache_dir() / PACKAGE_FOLDER
    for f in (first_nonfinite, fill_normals, fast_fill_normals):
        assert Path(f._cache.cache_path) == folder
    names = {p.name for p in folder.glob("*.nbi")}
    assert any(n.startswith("checks.first_nonfinite-") for n in names)
    assert any(n.startswith("philox.fill_normals-") for n in names)


def test_no_package_function_uses_numbas_own_cache():
    """Every `cache=True` of the package is gone: the package's functions use njit_cached."""
    offenders = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                 if "cache=True" in p.read_text(encoding="utf-8") and p.name != "jitcache.py"
                 and "@njit(cache=True" in p.read_text(encoding="utf-8")]
    assert not offenders


_CALL = textwrap.dedent("""
    import warnings
    warnings.simplefilter("always")
    from brainmass_dsl.backends.numba.checks import first_nonfinite
    print(first_nonfinite((0.0, 1.0, float("nan"))), first_nonfinite((0.0, 1.0)))
""")


def _run(cache: Path):
    env = dict(os.environ, BRAINMASS_CACHE_DIR=str(cache),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-c", _CALL], env=env, capture_output=True,
                          text=True, timeout=300)


def test_a_damaged_file_is_compiled_again_not_loaded(tmp_path):
    cache = tmp_path / "cache"
    first = _run(cache)
    assert first.returncode == 0 and first.stdout.split() == ["2", "-1"], first.stderr
    folder = cache / PACKAGE_FOLDER
    index = next(folder.glob("checks.first_nonfinite-*.nbi"))
    data = next(folder.glob("checks.first_nonfinite-*.nbc"))

    index.write_bytes(index.read_bytes()[:40])          # a truncated index
    again = _run(cache)
    assert again.returncode == 0 and again.stdout.split() == ["2", "-1"], again.stderr
    assert "damaged Numba cache file" in again.stderr and "Unpickling" not in again.stderr

    blob = bytearray(data.read_bytes())                 # flipped bits in the object code
    blob[len(blob) // 2] ^= 0xFF
    data.write_bytes(bytes(blob))
    third = _run(cache)
    assert third.returncode == 0 and third.stdout.split() == ["2", "-1"], third.stderr
    assert "damaged Numba cache file" in third.stderr

    clean = _run(cache)                                 # rewritten: a quiet hit
    assert clean.returncode == 0 and "damaged" not in clean.stderr


def test_njit_cached_refuses_numbas_cache_flag():
    with pytest.raises(TypeError, match="cache=True"):
        njit_cached(cache=True)


def test_a_cold_kernel_compile_writes_nothing_in_the_package(tmp_path):
    """A generated kernel calls first_nonfinite: compiling it (a model no cache has seen)
    compiles first_nonfinite for the kernel's state tuple, into numba-package/ only."""
    import uuid

    import brainmass_dsl as bm

    tag = uuid.uuid4().hex[:8]
    (tmp_path / "m.nmm").write_text(f"model Tri{tag}:\n    state a = 1.0\n    state b = 0.0\n"
                                    f"    state c = 0.0\n    d(a)/dt = -a / (1 ms)\n"
                                    f"    d(b)/dt = a / (1 ms)\n    d(c)/dt = b / (3 ms)\n")
    before = _numba_files_in_package()
    model = bm.load(tmp_path / "m.nmm")[f"Tri{tag}"](2)
    bm.Simulator(model, dt=0.1).run(1.0, progress=False)
    assert _numba_files_in_package() == before
