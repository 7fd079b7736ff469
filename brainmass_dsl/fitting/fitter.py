"""`Fitter`: fit a model's parameters to data, as brainmass's `Fitter`.

    net = bm.Network(bm.HopfStep(68, a=-0.05), conn=W, k=0.2, noise=0.02)
    predict = bm.Simulator(net, dt=0.1).prediction(20_000.0, monitor="x", transient=2000.0,
                                                   sample_every=10, seed=0)
    fit = bm.Fitter(net, predict=predict, objective=bm.objectives.fc_corr(as_loss=True),
                    backend="nevergrad", search_space={"coupling.k": (0, 1), "a": (-0.1, 0.1)})
    res = fit.fit(target_x, n_steps=30)     # FitResult(backend='nevergrad', best_loss=..., ...)
    res.best_params                         # {"coupling.k": 0.31, "a": -0.048}

What is fitted: the parameters marked `bm.Param(value, fit=True, lower=, upper=, transform=)`
plus those named in `search_space` (see `fitting.params`). The loss: `loss_fn(model) -> (loss,
aux)`, or `objective(predict(model)[transient:], target)` (objective default
`objectives.timeseries_rmse()`; `transient` counts samples of the prediction).

Backends (`optimizer` as brainmass, per backend):
* "nevergrad": `optimizer` None | method name | dict (method default "DE", "CMA", any of
  nevergrad's registry; `n_sample` candidates per generation, default 8; the rest goes to the
  nevergrad optimiser). `n_steps` = generations. Each generation's candidates are asked at
  once (num_workers = n_sample) and, with a `Prediction`, simulated in ONE batched kernel call.
* "scipy": `optimizer` None | method | dict. Default: `differential_evolution(vectorized=True,
  updating="deferred", polish=False)`, n_steps = generations (maxiter), each generation one
  batched call; other methods (e.g. "Nelder-Mead", "L-BFGS-B"): brainmass's random restarts,
  n_steps = restarts from x0 uniform in the box, best kept.
* "grad": Adam (`fitting.Adam(lr=1e-2)` default) on unconstrained variables u, value =
  transform(u) (a sigmoid onto the box by default), with exact gradients from
  `predict.loss_and_grad(model, objective, target, params)` (the compiled adjoint); no
  finite differences. History per step, best-seen parameters restored at the end. The
  connectivity is trainable here: `search_space={"coupling.weights": (0, 1)}` fits every
  entry of the (N, N) matrix (the diagonal stays unused unless self_connection).

Derivative-free backends need a finite box per parameter (search_space or the Param's).
`seed` (default 0) makes derivative-free fits reproducible; `executor=` (a concurrent.futures
Executor or a Dask client's `get_executor()`) spreads each generation's batch over workers:
the same numbers as serial (the candidates share one noise realisation; see
`runtime.prediction`). A plain `predict(model)` closure works too, one candidate at a time
(the model's parameters are set to the candidate's, as brainmass's `Param.set_value`).

Failure is contained: a candidate whose run diverges, or whose loss is not finite, gets loss
inf and a `FitWarning` naming its parameter values; the fit goes on. Callbacks `cb(info)`
get {'step', 'loss', 'best_loss', 'model'} after each step (grad) or generation (the best
loss of that generation; scipy restarts: of that restart) and stop the fit by returning
True. `fit(..., resume=previous_result)` continues a fit: grad from the last parameters and
Adam's moments, nevergrad with the same optimiser object, scipy DE from the last population,
restarts from the next restart; history and n_steps continue from the previous result.
At the end the model holds the best parameters found.
"""
from __future__ import annotations

import numbers
import warnings
from typing import Any, Callable, Dict, List, Mapping, Optional

import numpy as np

from ..runtime.errors import SimulationDiverged
from .params import SearchSpace, resolve_search_space
from .result import FitResult

__all__ = ["Fitter", "Adam", "FitWarning"]

BACKENDS = ("grad", "nevergrad", "scipy")


class FitWarning(RuntimeWarning):
    """A candidate's run diverged or its loss was not finite (it got loss = inf)."""


