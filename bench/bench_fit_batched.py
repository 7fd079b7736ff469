"""Batched population evaluation vs one at a time (issue 15: >= 5x on 2 cores).

    python bench/bench_fit_batched.py [--regions 68] [--population 16] [--duration 1000]

One generation of a fit: P candidates of a noisy Hopf network ({coupling.k, a} each) simulated
(a) as ONE batched kernel call, `Prediction.batch` (what the Fitter does with a Prediction),
(b) one at a time, setting each candidate on the model and calling `predict(model)` (what a
plain brainmass-style `predict(model)` closure costs). Same numbers (checked); best of 3."""
import argparse
import os
import time

import numpy as np

import brainmass_dsl as bm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--regions", type=int, default=68)
    ap.add_argument("--population", type=int, default=16)
    ap.add_argument("--duration", type=float, default=1000.0)
    args = ap.parse_args()
    n = args.regions
    W = bm.datasets.load_dataset("synthetic68").weights
    W = W[:n, :n] if n <= 68 else np.resize(W, (n, n))
    net = bm.Network(bm.HopfStep(n, a=-0.04, w=0.2), conn=W / W.max(), k=0.3,
                     coupled_var="x", noise=0.05)
    pred = bm.Simulator(net, dt=0.1).prediction(args.duration, "x", transient=100.0,
                                                sample_every=10, seed=1)
    rng = np.random.default_rng(0)
    points = [{"coupling.k": float(k), "a": float(a)} for k, a in
              zip(rng.uniform(0, 1, args.population), rng.uniform(-0.1, 0.1, args.population))]

    def batched():
        return pred.batch(net, points)

    def one_at_a_time():
        out = []
        for p in points:
            net.set_params(**p)
            out.append(pred(net))
        return np.stack(out)

    a, b = batched(), one_at_a_time()                 # compile both kernels, check equality
    assert np.array_equal(a, b), "batched != one at a time"
    tb = min(_timed(batched) for _ in range(3))
    to = min(_timed(one_at_a_time) for _ in range(3))
    print(f"{n} regions, P={args.population}, {args.duration:g} ms per run, "
          f"{os.cpu_count()} cores: batched {tb:.3f} s, one at a time {to:.3f} s, "
          f"ratio {to / tb:.2f}x (equal: True)")


def _timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
