"""W2: 80 Hopf nodes on the HCP-80 connectome (or its seed-0 random stand-in), delayed
diffusive coupling K = 0.2, delays = length / 20 m/s, additive noise 0.02, 60 s at dt 0.1 ms,
x recorded every 10 steps. The generated fused network kernel (public API: Network +
Simulator) vs the hand-written limit kernel `limit_hopf_numba.py` (block layout, numpy noise)
in the same process. Writes the W2 section of bench/RESULTS.md.

    python bench/bench_w2.py [--reps 3] [--T 60000]
"""
import argparse
import json

import numpy as np

from benchlib import interleaved, machine, shared_bench, update_results, w2_network


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--T", type=float, default=60_000.0)
    args = ap.parse_args()
    cm, limit, _ = shared_bench()
    C, L, src = cm.connectome()
    N = C.shape[0]

    import brainmass_dsl as bm

    net = w2_network(cm, C, L)

    def ours():
        res = bm.Simulator(net, dt=cm.DT).run(args.T, monitors=["x"], sample_every=10,
                                              progress=False)
        assert np.isfinite(res["x"]).all()
        return res

    def lim():
        out, _ = limit.simulate(C, L, args.T)
        assert np.isfinite(out).all()

    t = interleaved({"limit": lim, "ours": ours}, args.reps)
    our, ref = t["ours"]["min"], t["limit"]["min"]
    row = {"machine": machine(), "connectome": src, "T_ms": args.T,
           "limit_s": {k: t["limit"][k] for k in ("min", "median")},
           "ours_s": {k: t["ours"][k] for k in ("min", "median")},
           "ratio_min": our / ref, "ratio_median": t["ours"]["median"] / t["limit"]["median"],
           "ours_first_call_s": t["ours"]["first"],
           "ns_per_edge_step": our / (args.T / cm.DT) / (N * N) * 1e9}
    print(json.dumps(row, indent=2))
    update_results("W2: 80-node Hopf network, delayed diffusive coupling, noise, 60 s", [
        f"Machine: {row['machine']}; connectome {src}; T = {args.T:g} ms. {args.reps} runs "
        "each after a warm-up, limit and ours alternating in one process; limit = "
        "`limit_hopf_numba.py` (block layout, numpy noise, serial float64). The machine is a "
        "shared VM: the minimum is the least disturbed run.",
        "",
        "| what | min s | median s | ratio (min) | ratio (median) |",
        "|---|---|---|---|---|",
        f"| hand-written limit | {ref:.3f} | {t['limit']['median']:.3f} | 1 | 1 |",
        f"| generated fused kernel via Network + Simulator | {our:.3f} | "
        f"{t['ours']['median']:.3f} | **{row['ratio_min']:.2f}** | {row['ratio_median']:.2f} |",
        "",
        f"Generated kernel: {row['ns_per_edge_step']:.2f} ns per edge-step (min run); first "
        f"call (compile + run) {t['ours']['first']:.1f} s.",
    ])

if __name__ == "__main__":
    main()
