"""Peak memory of a long BOLD run with the fused forward monitor (issue 13: "a 10-minute,
80-region BOLD run needs no more memory than its output plus the loop's fixed state").

The W3 network (80 Wilson-Cowan regions, bench_w3.network, delayed additive coupling, noise,
Euler at dt 0.1 ms) with `BOLDSignal` fused into its kernel (a hemodynamic step every 10 node
steps, BOLD sampled every TR = 720 ms), nothing else recorded. Each measurement is a fresh
subprocess (the kernel is compiled once beforehand, so no process pays the compiler's memory):

* `short`:  the same run for 2 TRs: the process with everything loaded (Python, NumPy,
  Numba, the compiled kernel, the network) - the floor any run pays;
* `long`:   the full run (default 10 minutes of simulated time);
* `posthoc`: the long run recording the neural drive E every 10 steps (1 ms) instead, what
  a BOLD computed after the run from the recorded signal needs to keep.

Each child reports `resource.getrusage(RUSAGE_SELF).ru_maxrss` (the process's peak RSS), the
peak RSS during the run alone (VmHWM after resetting it through /proc/self/clear_refs just
before the run, where the kernel allows it), the result's bytes and the kernel's fixed state:
the largest total of the array arguments of one kernel call other than the recording buffers
(states, parameters, history windows and ring buffers, edge lists, the forward model's states
and parameters), read by wrapping `plan.signature.pack`.

    python bench/bench_bold_memory.py [--minutes 10] [--no-posthoc]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

from benchlib import HERE, machine, shared_bench, update_results

TR = 720.0
EVERY = 10
MB = 1e6


def _vm(field):
    """A /proc/self/status field (kB) in bytes, or None."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the peak RSS (VmHWM) to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def child(kind: str, T: float) -> dict:
    cm, _, _ = shared_bench()
    C, L, _ = cm.connectome()
    import brainmass_dsl as bm
    from brainmass_dsl.plan import signature
    from brainmass_dsl.runtime import network as netmod

    from bench_w3 import network

    net = network(cm, C, L)
    n = C.shape[0]
    fixed = {"bytes": 0}
    pack = signature.pack

    def counting_pack(kind_, values, terms=()):
        skip = {"rec", "frec"}             # the recording buffers: the output
        arrays = [v for k, v in values.items() if k not in skip and isinstance(v, np.ndarray)]
        arrays += [v for t in terms for v in t.values() if isinstance(v, np.ndarray)]
        fixed["bytes"] = max(fixed["bytes"], sum(a.nbytes for a in arrays))
        return pack(kind_, values, terms)

    netmod.signature.pack = counting_pack

    def run(duration):
        mon = bm.ForwardMonitor(bm.BOLDSignal(n, method="euler"), drive="E", every=EVERY, tr=TR)
        if kind == "posthoc":
            return bm.Simulator(net, dt=cm.DT).run(duration, monitors=["E"], sample_every=EVERY,
                                                   progress=False)
        return bm.Simulator(net, dt=cm.DT).run(duration, forward=mon, monitors=[],
                                               progress=False)

    run(2 * TR)                            # loads the cached kernel, warms everything up
    before = _vm("VmRSS")
    reset = _reset_peak()
    t0 = time.perf_counter()
    res = run(T if kind != "short" else 2 * TR)
    wall = time.perf_counter() - t0
    out = {name: arr.nbytes for name, arr in res.data.items()}
    return {"kind": kind, "T_ms": T if kind != "short" else 2 * TR, "wall_s": wall,
            "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "rss_before": before, "hwm_run": _vm("VmHWM") if reset else None,
            "rss_after": _vm("VmRSS"), "output_bytes": sum(out.values()),
            "outputs": {k: list(res[k].shape) for k in res.data}, "fixed_bytes": fixed["bytes"]}


