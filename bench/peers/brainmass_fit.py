"""The recovery fit of bench/bench_fit.py run by brainmass 0.1.1's own Fitter.

Runs INSIDE a brainmass 0.1.1 environment (python -m venv V; V/bin/pip install
brainmass==0.1.1 "jax[cpu]" nevergrad), not in ours; bench/bench_fit_peers.py calls it and
reads the JSON line it prints last.

    V/bin/python bench/peers/brainmass_fit.py --data synthetic68.npz --backend nevergrad \
        [--generations 12] [--n-sample 16] [--duration 4000] [--steps 8] [--lr 0.1]

The model is bench_fit.py's: HopfStep(68, a, w=0.2) in a diffusive Network on the
synthetic68 weights / their maximum (the .npz the caller exports from our dataset), k,
coupled_var='x', no delays, dt 0.1 ms, white noise on the coupling input. brainmass adds its
GaussianNoise sample to the input inside the right-hand side (per-step effect sigma dt N),
where ours is an SDE (sigma sqrt(dt) N): sigma = 0.05 / sqrt(0.1) here gives the same
per-step variance as our noise=0.05. delay_init is 0 (our initial history; brainmass's default
Uniform(0, 0.05) would feed the first step's coupling). JAX's default float32.

The prediction is brainmass's Simulator idiom, x recorded every step, sampled every 10 after
the 500 ms transient; `brainstate.random.seed(1)` before each run gives every candidate the
same noise realisation (ours shares one realisation across a population too).

Backends: 'nevergrad' = Fitter(backend='nevergrad', {'method': 'DE', 'n_sample': 16,
'seed': 0}): the candidates one at a time, each a Simulator.run, which jits a new closure
(traced and compiled on every call). 'grad' = Fitter(backend='grad', braintools Adam(lr)),
both parameters as Param(..., t=SigmoidT(box)) (our grad backend's sigmoid onto the same box),
starting from k = 0.1, a = -0.08; JAX reverse-mode through the whole run (one jit compile).
'--per-candidate' also times a run jitted once and reused (what a candidate costs without
the recompilation) and the loss evaluation alone. 'gradcheck' = no fit: the loss and its
gradient with respect to k and a of a deterministic run (no noise, initial states x0, y0
from the .npz) in float64, the way the grad Fitter computes them, and their cost.
"""
import argparse
import json
import sys
import time
import warnings

T_IMPORT = time.perf_counter()
warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
import jax  # noqa: E402

if "gradcheck" in sys.argv:          # float64 for the gradient comparison, before any array
    jax.config.update("jax_enable_x64", True)

import brainmass  # noqa: E402
import braintools  # noqa: E402
import brainstate  # noqa: E402
import brainunit as u  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from brainstate.nn import Param, SigmoidT  # noqa: E402

IMPORT_S = time.perf_counter() - T_IMPORT
TRUE = {"coupling.k": 0.3, "a": -0.04}
START = {"coupling.k": 0.1, "a": -0.08}
BOX = {"coupling.k": (0.0, 1.0), "a": (-0.1, 0.1)}
DT = 0.1          # ms
NOISE = 0.05      # our white-noise intensity (ms**-0.5 in x's unit)
A_NAME = "coupling.x.module.a"   # brainmass's dotted path of the node's `a` in a Network


def network(W, k, a, fit=False):
    """The bench_fit.py network in brainmass; k, a as trainable Params when `fit`."""
    brainstate.environ.set(dt=DT * u.ms)      # a Network reads dt at construction
    if fit:
        k = Param(k, fit=True, t=SigmoidT(*BOX["coupling.k"]))
        a = Param(a, fit=True, t=SigmoidT(*BOX["a"]))
    node = brainmass.HopfStep(W.shape[0], a=a, w=0.2)
    return brainmass.Network(node, conn=W / W.max(), k=k, coupled_var="x",
                             noise=brainmass.GaussianNoise(W.shape[0],
                                                           sigma=NOISE / np.sqrt(DT)),
                             delay_init=braintools.init.Constant(0.0))


def make_predict(duration):
    def predict(model):
        brainstate.random.seed(1)
        res = brainmass.Simulator(model, dt=DT * u.ms).run(
            duration * u.ms, monitors=lambda m: m.node.x.value, transient=500.0 * u.ms,
            sample_every=10)
        return res["output"]
    return predict


