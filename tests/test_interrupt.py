"""Ctrl-C (SIGINT sent to a child run): the run stops at a completed step, keeps what it
computed (`.partial`), leaves the model exactly as after that step, and the CLI writes the
partial result next to --out (exit 130)."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from brainmass_dsl.runtime.errors import SimulationInterrupted
from brainmass_dsl.runtime.interrupt import held_interrupt
from brainmass_dsl.runtime.results import Result

from conftest import MODELS

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

CHILD = textwrap.dedent("""
    import json, sys
    import numpy as np
    import brainmass_dsl as bm
    from brainmass_dsl.runtime.errors import SimulationInterrupted

    lib = bm.load(sys.argv[1])
    make = lambda: lib.OU(3, method="euler_maruyama", seed=7)
    m = make()
    sim = bm.Simulator(m, dt=0.1)
    sim.run(1.0, progress=False)                  # compiled before the signal can come
    print("ready", flush=True)
    try:
        sim.run(1e9, sample_every=10000, progress=False)
        print(json.dumps({"finished": True}))
        sys.exit(0)
    except SimulationInterrupted as e:
        err = e
    n = m._step
    state = m._state.copy()
    fresh = make()
    ref = bm.Simulator(fresh, dt=0.1).run(n * 0.1, sample_every=10000, progress=False)
    more = sim.run(100 * 0.1, init_states=False, progress=False)      # continues
    both = bm.Simulator(make(), dt=0.1).run((n + 100) * 0.1, progress=False)
    print(json.dumps({
        "step": err.step, "model_step": n, "time_ms": err.time_ms,
        "state_equal": bool(np.array_equal(state, fresh._state)),
        "partial_equal": bool(np.array_equal(err.partial["x"], ref["x"])),
        "partial_rows": err.partial["x"].shape[0], "partial_ts_last": float(err.partial.ts[-1]),
        "continued_equal": bool(np.array_equal(more["x"], both["x"][n:])),
        "continued_t0": float(more.ts[0]), "expected_t0": (n + 1) * 0.1}))
""")


def _interrupt_child(args, env=None, wait_for="ready", delay=0.5):
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1", **(env or {})))
    for line in proc.stdout:
        if wait_for in line:
            break
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def test_sigint_keeps_the_model_consistent_and_the_partial_result():
    rc, out, err = _interrupt_child([sys.executable, "-c", CHILD, str(MODELS / "test_models.nmm")])
    assert rc == 0, err
    r = json.loads(out.strip().splitlines()[-1])
    assert "finished" not in r
    assert r["step"] == r["model_step"] > 0
    assert r["time_ms"] == pytest.approx(r["model_step"] * 0.1)
    assert r["state_equal"] and r["partial_equal"] and r["continued_equal"]
    assert r["partial_rows"] == -(-r["step"] // 10000)
    assert r["continued_t0"] == pytest.approx(r["expected_t0"])


def test_cli_writes_the_partial_result_and_exits_130(tmp_path):
    out = tmp_path / "run.npz"
    rc, stdout, stderr = _interrupt_child(
        [sys.executable, "-c", "import sys; from brainmass_dsl.cli import main; "
         "sys.exit(main())", "simulate", "HopfStep", "--duration",
         "2000s", "--sample-every", "100", "--no-progress", "--out", str(out)],
        wait_for="simulating", delay=1.0)
    assert rc == 130, stderr
    partial = tmp_path / "run.partial.npz"
    assert not out.exists() and partial.exists()
    assert "partial" in stderr and str(partial) in stderr
    res = Result.load(partial)
    assert res["x"].shape[0] == len(res.ts) > 0 and np.isfinite(res["x"]).all()


def test_held_interrupt_delivers_ctrl_c_after_the_block():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with held_interrupt():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)             # a signal handler would run here
            done.append("block finished")
    assert done == ["block finished"]


def test_simulation_interrupted_is_a_keyboard_interrupt_that_pickles():
    import pickle

    e = SimulationInterrupted("stopped", step=5, time_ms=0.5, partial=None)
    back = pickle.loads(pickle.dumps(e))
    assert isinstance(back, KeyboardInterrupt) and back.step == 5 and str(back) == "stopped"
