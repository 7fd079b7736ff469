"""The on-disk kernel cache: keys, atomic writes, and a hit in a fresh process."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from brainmass_dsl.backends import cache
from brainmass_dsl.compiler import node_key
from brainmass_dsl.frontend import load_program

from conftest import MODELS

SCRIPT = textwrap.dedent("""
    import json, sys, time
    t0 = time.perf_counter()
    import brainmass_dsl as bm
    from brainmass_dsl.backends import cache
    lib = bm.load(sys.argv[1])
    m = lib.Oscillator(2, method="midpoint")
    t1 = time.perf_counter()
    res = bm.Simulator(m, dt=0.1).run(1.0, progress=False)
    t2 = time.perf_counter()
    print(json.dumps({"disk_hits": cache.STATS.disk_hits, "writes": cache.STATS.writes,
                      "numba_hits": sum(m.kernel.runner(False).stats.cache_hits.values()),
                      "numba_misses": sum(m.kernel.runner(False).stats.cache_misses.values()),
                      "x": float(res["x"][-1, 0]), "path": str(m.kernel.path)}))
""")


def _run(tmp_path, env):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(MODELS / "test_models.nmm")],
                         capture_output=True, text=True, env=env, check=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_cache_hit_in_a_fresh_process(tmp_path):
    env = dict(os.environ, BRAINMASS_CACHE_DIR=str(tmp_path / "cache"))
    first = _run(tmp_path, env)
    second = _run(tmp_path, env)
    assert first["writes"] == 1 and first["disk_hits"] == 0 and first["numba_hits"] == 0
    assert second["writes"] == 0 and second["disk_hits"] == 1
    assert second["numba_hits"] >= 1 and second["numba_misses"] == 0
    assert first["x"] == second["x"] and first["path"] == second["path"]
    assert first["path"].startswith(str(tmp_path / "cache"))


def test_key_ignores_values_and_sizes_but_not_structure(tmp_path):
    program = load_program(MODELS / "test_models.nmm")
    rb = program.block("Oscillator")
    k1 = node_key(rb, "heun")
    assert node_key(rb, "heun") == k1
    assert node_key(rb, "rk4") != k1
    assert node_key(rb, "heun", backend="cuda") != k1
    changed = load_program("x.nmm", text=(MODELS / "test_models.nmm").read_text().replace(
        "d(v)/dt = -gamma * v - omega**2 * x", "d(v)/dt = -gamma * v - omega**2 * x**3"))
    assert node_key(changed.block("Oscillator"), "heun") != k1
    # comments and spacing do not change the key
    spaced = load_program("y.nmm", text=(MODELS / "test_models.nmm").read_text().replace(
        "    parameter omega = 0.5 /ms", "    # a comment\n    parameter   omega =   0.5 /ms"))
    assert node_key(spaced.block("Oscillator"), "heun") == k1


def test_generated_module_is_readable(test_models):
    m = test_models.Oscillator(1, method="rk4")
    src = m.kernel.source()
    assert src.startswith("# ----")
    assert "source : " in src and "test_models.nmm" in src and "model  : Oscillator" in src
    assert "# d(v)/dt = -gamma * v - omega**2 * x" in src
    assert "integrator rk4" in src


def test_atomic_write_and_clear(tmp_path, monkeypatch):
    monkeypatch.setenv("BRAINMASS_CACHE_DIR", str(tmp_path / "c"))
    mod = cache.load("k" * 32, lambda: "VALUE = 42\n")
    assert mod.VALUE == 42
    assert cache.info()["modules"] == 1
    assert not list((tmp_path / "c").rglob("*.tmp"))
    assert cache.clear() >= 1 and not (tmp_path / "c").exists()


def test_concurrent_compiles_of_the_same_model(tmp_path):
    env = dict(os.environ, BRAINMASS_CACHE_DIR=str(tmp_path / "cache"))
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(MODELS / "test_models.nmm")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    results = [json.loads(o[0].strip().splitlines()[-1]) for o in outs]
    assert results[0]["x"] == results[1]["x"]
    assert len(list((tmp_path / "cache" / "numba").glob("*/nmm_*.py"))) == 1
    assert not list((tmp_path / "cache" / "numba").glob(".*"))  # no staging folder left
