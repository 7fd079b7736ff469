"""W2 or W3 against peer simulators installed in their own virtual environments.

Runs the shared peer scripts (`../shared/bench/neurolib_bench.py`, `brainmass_bench.py`) with
the given interpreters, and the hand-written limit and our fused kernel in this process, in
one sitting, and writes the "W2 against peers" / "W3 against peers" section of
bench/RESULTS.md. A peer whose interpreter is not given is reported as not measured.

    python bench/bench_peers.py --neurolib /path/to/neurolib-venv/bin/python [--reps 3]
    python bench/bench_peers.py --w W3 --neurolib ... --brainmass ... --peer-T 30000

W3 (80 Wilson-Cowan regions + Balloon-Windkessel BOLD, 300 s): ours is bench_w3's network with
the BOLD fused every step (the limit's and the peers' work). `--peer-T` shortens the peers'
runs (brainmass records every step: 300 s does not fit); every time is then compared per
simulated second.
"""
import argparse
import json
import subprocess


from benchlib import SHARED_BENCH, interleaved, machine, shared_bench, update_results, w2_network

PEER_SCRIPTS = {"neurolib": "neurolib_bench.py", "brainmass": "brainmass_bench.py"}


def peer_run(python: str, script: str, reps: int, w: str, T=None) -> dict:
    """The peer script's JSON line for workload `w` (its wall_s is the median of `reps`
    runs; `T` ms where the script takes it)."""
    path = SHARED_BENCH / script
    cmd = [python, str(path), f"--w={w}", f"--reps={reps}"] + ([f"--T={T:g}"] if T else [])
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--w", choices=("W2", "W3"), default="W2")
    ap.add_argument("--T", type=float, default=None, help="ours and the limit (ms)")
    ap.add_argument("--peer-T", type=float, default=None, help="the peers' runs (ms)")
    for name in PEER_SCRIPTS:
        ap.add_argument(f"--{name}", metavar="PYTHON", help=f"interpreter with {name} installed")
    args = ap.parse_args()
    cm, limit_hopf, limit_other = shared_bench()
    C, L, src = cm.connectome()

    import brainmass_dsl as bm

    if args.w == "W2":
        T = args.T or cm.W2_T_MS
        net = w2_network(cm, C, L)

        def ours():
            bm.Simulator(net, dt=cm.DT).run(T, monitors=["x"], sample_every=10, progress=False)

        def lim():
            limit_hopf.simulate(C, L, T)
        ours_name, limit_name = ("brainmass-dsl (Network + Simulator)",
                                 "hand-written limit (`limit_hopf_numba.py`)")
    else:
        from bench_w3 import network

        T = args.T or cm.W3_T_MS
        net = network(cm, C, L)
        mon = bm.ForwardMonitor(bm.BOLDSignal(C.shape[0], method="euler"), drive="E", every=1,
                                tr=2000.0)

        def ours():
            bm.Simulator(net, dt=cm.DT).run(T, forward=mon, monitors=["E"], sample_every=10_000,
                                            progress=False)

        def lim():
            limit_other.w3(T)
        ours_name, limit_name = ("brainmass-dsl (Network + fused BOLD every step)",
                                 "hand-written limit (`limit_other_numba.py --w=W3`)")

    t = interleaved({"limit": lim, "ours": ours}, args.reps)
    per_s = 1000.0 / T                  # seconds of wall per simulated second
    rows = [(limit_name, t["limit"]["median"] * per_s), (ours_name, t["ours"]["median"] * per_s)]
    peers = {}
    for name, script in PEER_SCRIPTS.items():
        python = getattr(args, name)
        if python:
            peers[name] = peer_run(python, script, args.reps, args.w,
                                   args.peer_T if args.peer_T else None)
            pT = peers[name]["steps"] * cm.DT      # what the peer ran (not all take --T)
            rows.append((f"{name} ({peers[name].get('version', '')})".replace(" ()", ""),
                         peers[name]["wall_s"] * 1000.0 / pT))
    ours_s = rows[1][1]
    limit_s = rows[0][1]
    print(json.dumps({"w": args.w, "T_ms": T, "peer_T_ms": args.peer_T, "rows": rows,
                      "peers": peers}, indent=2, default=str))
    peer_T = "".join(f"; {n} T = {p['steps'] * cm.DT:g} ms" for n, p in peers.items())
    lines = [f"Machine: {machine()}; connectome {src}; T = {T:g} ms{peer_T}; medians of "
             f"{args.reps} runs after a warm-up, all in one sitting (peers in their own venvs "
             "via the shared peer scripts), as wall seconds per simulated second.", "",
             "| simulator | s per simulated s | x limit | ours faster by |", "|---|---|---|---|"]
    for name, s_ in rows:
        lines.append(f"| {name} | {s_:.4f} | {s_ / limit_s:.2f} | {s_ / ours_s:.2f}x |")
    missing = [n for n in PEER_SCRIPTS if n not in peers]
    if missing:
        lines += ["", f"Not measured (not installed in this sitting): {', '.join(missing)}."]
    update_results(f"{args.w} against peers", lines)


if __name__ == "__main__":
    main()
