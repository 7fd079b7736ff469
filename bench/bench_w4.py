"""W4: 1,000 independent Hopf nodes (a = linspace(-0.1, 0.1, 1000)), additive noise 0.02,
10 s at dt 0.1 ms, x every 10 steps -- run as a batched parameter sweep (batch_size=1000, one
kernel call) vs the hand-written `limit_other_numba.py --w=W4` (prange over nodes, numba's
in-kernel MT19937 normals), same process; and the scaling from 1 to 2 threads.
Writes the W4 section of bench/RESULTS.md.

    python bench/bench_w4.py [--reps 3]
"""
import argparse
import json

import numba

from benchlib import HERE, interleaved, machine, shared_bench, update_results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    cm, _, limit = shared_bench()

    import brainmass_dsl as bm

    lib = bm.load(HERE / "models" / "hopf_w2.nmm")
    node = lib.HopfW2(1, method="euler_maruyama", a=cm.W4_A, init_x=0.05)

    def ours():
        res = bm.Simulator(node, dt=cm.DT).run(cm.W4_T_MS, batch_size=len(cm.W4_A),
                                               monitors=["x"], sample_every=10, progress=False)
        assert res["x"].shape == (int(cm.W4_T_MS / cm.DT) // 10, len(cm.W4_A), 1)

    rows = {}
    max_threads = numba.config.NUMBA_NUM_THREADS
    for threads in sorted({1, max_threads}):
        numba.set_num_threads(threads)
        t = interleaved({"limit": lambda: limit.w4(cm.W4_T_MS), "ours": ours}, args.reps)
        lim, our = t["limit"]["min"], t["ours"]["min"]
        rows[threads] = {"limit_s": lim, "ours_s": our, "ratio": our / lim,
                         "ratio_median": t["ours"]["median"] / t["limit"]["median"],
                         "first_s": t["ours"]["first"]}
    numba.set_num_threads(max_threads)
    out = {"machine": machine(), "threads": rows}
    print(json.dumps(out, indent=2))
    lines = [f"Machine: {out['machine']}. 1e8 node-steps, 2e8 normals. {args.reps} runs each "
             "after a warm-up, limit and ours alternating in one process; min (least disturbed "
             "run on a shared VM) and the ratio of medians.", "",
             "| threads | limit s (min) | generated, batched (min) | ratio (min) | "
             "ratio (median) |", "|---|---|---|---|---|"]
    for t, r in rows.items():
        lines.append(f"| {t} | {r['limit_s']:.3f} | {r['ours_s']:.3f} | **{r['ratio']:.2f}** | "
                     f"{r['ratio_median']:.2f} |")
    if 1 in rows and max_threads in rows and max_threads > 1:
        lines += ["", f"Scaling 1 -> {max_threads} threads: limit "
                  f"{rows[1]['limit_s'] / rows[max_threads]['limit_s']:.2f}x, generated "
                  f"{rows[1]['ours_s'] / rows[max_threads]['ours_s']:.2f}x."]
    update_results("W4: 1,000 independent Hopf nodes as a batched sweep, 10 s", lines)


if __name__ == "__main__":
    main()
