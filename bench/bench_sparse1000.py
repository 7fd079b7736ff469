"""A 1,000-region sparse network (10% density, lengths 10-200 mm at 10 m/s -> up to 200-step
lags), Hopf nodes with noise, 10 s at dt 0.1 ms, x every 10 steps. Reports wall time, edge
throughput and memory: the peak resident memory of the process and the kernel's own state
(history windows O(N x (max lag + 2048)), independent of the run length).
Writes a section of bench/RESULTS.md.

    python bench/bench_sparse1000.py [--T 10000]
"""
import argparse
import json
import resource
import time

import numpy as np

from benchlib import HERE, machine, update_results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", type=float, default=10_000.0)
    ap.add_argument("--N", type=int, default=1000)
    args = ap.parse_args()
    import brainmass_dsl as bm

    N = args.N
    rng = np.random.default_rng(0)
    mask = rng.random((N, N)) < 0.1
    mask = np.triu(mask, 1)
    mask = mask | mask.T
    W = np.where(mask, rng.random((N, N)), 0.0)
    W = (W + W.T) / 2
    L = rng.uniform(10.0, 200.0, (N, N))
    L = (L + L.T) / 2
    lib = bm.load(HERE / "models" / "hopf_w2.nmm")
    node = lib.HopfW2(N, method="euler_maruyama", init_x=0.1 * rng.standard_normal(N))
    net = bm.Network(node, conn=W / W.sum(1).max(), distance=L, speed=10.0, k=0.5, sparse=True)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    bm.Simulator(net, dt=0.1).run(10.0, progress=False)  # compile
    t0 = time.perf_counter()
    res = bm.Simulator(net, dt=0.1).run(args.T, monitors=["x"], sample_every=10, progress=False)
    wall = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    edges = int(np.count_nonzero(W))
    windows = sum(w.nbytes for w in net._windows)
    steps = int(round(args.T / 0.1))
    row = {"machine": machine(), "N": N, "edges": edges, "T_ms": args.T, "wall_s": wall,
           "ns_per_edge_step": wall / steps / edges * 1e9,
           "peak_rss_MB": rss1 / 1024, "rss_growth_during_run_MB": (rss1 - rss0) / 1024,
           "history_windows_MB": windows / 1e6, "recorded_output_MB": res["x"].nbytes / 1e6,
           "finite": bool(np.isfinite(res["x"]).all())}
    print(json.dumps(row, indent=2))
    update_results("Sparse 1,000-region network, 10% density, 10 s", [
        f"Machine: {row['machine']}. {N} Hopf nodes with noise, {edges:,} edges (CSR), lags "
        "up to 200 steps, dt 0.1 ms, serial float64.", "",
        "| wall s | ns per edge-step | peak RSS MB | history windows MB | recorded x MB |",
        "|---|---|---|---|---|",
        f"| {wall:.2f} | {row['ns_per_edge_step']:.2f} | {row['peak_rss_MB']:.0f} | "
        f"{row['history_windows_MB']:.1f} | {row['recorded_output_MB']:.1f} |", "",
        "The windows hold max lag + 1 + 2048 rows of N values: O(N x max lag), independent of "
        "the run length (only the recorded output grows with it)."])


if __name__ == "__main__":
    main()