def spawn(kind: str, T: float) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(HERE.parent), str(HERE), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, __file__, "--child", kind, "--T", repr(T)],
                          capture_output=True, text=True, env=env, cwd=HERE)
    if proc.returncode:
        raise SystemExit(f"child {kind} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--no-posthoc", action="store_true")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--T", type=float, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.T)))
        return
    T = args.minutes * 60_000.0
    spawn("short", 2 * TR)                 # compiles the kernels into the cache (not measured)
    rows = [spawn("short", T), spawn("long", T)]
    if not args.no_posthoc:
        spawn("posthoc", 2 * TR)
        rows.append(spawn("posthoc", T))
    print(json.dumps(rows, indent=2))
    short, long = rows[0], rows[1]
    names = {"short": f"fused BOLD, {2 * TR / 1000:g} s (2 TRs)",
             "long": f"fused BOLD, {T / 60_000:g} min",
             "posthoc": f"E recorded every 1 ms, {T / 60_000:g} min (no BOLD)"}

    def mb(x):
        return "n/a" if x is None else f"{x / MB:.1f}"

    table = [f"| {names[r['kind']]} | {r['wall_s']:.1f} | {mb(r['ru_maxrss'])} | "
             f"{mb(r['rss_before'])} | {mb(r['hwm_run'])} | "
             f"{mb(None if r['hwm_run'] is None else r['hwm_run'] - r['rss_before'])} | "
             f"{r['output_bytes'] / MB:.3f} | {r['fixed_bytes'] / MB:.2f} |" for r in rows]
    growth = long["ru_maxrss"] - short["ru_maxrss"]
    update_results("W3 memory: a 10-minute, 80-region fused BOLD run (peak RSS)", [
        f"Machine: {machine()}. The W3 network (80 Wilson-Cowan regions, random-seed0 "
        f"connectome, delayed additive coupling, noise, Euler, dt 0.1 ms) with `BOLDSignal` "
        f"fused in its kernel (a hemodynamic step every {EVERY} node steps, BOLD every TR = "
        f"{TR:g} ms), nothing else recorded; `bench/bench_bold_memory.py`. Each row is a fresh "
        "process (the kernel compiled beforehand into the cache) that runs 2 TRs to warm up, "
        "then the run measured. ru_maxrss = `getrusage` peak RSS of the whole process; "
        "run peak = VmHWM reset just before the run (`/proc/self/clear_refs`); fixed state = "
        "the largest total of a kernel call's array arguments other than the recording "
        "buffers (states, parameters, history windows, ring buffers, edge lists, forward "
        "states); output = the result's arrays.",
        "",
        "| run | wall s | ru_maxrss MB | RSS before run MB | run peak MB | run peak - before MB "
        "| output MB | fixed state MB |",
        "|---|---|---|---|---|---|---|---|",
        *table,
        "",
        f"The {T / 60_000:g}-minute run's peak RSS is {growth / MB:+.1f} MB from the 2-TR run's "
        f"({long['ru_maxrss'] / short['ru_maxrss']:.3f}x) in {long['wall_s']:.1f} s: its output "
        f"({', '.join(f'{k} {tuple(v)}' for k, v in long['outputs'].items())}) is "
        f"{long['output_bytes'] / MB:.3f} MB and the loop's fixed state "
        f"{long['fixed_bytes'] / MB:.2f} MB, both independent of the run's length but for the "
        "output (the run's peak over its start, "
        f"{(long['hwm_run'] or 0) / MB - long['rss_before'] / MB:.1f} MB, is the output held "
        "twice, kernel buffer and result, plus NumPy's temporaries); the rest of the process is "
        "Python, NumPy, Numba and the loaded kernel."
        + ("" if args.no_posthoc else
           f" Recording the neural drive instead for a BOLD computed afterwards keeps "
           f"{rows[2]['output_bytes'] / MB:.0f} MB (E at 1 ms)."),
    ])


if __name__ == "__main__":
    main()