class Adam:
    """Adam (Kingma & Ba) on a dict of arrays: `step(params, grads) -> new params`.

    >>> opt = Adam(lr=0.1); p = {"x": np.array(1.0)}
    >>> p = opt.step(p, {"x": np.array(2.0)}); round(float(p["x"]), 6)
    0.9
    """

    def __init__(self, lr: float = 1e-2, betas=(0.9, 0.999), eps: float = 1e-8):
        if not (isinstance(lr, numbers.Real) and lr > 0):
            raise ValueError(f"Adam: lr must be a positive number, got {lr!r}")
        self.lr, self.betas, self.eps = float(lr), tuple(float(b) for b in betas), float(eps)
        self.t = 0
        self.m: Dict[str, np.ndarray] = {}
        self.v: Dict[str, np.ndarray] = {}

    def step(self, params: Mapping, grads: Mapping) -> Dict[str, np.ndarray]:
        b1, b2 = self.betas
        self.t += 1
        out = {}
        for name, p in params.items():
            g = np.asarray(grads[name], dtype=float)
            m = self.m.get(name, np.zeros_like(g))
            v = self.v.get(name, np.zeros_like(g))
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            self.m[name], self.v[name] = m, v
            mh = m / (1 - b1 ** self.t)
            vh = v / (1 - b2 ** self.t)
            out[name] = np.asarray(p, dtype=float) - self.lr * mh / (np.sqrt(vh) + self.eps)
        return out

    def __repr__(self):
        return f"Adam(lr={self.lr})"


class _Trimmed:
    """objective(prediction[..., n:, :], target); its gradient padded with zeros."""

    def __init__(self, objective, n: int):
        self.objective, self.n = objective, n

    def __call__(self, pred, target):
        return self.objective(np.asarray(pred)[..., self.n:, :], target)

    def grad(self, pred, target):
        pred = np.asarray(pred)
        g = np.zeros(pred.shape)
        g[..., self.n:, :] = self.objective.grad(pred[..., self.n:, :], target)
        return g

    def value_and_grad(self, pred, target):
        return self(pred, target), self.grad(pred, target)

    def __repr__(self):
        return f"{self.objective!r}[transient {self.n}]"


def _is_prediction(predict) -> bool:
    from ..runtime.prediction import Prediction

    return isinstance(predict, Prediction) or (callable(getattr(predict, "batch", None))
                                               and callable(predict))


