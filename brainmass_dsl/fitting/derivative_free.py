"""The derivative-free backends: nevergrad (ask/tell with a whole population per generation)
and SciPy (`differential_evolution(vectorized=True, updating="deferred")`; other methods as
brainmass's random restarts). Each works on flat vectors within the box and calls
`evaluate(X (P, D)) -> losses (P,)` once per generation, which the Fitter turns into ONE
batched kernel call when the prediction can batch."""
from __future__ import annotations

import warnings
from typing import Callable, Optional

import numpy as np

__all__ = ["run_nevergrad", "run_scipy"]


class Tracker:
    """Best-so-far bookkeeping, callbacks and the progress bar shared by the backends."""

    def __init__(self, fitter, n_steps: int, verbose: bool, step0: int = 0,
                 best_loss: float = np.inf, best_x: Optional[np.ndarray] = None):
        self.fitter = fitter
        self.best_loss, self.best_x, self.best_pred = best_loss, best_x, None
        self.step = step0
        self.stopped = False
        self.n_evaluations = 0
        self.bar = _bar(verbose, n_steps, fitter.backend)

    def record(self, X: np.ndarray, losses: np.ndarray, preds) -> None:
        self.n_evaluations += len(losses)
        i = int(np.argmin(losses)) if len(losses) else 0
        if len(losses) and losses[i] < self.best_loss:
            self.best_loss, self.best_x = float(losses[i]), np.array(X[i])
            self.best_pred = None if preds is None else preds[i]

    def generation(self, gen_loss: float) -> bool:
        """After a generation/step: callbacks and bar; True to stop."""
        stop = self.fitter._callbacks(self.step, gen_loss, self.best_loss)
        self.step += 1
        self.bar.update(1)
        self.bar.set_postfix(best_loss=f"{self.best_loss:.4g}", refresh=False)
        if stop:
            self.stopped = True
        return stop

    def close(self):
        self.bar.close()


def _bar(verbose: bool, total: int, backend: str):
    """The fit's progress bar (tqdm), or a silent stand-in when not `verbose`."""
    from ..runtime.simulator import progress_bar

    return progress_bar(verbose, total, unit="step" if backend == "grad" else "gen",
                     desc=f"fit ({backend})")


def run_nevergrad(fitter, evaluate: Callable, n_steps: int, options: dict, seed: int,
                  tracker: Tracker, resume_state: Optional[dict]):
    """n_steps generations of `n_sample` candidates each (one batched evaluation each)."""
    import nevergrad as ng
    from nevergrad.common.errors import LossTooLargeWarning

    opts = dict(options)
    method = opts.pop("method", "DE")
    n_sample = int(opts.pop("n_sample", 8))
    if n_sample < 1:
        raise ValueError(f"n_sample must be >= 1, got {n_sample}")
    if method not in ng.optimizers.registry:
        from ..frontend.suggest import did_you_mean

        hint = did_you_mean(method, list(ng.optimizers.registry))
        raise ValueError(f"unknown nevergrad method {method!r}" + (f"; {hint}" if hint else ""))
    lo, hi = fitter.space.bounds("nevergrad")
    if resume_state and resume_state.get("optimizer") is not None:
        opt = resume_state["optimizer"]
    else:
        param = ng.p.Array(shape=(len(lo),), lower=lo, upper=hi)
        param.random_state = np.random.RandomState(seed)
        opt = ng.optimizers.registry[method](parametrization=param, budget=None,
                                             num_workers=n_sample, **opts)
        start = fitter.space.flatten(fitter.space.initial())
        # the model's (or Param's) values as the first candidate, as brainmass starts there
        try:
            opt.suggest(np.clip(start, lo, hi))
        except Exception:  # noqa: BLE001 - an optimiser that takes no suggestion
            pass
    history = []
    for _ in range(n_steps):
        cands = [opt.ask() for _ in range(n_sample)]
        X = np.stack([np.asarray(c.value, dtype=float) for c in cands])
        losses = evaluate(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LossTooLargeWarning)
            for c, loss in zip(cands, losses):
                opt.tell(c, float(loss))
        history.extend(float(v) for v in losses)
        if tracker.generation(float(np.min(losses))):
            break
    rec = np.asarray(opt.provide_recommendation().value, dtype=float)
    raw = {"method": method, "n_sample": n_sample, "best_x": tracker.best_x,
           "best_loss": tracker.best_loss, "recommendation": rec}
    return history, opt, raw, {"optimizer": opt}


def run_scipy(fitter, evaluate: Callable, n_steps: int, options: dict, seed: int,
              tracker: Tracker, resume_state: Optional[dict]):
    opts = dict(options)
    method = opts.pop("method", None)
    lo, hi = fitter.space.bounds("scipy")
    if method is None or str(method).lower() in ("differential_evolution", "de"):
        return _differential_evolution(fitter, evaluate, n_steps, opts, seed, tracker,
                                       resume_state, lo, hi)
    return _restarts(fitter, evaluate, n_steps, method, opts, seed, tracker, resume_state,
                     lo, hi)


def _differential_evolution(fitter, evaluate, n_steps, opts, seed, tracker, resume_state,
                            lo, hi):
    """scipy's DE, each generation's whole population as one evaluation; n_steps =
    maxiter (generations after the initial population)."""
    from scipy.optimize import differential_evolution

    history = []
    state = {}

    def f(Xt):                                   # (D, S) -> (S,)
        X = np.atleast_2d(np.asarray(Xt, dtype=float).T)
        losses = evaluate(X)
        state["population"], state["energies"] = X.copy(), losses.copy()
        return losses

    def callback(intermediate_result):
        history.append(tracker.best_loss)
        return tracker.generation(float(intermediate_result.fun))

    kw = dict(vectorized=True, updating="deferred", polish=False, seed=seed)
    kw.update(opts)
    if kw.get("updating") != "deferred" or not kw.get("vectorized"):
        raise ValueError("the scipy backend evaluates a generation at once: it needs "
                         "vectorized=True and updating='deferred'")
    if resume_state and resume_state.get("population") is not None:
        kw["init"] = resume_state["population"]
    res = differential_evolution(f, list(zip(lo, hi)), maxiter=n_steps, callback=callback,
                                 **kw)
    return history, None, res, {"population": state.get("population")}


def _restarts(fitter, evaluate, n_steps, method, opts, seed, tracker, resume_state, lo, hi):
    """brainmass's scipy backend: n_steps restarts of scipy.optimize.minimize from x0 drawn
    uniformly in the box (restart r draws from default_rng([seed, r])), best kept."""
    from scipy.optimize import minimize

    history = []
    first = int((resume_state or {}).get("restarts", 0))
    best_res = (resume_state or {}).get("best_result")

    def fun(x):
        return float(evaluate(np.asarray(x, dtype=float)[None])[0])

    done = 0
    for r in range(first, first + n_steps):
        rng = np.random.default_rng([int(seed), r])
        x0 = lo + (hi - lo) * rng.random(len(lo))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*cannot handle.*bounds.*")
            res = minimize(fun, x0, method=method, bounds=list(zip(lo, hi)), **opts)
        if best_res is None or res.fun < best_res.fun:
            best_res = res
        history.append(float(res.fun))
        done += 1
        if tracker.generation(float(res.fun)):
            break
    return history, None, best_res, {"restarts": first + done, "best_result": best_res}
