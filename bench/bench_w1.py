"""W1: one Jansen-Rit node, 100 s at dt = 0.1 ms, Euler, no noise, y1 - y2 every 10 steps.

Generated kernel (public API: bm.load + Simulator) vs the hand-written limit kernel
`limit_other_numba.py --w=W1` in the same process. Also: cold compile, cache load in a fresh
process, and the per-step API's update() rate. Writes the W1 section of bench/RESULTS.md.

    python bench/bench_w1.py [--reps 3]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from benchlib import HERE, machine, shared_bench, timed, update_results

T_MS = 100_000.0
DT = 0.1


def ours():
    import brainmass_dsl as bm

    lib = bm.load(HERE / "models" / "jansen_rit_tvb.nmm")
    model = lib.JansenRitTVB(1, method="euler")

    def run():
        res = bm.Simulator(model, dt=DT).run(T_MS, monitors=["eeg"], sample_every=10,
                                             progress=False)
        assert res["eeg"].shape == (int(T_MS / DT) // 10, 1)
        return res
    return model, run


COLD = """
import time, sys
t0 = time.perf_counter()
import brainmass_dsl as bm
t_import = time.perf_counter() - t0
t0 = time.perf_counter()
lib = bm.load(sys.argv[1])
m = lib.JansenRitTVB(1, method=sys.argv[2])
t_load = time.perf_counter() - t0
t0 = time.perf_counter()
bm.Simulator(m, dt=0.1).run(1.0, progress=False)
t_first = time.perf_counter() - t0
print(t_import, t_load, t_first)
"""


def fresh_process(method, cache_dir):
    env = dict(os.environ, BRAINMASS_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", COLD, str(HERE / "models" / "jansen_rit_tvb.nmm"),
                          method], env=env, capture_output=True, text=True, check=True)
    return [float(x) for x in out.stdout.split()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    _, _, limit = shared_bench()
    lim_first, lim_walls, lim = timed(lambda: limit.w1(T_MS), args.reps)
    model, run = ours()
    our_first, our_walls, our = timed(run, args.reps)
    lim2 = timed(lambda: limit.w1(T_MS), args.reps)[2]  # again, to bracket noise
    ratio = our / min(lim, lim2)

    import brainmass_dsl as bm

    bm.environ.set(dt=DT)
    model.init_all_states()
    n = 20000
    t0 = time.perf_counter()
    for _ in range(n):
        model.update()
    per_update = (time.perf_counter() - t0) / n

    with tempfile.TemporaryDirectory() as d:
        cold = fresh_process("heun", d)     # compiles
        warm = fresh_process("heun", d)     # loads from the cache
    rows = {
        "machine": machine(),
        "limit_s": [round(x, 4) for x in (lim, lim2)], "ours_s": round(our, 4),
        "ratio": round(ratio, 3), "ours_first_call_s": round(our_first, 3),
        "update_calls_per_s": round(1 / per_update),
        "cold": {"import_s": round(cold[0], 3), "frontend_codegen_s": round(cold[1], 3),
                 "numba_compile_and_run_s": round(cold[2], 3)},
        "cache": {"import_s": round(warm[0], 3), "load_s": round(warm[1], 3),
                  "first_run_s": round(warm[2], 3)},
    }
    print(json.dumps(rows, indent=2))
    update_results("W1: one Jansen-Rit node, 100 s, dt 0.1 ms, Euler", [
        f"Machine: {rows['machine']}. Median of {args.reps} runs after a warm-up, same process; "
        "limit = `limit_other_numba.py --w=W1` (run before and after ours).",
        "",
        "| what | seconds | ratio to limit |",
        "|---|---|---|",
        f"| hand-written limit (before, after) | {rows['limit_s'][0]}, {rows['limit_s'][1]} | 1 |",
        f"| generated kernel via Simulator.run | {rows['ours_s']} | **{rows['ratio']}** |",
        "",
        f"Per-step API: `update()` {rows['update_calls_per_s']:,} calls/s (one node).",
        "",
        "Fresh processes (heun), seconds: "
        f"cold import {rows['cold']['import_s']}, parse+check+lower+codegen "
        f"{rows['cold']['frontend_codegen_s']}, Numba compile + first run "
        f"{rows['cold']['numba_compile_and_run_s']} (cold total "
        f"{round(rows['cold']['frontend_codegen_s'] + rows['cold']['numba_compile_and_run_s'], 2)}); "
        f"cache hit: import {rows['cache']['import_s']}, load {rows['cache']['load_s']}, "
        f"first run {rows['cache']['first_run_s']} (load total "
        f"{round(rows['cache']['load_s'] + rows['cache']['first_run_s'], 2)}).",
    ])


if __name__ == "__main__":
    main()