class Fitter:
    """See the module documentation."""

    def __init__(self, model, optimizer=None, *, loss_fn: Optional[Callable] = None,
                 objective: Optional[Callable] = None, predict: Optional[Callable] = None,
                 backend: str = "grad", callbacks=None, transient: Optional[int] = None,
                 search_space: Optional[Mapping] = None, executor=None, seed: int = 0,
                 batch_size: Optional[int] = None):
        from ..runtime.model import Model

        if not isinstance(model, Model):
            raise TypeError(f"Fitter needs a brainmass_dsl model or Network, got "
                            f"{type(model).__name__}")
        if (loss_fn is None) == (predict is None):
            raise ValueError("Fitter needs exactly one of loss_fn= (model -> (loss, aux)) or "
                             "predict= (model -> prediction, e.g. Simulator.prediction(...)); "
                             + ("both were given" if loss_fn is not None else "neither was"))
        if loss_fn is not None and not callable(loss_fn):
            raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
        if predict is not None and not callable(predict):
            raise TypeError(f"predict must be callable (model -> prediction), got "
                            f"{type(predict).__name__}")
        if not isinstance(backend, str) or backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; backends: {', '.join(BACKENDS)}")
        if objective is not None and not callable(objective):
            raise TypeError(f"objective must be callable (prediction, target) -> loss, got "
                            f"{type(objective).__name__}")
        if objective is not None and loss_fn is not None:
            raise ValueError("objective= applies to predict=; with loss_fn= the loss is "
                             "loss_fn's own")
        if transient is not None and (isinstance(transient, bool) or
                                      not isinstance(transient, (int, np.integer))
                                      or transient < 0):
            raise ValueError(f"transient must be a number of samples >= 0, got {transient!r}")
        self.model = model
        self.backend = backend
        self.loss_fn, self.predict = loss_fn, predict
        if objective is None and predict is not None:
            from .objectives import timeseries_rmse

            objective = timeseries_rmse()
        self.objective = objective
        self.transient = int(transient or 0)
        self.optimizer = self._check_optimizer(optimizer)
        if callbacks is None:
            callbacks = []
        elif callable(callbacks):
            callbacks = [callbacks]
        callbacks = list(callbacks)
        for cb in callbacks:
            if not callable(cb):
                raise TypeError(f"callbacks must be callables, got {type(cb).__name__}")
        self.callbacks = callbacks
        if executor is not None and not callable(getattr(executor, "submit", None)):
            raise TypeError(f"executor must be a concurrent.futures.Executor (with submit), "
                            f"got {type(executor).__name__}")
        self.executor = executor
        self.seed = int(seed)
        self.batch_size = batch_size
        self.space: SearchSpace = resolve_search_space(model, search_space)
        if backend != "grad":
            for t in self.space:
                if len(t.shape) == 2:
                    raise ValueError(f"{t.name!r} ({t.shape[0]}x{t.shape[1]} connection "
                                     "weights) is trainable with backend='grad' only: a "
                                     "population shares one connectivity per kernel call")
            self.space.bounds(backend)          # ValueError now, naming a boxless parameter
        self.batched = predict is not None and _is_prediction(predict)

    # ------------------------------------------------------------------ checks
    def _check_optimizer(self, optimizer):
        if self.backend == "grad":
            if optimizer is None:
                return Adam(lr=1e-2)
            if not callable(getattr(optimizer, "step", None)) or isinstance(optimizer, (str, dict)):
                raise TypeError(f"backend 'grad' needs optimizer=None or a fitting.Adam (an "
                                f"object with step(params, grads)), got "
                                f"{type(optimizer).__name__}")
            return optimizer
        if optimizer is None:
            return {}
        if isinstance(optimizer, str):
            return {"method": optimizer}
        if isinstance(optimizer, dict):
            return dict(optimizer)
        raise TypeError(f"backend {self.backend!r} needs optimizer=None, a method name or a "
                        f"dict of options, got {type(optimizer).__name__}")

    # ------------------------------------------------------------------ losses
    def _objective_value(self, pred, target) -> float:
        return float(np.asarray(self.objective(np.asarray(pred)[self.transient:], target)))

    def _loss_of_model(self, target):
        """(loss, aux or prediction) of the model as it is now."""
        if self.loss_fn is not None:
            out = self.loss_fn(self.model)
            loss, aux = (out[0], out[1]) if isinstance(out, tuple) else (out, None)
            return float(np.asarray(loss)), aux
        pred = self.predict(self.model)
        return self._objective_value(pred, target), pred

    def _warn(self, values: Mapping, why: str):
        warnings.warn(f"Fitter: candidate {self.space.describe(values)} {why}; its loss is "
                      "taken as inf", FitWarning, stacklevel=4)

    def _population(self, X: np.ndarray, target):
        """(losses (P,), predictions or None) of the candidates X (P, D) in the box."""
        lo, hi = self.space.bounds(self.backend) if self.backend != "grad" else (None, None)
        if lo is not None:
            X = np.clip(X, lo, hi)
        points = [self.space.unflatten(x) for x in X]
        losses = np.empty(len(points))
        why: Dict[int, str] = {}
        preds = None
        if self.batched:
            preds = self.predict.batch(self.model, points, executor=self.executor,
                                       batch_size=self.batch_size, diverged="nan")
            for i, msg in self.predict.last_diverged:
                why[i] = f"diverged ({msg.split('diverged: ', 1)[-1].split('; the result')[0]})"
            losses[:] = self._batch_objective(preds, target)
        else:
            saved = self.space.current()
            try:
                for i, p in enumerate(points):
                    self.space.apply(p)
                    try:
                        losses[i], _ = self._loss_of_model(target)
                    except SimulationDiverged as e:
                        losses[i], why[i] = np.inf, f"diverged ({str(e).split('; the result')[0]})"
            finally:
                self.space.apply(saved)
        for i in range(len(points)):
            if not np.isfinite(losses[i]):
                self._warn(points[i], why.get(i, f"gave a non-finite loss ({losses[i]})"))
                losses[i] = np.inf
        return losses, preds

    def _batch_objective(self, preds, target) -> np.ndarray:
        from .core import Objective

        trimmed = preds[:, self.transient:]
        ok = np.isfinite(trimmed).all(axis=tuple(range(1, trimmed.ndim)))
        out = np.full(len(preds), np.nan)
        if not ok.any():
            return out
        with np.errstate(all="ignore"):
            if isinstance(self.objective, Objective):
                out[ok] = np.asarray(self.objective(trimmed[ok], target), dtype=float)
            else:
                out[ok] = [float(np.asarray(self.objective(p, target))) for p in trimmed[ok]]
        return out

    def loss(self, params: Mapping, target=None) -> float:
        """The loss at `params` ({name: value}, physical units; unnamed fitted parameters keep
        the model's values); the model is left as it was. inf (with a FitWarning) if the run
        diverges."""
        values = self._full(params)
        X = self.space.flatten(values)[None]
        if self.batched and not any(len(t.shape) == 2 for t in self.space):
            # (a connectivity is not a batch axis: it is set on the model and run once)
            losses, _ = self._population(X, target)
            return float(losses[0])
        saved = self.space.current()
        try:
            self.space.apply(values)
            loss, _ = self._loss_of_model(target)
        except SimulationDiverged as e:
            self._warn(values, f"diverged ({e})")
            return float("inf")
        finally:
            self.space.apply(saved)
        return loss

    def loss_and_grad(self, params: Mapping, target=None):
        """(loss, {name: d loss / d value}) at `params` (physical units), from the
        prediction's compiled gradient (`predict.loss_and_grad`)."""
        lag = self._grad_source()
        values = self._full(params)
        return lag(self.model, self._grad_objective(), target, values)

    def _full(self, params: Mapping) -> Dict[str, Any]:
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a dict {{name: value}}, got {type(params).__name__}")
        from .params import _canonical

        values = self.space.current()
        for key, v in params.items():
            name = _canonical(self.model, key)
            if name not in values:
                raise ValueError(f"{key!r} is not a fitted parameter (fitted: "
                                 f"{', '.join(self.space.names)})")
            values[name] = v
        return values

    # ------------------------------------------------------------------ callbacks
    def _callbacks(self, step: int, loss: float, best: float) -> bool:
        info = {"step": step, "loss": loss, "best_loss": best, "model": self.model}
        stop = False
        for cb in self.callbacks:
            if cb(info) is True:
                stop = True
        return stop

    # ------------------------------------------------------------------ fit
    def fit(self, target=None, n_steps: int = 100, *, verbose: bool = False,
            resume: Optional[FitResult] = None) -> FitResult:
        """Run the fit (see the module documentation); returns a `FitResult`."""
        if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) \
                or n_steps < 1:
            raise ValueError(f"n_steps must be an int >= 1, got {n_steps!r}")
        if self.predict is not None and target is None:
            raise ValueError("fit(target=...) is required with predict= (the data the "
                             "prediction is compared with)")
        if resume is not None:
            if not isinstance(resume, FitResult):
                raise TypeError(f"resume must be a FitResult, got {type(resume).__name__}")
            if resume.backend != self.backend or list(resume.best_params) != self.space.names:
                raise ValueError(f"resume: the previous fit used backend {resume.backend!r} "
                                 f"and parameters {list(resume.best_params)}; this one "
                                 f"{self.backend!r} and {self.space.names}")
        if self.backend == "grad":
            return self._fit_grad(target, int(n_steps), verbose, resume)
        return self._fit_derivative_free(target, int(n_steps), verbose, resume)

    def _finish(self, best_values, best_loss, history, n_steps, prediction, optimizer, raw,
                n_eval, stopped, state) -> FitResult:
        if best_values is None:
            best_values = self.space.current()
        self.space.apply(best_values)
        if prediction is None and np.isfinite(best_loss):
            try:
                _, prediction = self._loss_of_model(None if self.loss_fn else self._target)
            except SimulationDiverged:
                prediction = None
        return FitResult(self.backend, best_loss, best_values, history, n_steps, prediction,
                         optimizer, raw, self.model, n_evaluations=n_eval,
                         stopped_early=stopped, state=state)

    def _fit_derivative_free(self, target, n_steps, verbose, resume) -> FitResult:
        from .derivative_free import Tracker, run_nevergrad, run_scipy

        self._target = target
        prev = resume
        best_x = None if prev is None else self.space.flatten(prev.best_params)
        tracker = Tracker(self, n_steps, verbose, step0=0 if prev is None else prev.n_steps,
                          best_loss=np.inf if prev is None else prev.best_loss, best_x=best_x)
        if prev is not None:
            tracker.best_pred = prev.prediction

        def evaluate(X):
            losses, preds = self._population(np.asarray(X, dtype=float), target)
            tracker.record(X, losses, preds)
            return losses

        run = run_nevergrad if self.backend == "nevergrad" else run_scipy
        try:
            history, opt, raw, state = run(self, evaluate, n_steps, self.optimizer, self.seed,
                                           tracker, None if prev is None else prev.state)
        finally:
            tracker.close()
        done = tracker.step - (0 if prev is None else prev.n_steps)
        best = None if tracker.best_x is None else self.space.unflatten(tracker.best_x)
        history = (prev.history if prev is not None else []) + list(history)
        n_eval = tracker.n_evaluations + (prev.n_evaluations if prev is not None else 0)
        return self._finish(best, tracker.best_loss, history,
                            done + (prev.n_steps if prev is not None else 0),
                            tracker.best_pred, opt, raw, n_eval, tracker.stopped, state)

    # ------------------------------------------------------------------ gradient backend
    def _grad_source(self):
        lag = getattr(self.predict, "loss_and_grad", None)
        if self.predict is None or not callable(lag):
            got = "loss_fn=" if self.predict is None else type(self.predict).__name__
            raise TypeError(f"backend 'grad' needs predict= with a compiled gradient "
                            f"(a prediction from Simulator(...).prediction(...), which has "
                            f"loss_and_grad); {got} has none. Use backend='nevergrad' or "
                            "'scipy' for a plain predict(model) closure or a loss_fn")
        if not callable(getattr(self.objective, "grad", None)):
            raise TypeError(f"backend 'grad' needs an objective with .grad(prediction, "
                            f"target) (the bm.objectives do); {self.objective!r} has none")
        return lag

    def _grad_objective(self):
        return _Trimmed(self.objective, self.transient) if self.transient else self.objective

    def _fit_grad(self, target, n_steps, verbose, resume) -> FitResult:
        from .derivative_free import _bar

        lag = self._grad_source()
        objective = self._grad_objective()
        self._target = target
        opt = self.optimizer
        if resume is not None and resume.state.get("u") is not None:
            u = {k: np.array(v) for k, v in resume.state["u"].items()}
            if resume.optimizer is not None:
                opt = resume.optimizer
            best_u = resume.state.get("best_u")
            best_loss = resume.best_loss
            history = list(resume.history)
            step0 = resume.n_steps
        else:
            u = self.space.to_unconstrained(self.space.initial())
            best_u, best_loss, history, step0 = None, np.inf, [], 0
        bar = _bar(verbose, n_steps, "grad")
        stopped = False
        done = 0
        try:
            for i in range(n_steps):
                values = self.space.to_values(u)
                loss, grads = lag(self.model, objective, target, values)
                loss = float(loss)
                bad = self._bad_gradient(loss, grads)
                if bad is not None:
                    warnings.warn(f"Fitter: step {step0 + i}: {bad} at "
                                  f"{self.space.describe(values)}; the fit stops here and "
                                  "keeps the best parameters so far", FitWarning, stacklevel=3)
                    stopped = True
                    break
                history.append(loss)
                done += 1
                if loss < best_loss:
                    best_loss, best_u = loss, {k: np.array(v) for k, v in u.items()}
                gu = {t.name: np.reshape(np.asarray(grads[t.name], dtype=float), t.shape)
                      * t.transform.dvalue_du(u[t.name]) for t in self.space}
                u = opt.step(u, gu)
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
                if self._callbacks(step0 + i, loss, best_loss):
                    stopped = True
                    break
        finally:
            bar.close()
        best = None if best_u is None else self.space.to_values(best_u)
        state = {"u": u, "best_u": best_u}
        return self._finish(best, best_loss, history, step0 + done, None, opt, None,
                            (resume.n_evaluations if resume else 0) + done, stopped, state)

    def _bad_gradient(self, loss: float, grads: Mapping) -> Optional[str]:
        if not np.isfinite(loss):
            return f"the loss is not finite ({loss})"
        for t in self.space:
            if t.name not in grads:
                raise KeyError(f"the prediction's loss_and_grad gave no gradient for "
                               f"{t.name!r} (it gave {', '.join(grads)})")
            g = np.asarray(grads[t.name], dtype=float)
            if not np.isfinite(g).all():
                where = "" if g.ndim == 0 else \
                    f" at index {tuple(int(j) for j in np.argwhere(~np.isfinite(g))[0])}"
                return f"the gradient with respect to {t.name!r} is not finite{where}"
        return None

    def __repr__(self):
        return (f"Fitter({self.model.name}, backend={self.backend!r}, "
                f"params={self.space.names})")