def names(model):
    """{our name: brainmass's dotted name} of the two fitted parameters."""
    from brainmass.fitter import _trainable_params
    found = list(_trainable_params(model))
    out = {"coupling.k": "coupling.k", "a": A_NAME}
    missing = [v for v in out.values() if v not in found]
    if missing:
        raise SystemExit(f"brainmass names its parameters {found}, not {missing}")
    return out


def recovered(best_params, name_map):
    vals = {ours: float(np.asarray(best_params[theirs])) for ours, theirs in name_map.items()}
    err = {n: abs(vals[n] - v) / abs(v) for n, v in TRUE.items()}
    return vals, err


def per_candidate(model, duration, target, objective, n=4):
    """Seconds per candidate: (Simulator.run as the Fitter calls it, a run jitted once and
    reused, the objective alone)."""
    predict = make_predict(duration)
    k = model.coupling.k
    rng = np.random.default_rng(0)
    pts = [(float(x), float(y)) for x, y in zip(rng.uniform(0, 1, n), rng.uniform(-0.1, 0.1, n))]
    t0 = time.perf_counter()
    for kv, av in pts:
        k.set_value(kv)
        model.node.a.set_value(av)
        np.asarray(predict(model))
    fitter_way = (time.perf_counter() - t0) / n
    n_steps = int(round(duration / DT))
    n_tr = int(round(500.0 / DT))

    with brainstate.environ.context(dt=DT * u.ms):
        brainstate.nn.init_all_states(model)

    @brainstate.transform.jit
    def run_once():
        brainstate.random.seed(1)
        with brainstate.environ.context(dt=DT * u.ms):
            brainstate.nn.init_all_states(model)

            def step(i):
                with brainstate.environ.context(i=i, t=i * DT * u.ms):
                    model.update()
                return model.node.x.value
            return brainstate.transform.for_loop(step, np.arange(n_steps))[n_tr::10]

    k.set_value(0.3)
    model.node.a.set_value(-0.04)
    ref = np.asarray(run_once())                               # trace + compile once
    same = bool(np.allclose(ref, np.asarray(predict(model)), rtol=1e-5, atol=1e-6))
    t0 = time.perf_counter()
    for kv, av in pts:
        k.set_value(kv)
        model.node.a.set_value(av)
        np.asarray(run_once())
    jit_once = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    for _ in range(n):
        float(objective(ref, target))
    obj = (time.perf_counter() - t0) / n
    return {"simulator_run_s": fitter_way, "jit_once_s": jit_once, "objective_s": obj,
            "jit_once_equals_simulator_run": same}


def gradcheck(W, x0, y0, duration, reps):
    """Loss and d loss / d (k, a) of a deterministic run (no noise, initial states x0, y0,
    history = x0) in float64, as brainmass's grad Fitter computes them
    (`brainstate.transform.grad` over the ParamStates inside `param_precompute`, jitted);
    the first call (trace + compile + run) and the median of `reps` later calls."""
    brainstate.environ.set(precision=64, dt=DT * u.ms)

    def net(k, a, fit=False):
        if fit:
            k, a = Param(k, fit=True), Param(a, fit=True)
        node = brainmass.HopfStep(W.shape[0], a=a, w=0.2,
                                  init_x=lambda shape, **kw: jnp.broadcast_to(x0, shape),
                                  init_y=lambda shape, **kw: jnp.broadcast_to(y0, shape))
        return brainmass.Network(node, conn=W / W.max(), k=k, coupled_var="x",
                                 delay_init=x0)

    def predict(m):
        return brainmass.Simulator(m, dt=DT * u.ms).run(
            duration * u.ms, monitors=lambda mm: mm.node.x.value, transient=100.0 * u.ms,
            sample_every=10)["output"]

    target = np.asarray(predict(net(GC_TRUE["coupling.k"], GC_TRUE["a"])))
    model = net(GC_AT["coupling.k"], GC_AT["a"], fit=True)
    objective = brainmass.objectives.fc_corr(as_loss=True)
    weights = model.states(brainstate.ParamState)

    def f_loss():
        with model.param_precompute():
            return objective(predict(model), target)

    f = brainstate.transform.jit(brainstate.transform.grad(f_loss, weights, return_value=True))
    t0 = time.perf_counter()
    grads, loss = f()
    jax.block_until_ready(grads)
    first = time.perf_counter() - t0
    walls, cpus = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        grads, loss = f()
        jax.block_until_ready(grads)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    g = {".".join(str(p) for p in key[:-1]): float(np.asarray(v)) for key, v in grads.items()}
    return {"target": target, "loss": float(loss),
            "grad": {"coupling.k": g["coupling.k"], "a": g[A_NAME]},
            "first_s": first, "walls": walls, "median_s": float(np.median(walls)),
            "median_cpu_s": float(np.median(cpus))}


