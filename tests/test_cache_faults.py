"""The kernel cache under faults: damaged entries are rebuilt with a warning, an unwritable
cache folder compiles elsewhere with one warning, and nothing is written behind its back."""
import os
import sys
import warnings

import numpy as np
import pytest

import brainmass_dsl as bm
from brainmass_dsl.backends import cache, numba_files
from brainmass_dsl.cli import main

from conftest import MODELS
from faults import flip_bytes, full_filesystem, read_only, snapshot, truncate_lines

KEY = "f" * 32
SOURCE = """\
from numba import njit

VALUE = 42


@njit(cache=True)
def twice(x):
    return 2.0 * x + 1.0


@njit(cache=True)
def thrice(x):
    return 3.0 * x
"""


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty cache folder, no kernels in memory, and a HOME that must stay empty."""
    monkeypatch.setenv("BRAINMASS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home" / ".cache"))
    (tmp_path / "home").mkdir()
    monkeypatch.setattr(cache, "_MODULES", {})
    monkeypatch.setattr(cache, "_SCRATCH", {})
    yield tmp_path
    assert not list((tmp_path / "home").rglob("*")), "something was written to HOME"


def reload(key=KEY, source=SOURCE):
    """The module as a new process would get it (nothing in memory)."""
    cache._MODULES.pop(key, None)
    return cache.load(key, lambda: source)


def entry():
    return cache.entry_path(KEY)


def test_layout_and_digest(fresh):
    mod = reload()
    assert mod.VALUE == 42 and mod.twice(1.0) == 3.0
    files = sorted(p.relative_to(entry()).as_posix() for p in entry().rglob("*") if p.is_file())
    assert files[:2] == ["entry.json", f"nmm_{KEY}.py"]
    assert any(f.startswith("numba/") and f.endswith(".nbi") for f in files)
    assert any(f.startswith("numba/") and f.endswith(".nbc") for f in files)
    for f in entry().glob("numba/*"):
        assert numba_files.verified(f.read_bytes()) is not None


@pytest.mark.parametrize("damage", ["truncate", "edit", "digest", "no-digest"])
def test_a_damaged_entry_is_rebuilt_with_a_warning(fresh, damage):
    reload()
    module = entry() / f"nmm_{KEY}.py"
    if damage == "truncate":
        truncate_lines(module, 0.2)               # still parses: VALUE and twice are gone
    elif damage == "edit":
        module.write_text(module.read_text().replace("VALUE = 42", "VALUE = 43"))
    elif damage == "digest":
        flip_bytes(entry() / "entry.json", 0.5, 3)
    else:
        (entry() / "entry.json").unlink()
    with pytest.warns(cache.CacheWarning, match="rebuilding"):
        mod = reload()
    assert mod.VALUE == 42 and mod.twice(2.0) == 5.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert reload().VALUE == 42                 # the rebuilt entry verifies


@pytest.mark.parametrize("suffix", [".nbi", ".nbc"])
@pytest.mark.parametrize("damage", [flip_bytes, truncate_lines])
def test_damaged_numba_files_are_recompiled_not_loaded(fresh, suffix, damage):
    reload().twice(1.0)
    (f,) = entry().glob(f"numba/*twice*{suffix}")
    damage(f) if damage is flip_bytes else f.write_bytes(f.read_bytes()[:len(f.read_bytes()) // 2])
    mod = reload()
    with pytest.warns(cache.CacheWarning, match="damaged Numba cache file"):
        assert mod.twice(4.0) == 9.0
    assert numba_files.verified(f.read_bytes()) is not None     # rewritten
    mod = reload()
    assert mod.twice(4.0) == 9.0
    assert sum(mod.twice.stats.cache_hits.values()) == 1


def test_an_unwritable_cache_compiles_in_a_temporary_folder_with_one_warning(fresh):
    blocker = fresh / "cache"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(cache.CacheWarning) as record:
        mod = reload()
        other = reload("e" * 32, SOURCE.replace("42", "7"))
    assert [str(w.message) for w in record if "cannot write" in str(w.message)] and \
        len(record) == 1 and str(blocker) in str(record[0].message)
    assert mod.twice(1.0) == 3.0 and other.VALUE == 7
    assert not str(mod.__file__).startswith(str(blocker))
    assert sum(mod.twice.stats.cache_misses.values()) == 1


def test_a_warm_read_only_cache_works_and_writes_nothing(fresh):
    reload().twice(1.0)
    with read_only(fresh / "cache"):
        before = snapshot(fresh / "cache")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            mod = reload()
            assert mod.twice(1.0) == 3.0
        assert sum(mod.twice.stats.cache_hits.values()) == 1
        with pytest.warns(cache.CacheWarning, match="kept in memory"):
            assert mod.thrice(1.0) == 3.0          # never compiled before: in memory only
        with pytest.warns(cache.CacheWarning, match="cannot write the kernel cache"):
            assert reload("e" * 32, SOURCE.replace("42", "7")).VALUE == 7
        assert snapshot(fresh / "cache") == before


def test_a_damaged_entry_in_a_read_only_cache(fresh):
    reload()
    truncate_lines(entry() / f"nmm_{KEY}.py", 0.2)
    with read_only(fresh / "cache"):
        with pytest.warns(cache.CacheWarning):
            mod = reload()
    assert mod.VALUE == 42 and mod.twice(1.0) == 3.0


def test_a_full_file_system(fresh):
    with full_filesystem(fresh / "cache"):
        with pytest.warns(cache.CacheWarning, match="cannot write the kernel cache"):
            mod = reload()
        assert mod.twice(1.0) == 3.0
        assert not list((fresh / "cache").glob("numba/.stage-*"))


def test_cache_files_are_group_readable(fresh):
    old = os.umask(0o022)
    try:
        reload().twice(1.0)
    finally:
        os.umask(old)
    for p in [entry(), *entry().rglob("*")]:
        assert p.stat().st_mode & 0o044 == 0o044, p


def test_cache_clear_on_a_read_only_folder_is_a_user_error(fresh, capsys):
    reload()
    with read_only(fresh / "cache"):
        with pytest.raises(cache.CacheError, match="cannot clear the kernel cache"):
            cache.clear()
        assert main(["cache", "clear"]) == 1
    err = capsys.readouterr().err
    assert str(fresh / "cache") in err and "internal error" not in err


def test_a_truncated_real_kernel_gives_the_dynamics_not_zeros(fresh, test_models):
    lib = bm.load(MODELS / "test_models.nmm")
    expected = bm.Simulator(lib.Oscillator(2, method="heun"), dt=0.1).run(5.0, progress=False)
    m = lib.Oscillator(2, method="heun")
    truncate_lines(m.kernel.path, 0.6)
    cache._MODULES.clear()
    for name in [n for n in sys.modules if n.startswith("brainmass_dsl_generated_")]:
        del sys.modules[name]
    with pytest.warns(cache.CacheWarning, match="rebuilding"):
        m = lib.Oscillator(2, method="heun")
    got = bm.Simulator(m, dt=0.1).run(5.0, progress=False)
    np.testing.assert_array_equal(got["x"], expected["x"])
    assert np.abs(got["x"]).max() > 0


def test_the_docs_describe_this_layout():
    from conftest import ROOT

    text = (ROOT / "docs" / "faults.md").read_text()
    for name in ("entry.json", f"nmm_<key>.py", numba_files.MAGIC.decode().strip(),
                 cache.ENV_VAR, "CacheWarning", ".stage-<key>-"):
        assert name in text, name
