"""Parameter recovery (issue 15): a synthetic 68-region Hopf network's FC, known coupling.k
and a; each derivative-free backend fits both from a wrong start and must land within 10%.

    python bench/bench_fit.py [--generations 12] [--duration 4000]

Prints, per backend: the recovered values, their relative errors, the loss, the number of
simulated candidates and the wall time (2-core machine, one sitting)."""
import argparse
import time
import warnings

import numpy as np

import brainmass_dsl as bm

TRUE = {"coupling.k": 0.3, "a": -0.04}


def network(k, a, n=68):
    W = bm.datasets.load_dataset("synthetic68").weights[:n, :n]
    return bm.Network(bm.HopfStep(n, a=a, w=0.2), conn=W / W.max(), k=k, coupled_var="x",
                      noise=0.05)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--generations", type=int, default=12)
    ap.add_argument("--duration", type=float, default=4000.0)
    ap.add_argument("--regions", type=int, default=68)
    args = ap.parse_args()
    truth = network(TRUE["coupling.k"], TRUE["a"], args.regions)
    pred = bm.Simulator(truth, dt=0.1).prediction(args.duration, "x", transient=500.0,
                                                  sample_every=10, seed=1)
    target = pred(truth)
    space = {"coupling.k": (0.0, 1.0), "a": (-0.1, 0.1)}
    rows = []
    for backend, opt in (("nevergrad", {"method": "DE", "n_sample": 16}),
                         ("nevergrad", {"method": "CMA", "n_sample": 16}),
                         ("scipy", {"popsize": 8})):
        net = network(0.1, -0.08, args.regions)
        fit = bm.Fitter(net, opt, predict=pred, objective=bm.objectives.fc_corr(as_loss=True),
                        backend=backend, search_space=space, seed=0)
        fit.loss(TRUE, target)                          # compile outside the timing
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = fit.fit(target, args.generations)
        wall = time.perf_counter() - t
        err = {n: abs(res.best_params[n] - v) / abs(v) for n, v in TRUE.items()}
        rows.append((f"{backend}/{opt.get('method', 'DE')}", res, err, wall))
        print(f"{backend:9s} {opt.get('method', 'DE'):4s}: k={res.best_params['coupling.k']:.4f} "
              f"(err {err['coupling.k']:.1%}) a={res.best_params['a']:.4f} (err {err['a']:.1%}) "
              f"loss={res.best_loss:.3g} candidates={res.n_evaluations} "
              f"generations={res.n_steps} wall={wall:.1f} s", flush=True)
    ok = all(max(e.values()) <= 0.10 for _, _, e, _ in rows)
    print(f"{args.regions} regions, {args.duration:g} ms per run: all within 10%: {ok}")


if __name__ == "__main__":
    main()