GC_TRUE = {"coupling.k": 0.3, "a": 0.02}     # the gradient check's target (oscillating)
GC_AT = {"coupling.k": 0.2, "a": 0.01}       # ... and where the gradient is taken


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help=".npz with `weights` (68 x 68)")
    ap.add_argument("--backend", choices=("nevergrad", "grad", "gradcheck"), required=True)
    ap.add_argument("--generations", type=int, default=12)
    ap.add_argument("--n-sample", type=int, default=16)
    ap.add_argument("--duration", type=float, default=4000.0)
    ap.add_argument("--steps", type=int, default=8, help="Adam steps (grad)")
    ap.add_argument("--lr", type=float, default=0.1, help="Adam learning rate (grad)")
    ap.add_argument("--per-candidate", action="store_true")
    ap.add_argument("--save-target", help="write the target x (time, regions) to this .npy")
    ap.add_argument("--reps", type=int, default=3, help="timed gradient calls (gradcheck)")
    args = ap.parse_args()
    data = np.load(args.data)
    W = np.asarray(data["weights"], dtype=float)
    if args.backend == "gradcheck":
        r = gradcheck(W, np.asarray(data["x0"], float), np.asarray(data["y0"], float),
                      args.duration, args.reps)
        if args.save_target:
            np.save(args.save_target, r.pop("target"))
        else:
            r.pop("target")
        r.update(peer="brainmass", version=brainmass.__version__, jax=jax.__version__,
                 backend="gradcheck", dtype="float64", duration_ms=args.duration)
        print(json.dumps(r), flush=True)
        return
    predict = make_predict(args.duration)
    objective = brainmass.objectives.fc_corr(as_loss=True)

    t0 = time.perf_counter()
    target = np.asarray(predict(network(W, TRUE["coupling.k"], TRUE["a"])))
    target_s = time.perf_counter() - t0
    if args.save_target:
        np.save(args.save_target, target)

    row = {"peer": "brainmass", "version": brainmass.__version__, "jax": jax.__version__,
           "backend": args.backend, "dtype": str(target.dtype), "import_s": IMPORT_S,
           "target_run_s": target_s, "duration_ms": args.duration,
           "target_shape": list(target.shape)}
    if args.backend == "nevergrad":
        model = network(W, START["coupling.k"], START["a"], fit=True)
        nm = names(model)
        fit = brainmass.Fitter(model, {"method": "DE", "n_sample": args.n_sample, "seed": 0},
                               predict=predict, objective=objective, backend="nevergrad",
                               search_space={nm[n]: b for n, b in BOX.items()})
        t0, c0 = time.perf_counter(), time.process_time()
        res = fit.fit(target, args.generations)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        n_cand = len(res.history) + 1          # + the best's prediction run at the end
        row.update(generations=args.generations, n_sample=args.n_sample,
                   n_evaluations=len(res.history), n_runs=n_cand)
        if args.per_candidate:
            row["per_candidate"] = per_candidate(network(W, 0.3, -0.04, fit=True),
                                                 args.duration, target, objective)
    else:
        model = network(W, START["coupling.k"], START["a"], fit=True)
        nm = names(model)
        stamps = []
        fit = brainmass.Fitter(model, braintools.optim.Adam(lr=args.lr), predict=predict,
                               objective=objective, backend="grad",
                               callbacks=[lambda info: stamps.append(time.perf_counter())])
        t0, c0 = time.perf_counter(), time.process_time()
        res = fit.fit(target, args.steps)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        steps = np.diff([t0] + stamps)      # the first includes the trace and XLA compile
        row.update(steps=res.n_steps, lr=args.lr, n_evaluations=res.n_steps,
                   first_step_s=float(steps[0]),
                   later_step_s=float(np.median(steps[1:])) if len(steps) > 1 else None)
    vals, err = recovered(res.best_params, nm)
    row.update(wall_s=wall, cpu_s=cpu, best_loss=float(res.best_loss), recovered=vals, rel_err=err,
               history=[float(h) for h in res.history][-args.n_sample:]
               if args.backend == "nevergrad" else [float(h) for h in res.history],
               per_eval_s=wall / row["n_evaluations"])
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
