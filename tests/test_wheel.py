"""The wheel carries grammar/, templates/ and models/: installed into a fresh venv it works
from any directory (no access to the checkout)."""
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_in_a_fresh_venv(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(dist), str(ROOT)], check=True, capture_output=True, timeout=600)
    wheel = next(dist.glob("brainmass_dsl-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", "--no-deps",
                    "--no-index", str(wheel)], check=True, timeout=300)
    # dependencies (numba, sympy, ...) come from this interpreter's site-packages; the
    # package itself only from the wheel (a plain path entry does not run the editable hook)
    purelib = subprocess.run([str(bindir / "python"), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "outer_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copy(ROOT / "tests" / "valid" / "damped_oscillator.nmm", work / "model.nmm")
    (work / "bad.nmm").write_text("model Bad:\n    state x = 1 mV\n    d(x)/dt = x\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["BRAINMASS_CACHE_DIR"] = str(tmp_path / "cache")

    def brainmass(*args):
        return subprocess.run([str(bindir / "brainmass"), *args], cwd=work, env=env,
                              capture_output=True, text=True, timeout=600)

    where = subprocess.run([str(bindir / "python"), "-c",
                            "import brainmass_dsl, brainmass_dsl._resources as r; "
                            "print(brainmass_dsl.__file__); print(r.data_dir('models'))"],
                           cwd=work, env=env, capture_output=True, text=True, check=True)
    assert str(ROOT) not in where.stdout and str(venv) in where.stdout
    listed = brainmass("list")
    assert listed.returncode == 0, listed.stderr
    ok = brainmass("check", "model.nmm")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = brainmass("check", "bad.nmm")
    assert bad.returncode == 1 and "NMM203" in bad.stdout + bad.stderr
    run = subprocess.run([str(bindir / "python"), "-c",
                          "import brainmass_dsl as bm; lib = bm.load('model.nmm'); "
                          "m = lib.DampedOscillator(2); "
                          "r = bm.Simulator(m, dt=0.1).run(1.0, progress=False); "
                          "print(r['position'].shape)"],
                         cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and "(10, 2)" in run.stdout, run.stderr
