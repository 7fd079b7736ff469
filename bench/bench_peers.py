"""W2 against peer simulators installed in their own virtual environments.

Runs the shared peer scripts (`../shared/bench/neurolib_bench.py`, `brainmass_bench.py`) with
the given interpreters, and the hand-written limit and our fused kernel in this process, in
one sitting, and writes the "W2 against peers" section of bench/RESULTS.md. A peer whose
interpreter is not given is reported as not measured.

    python bench/bench_peers.py --neurolib /path/to/neurolib-venv/bin/python [--reps 3]
"""
import argparse
import json
import subprocess


from benchlib import SHARED_BENCH, interleaved, machine, shared_bench, update_results, w2_network

PEER_SCRIPTS = {"neurolib": "neurolib_bench.py", "brainmass": "brainmass_bench.py"}


def peer_w2(python: str, script: str, reps: int) -> dict:
    """The peer script's JSON line for W2 (its wall_s is the median of `reps` runs)."""
    path = SHARED_BENCH / script
    out = subprocess.run([python, str(path), "--w=W2", f"--reps={reps}"], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    for name in PEER_SCRIPTS:
        ap.add_argument(f"--{name}", metavar="PYTHON", help=f"interpreter with {name} installed")
    args = ap.parse_args()
    cm, limit, _ = shared_bench()
    C, L, src = cm.connectome()

    import brainmass_dsl as bm

    net = w2_network(cm, C, L)
    T = cm.W2_T_MS

    def ours():
        bm.Simulator(net, dt=cm.DT).run(T, monitors=["x"], sample_every=10, progress=False)

    def lim():
        limit.simulate(C, L, T)

    t = interleaved({"limit": lim, "ours": ours}, args.reps)
    rows = [("hand-written limit (`limit_hopf_numba.py`)", t["limit"]["median"]),
            ("brainmass-dsl (Network + Simulator)", t["ours"]["median"])]
    peers = {}
    for name, script in PEER_SCRIPTS.items():
        python = getattr(args, name)
        if python:
            peers[name] = peer_w2(python, script, args.reps)
            rows.append((f"{name} ({peers[name].get('version', '')})".replace(" ()", ""),
                         peers[name]["wall_s"]))
    ours_s = t["ours"]["median"]
    print(json.dumps({"T_ms": T, "rows": rows, "peers": peers}, indent=2, default=str))
    lines = [f"Machine: {machine()}; connectome {src}; T = {T:g} ms; medians of {args.reps} runs "
             "after a warm-up, all in one sitting (peers in their own venvs via the shared peer "
             "scripts).", "",
             "| simulator | median s | x limit | ours faster by |", "|---|---|---|---|"]
    for name, s in rows:
        lines.append(f"| {name} | {s:.3f} | {s / t['limit']['median']:.2f} | "
                     f"{s / ours_s:.2f}x |")
    missing = [n for n in PEER_SCRIPTS if n not in peers]
    if missing:
        lines += ["", f"Not measured (not installed in this sitting): {', '.join(missing)}."]
    update_results("W2 against peers", lines)


if __name__ == "__main__":
    main()
