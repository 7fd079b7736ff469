"""`Prediction`: a simulation as a function of the model's parameters, for fitting.

    sim = bm.Simulator(net, dt=0.1)
    predict = sim.prediction(10_000.0, monitor="x", transient=1000.0, sample_every=10, seed=3)
    x = predict(net)                                   # (time, regions): brainmass's predict(model)
    xs = predict.batch(net, [{"coupling.k": 0.1, "a": -0.05},
                             {"coupling.k": 0.2, "a": -0.02}])      # (2, time, regions)

`predict(model)` runs `Simulator(model, dt).run(duration, monitors=[monitor], transient=...,
sample_every=..., seed=...)` from the model's initial states and returns the monitor's array
(time, regions) (brainmass's `predict` closure; `Fitter` calls it after setting a candidate's
parameters on the model).

`predict.loss_and_grad(model, objective, target, params)` is the loss and its exact gradient
(the compiled discrete adjoint, `runtime.gradient`) that `Fitter(backend="grad")` uses;
`truncate=` (a duration) makes it the truncated gradient through windows of that length and
`checkpoint_every=` (steps) sets its memory/time trade-off; neither changes a forward run.

`predict.batch(model, points)` evaluates P parameter points (a list of {name: value}, names as
`Network.set_params` takes them: "a", "coupling.k", "noise.sigma"; values numbers or per-node
arrays) as ONE batched kernel call (a `runtime.sweep` with `zip=True`), returning (P, time,
regions); parameters not named keep the model's values, and the model itself is not changed.

Noise. Every point draws the SAME noise, that of an unbatched run with the prediction's seed
(the sweep's `shared_noise=True`: the kernel's noise counter uses batch index 0 for every
batch element). So point p of `batch` equals `predict` of a model set to point p, to the
bit, whatever the batch size, the executor or the point's position in the population: a
fit compares candidates on one noise realisation, and a loss does not depend on where the
optimiser put the candidate. (A parameter sweep, by contrast, gives each point its own.)

`executor=`: any `concurrent.futures.Executor` (a Dask client's `get_executor()`) runs the
batches in parallel (default about one batch per worker); the numbers are the same as serial.

Divergence: `batch(..., diverged="nan")` gives a candidate whose run became non-finite rows of
NaN (the others are re-run without it), and lists it in `.last_diverged` as (index, message);
`diverged="raise"` (default) raises the sweep's `SweepDiverged` naming the point.
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np

from .values import to_ms

__all__ = ["Prediction"]


class _Pick:
    """A sweep `reduce`: the monitor's array, points first (B, time, ...); picklable."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, res):
        return {self.name: np.moveaxis(np.asarray(res[self.name]), 1, 0)}


class Prediction:
    """What `Simulator.prediction(...)` returns (see the module documentation)."""

    def __init__(self, simulator, duration, monitor: Optional[str] = None, *, transient=None,
                 sample_every=None, seed: Optional[int] = None, average: bool = False,
                 inputs: Optional[Mapping] = None, forward=None, truncate=None,
                 checkpoint_every: Optional[int] = None):
        from .simulator import n_steps_for, sampling_steps
        from . import environ

        self.simulator = simulator
        model = simulator.model
        self.dt = simulator.dt if simulator.dt is not None else environ.get_dt()
        self.duration = to_ms(duration, "duration")
        self.n_steps = n_steps_for(self.duration, self.dt)
        self.n_transient, self.every = sampling_steps(transient, sample_every, self.dt,
                                                      self.n_steps)
        self.transient, self.sample_every = transient, sample_every
        if inputs is not None and (callable(inputs) or not isinstance(inputs, Mapping)):
            raise TypeError("prediction(inputs=...) takes constant inputs {name: value} (they "
                            "travel to the batched runs and to worker processes)")
        self.inputs = dict(inputs) if inputs is not None else None
        self.forward = forward
        self.average = bool(average)
        names = list(model.state_names) + list(model.output_names)
        fwd = list(getattr(getattr(forward, "model", None), "output_names", ()) or ())
        if monitor is None:
            monitor = (list(model.output_names) or list(model.state_names))[0]
        if not isinstance(monitor, str):
            raise TypeError(f"monitor must be the name of a state or output of {model.name}, "
                            f"got {type(monitor).__name__}")
        if monitor not in names and monitor not in fwd and forward is None:
            from ..frontend.suggest import did_you_mean

            hint = did_you_mean(monitor, names)
            raise ValueError(f"monitor {monitor!r} is not a state or output of {model.name}"
                             + (f"; {hint}" if hint else "")
                             + f" (available: {', '.join(names)})")
        self.monitor = monitor
        #: what the runs record: the monitor, or nothing when it is the forward monitor's
        self._monitors = [] if (monitor in fwd and monitor not in names) else [monitor]
        self.seed = None if seed is None else int(seed)
        self.last_diverged: List[tuple] = []
        if truncate is not None:
            from .gradient import window_steps

            window_steps(truncate, self.dt, self.n_steps)        # a bad window fails here
        self.truncate, self.checkpoint_every = truncate, checkpoint_every

    # ------------------------------------------------------------------ helpers
    @property
    def model(self):
        """The simulator's model (the default of `__call__` and `batch`)."""
        return self.simulator.model

    def _seed(self, model) -> int:
        return model.seed if self.seed is None else self.seed

    def _run_kw(self) -> dict:
        kw = dict(transient=self.n_transient, sample_every=self.every)
        if self.average:
            kw["average"] = True
        if self.inputs is not None:
            kw["inputs"] = self.inputs
        if self.forward is not None:
            kw["forward"] = self.forward
        return kw

    @property
    def n_samples(self) -> int:
        span = self.n_steps - self.n_transient
        return span // self.every if self.average else -(-span // self.every)

    # ------------------------------------------------------------------ one run
    def __call__(self, model=None) -> np.ndarray:
        """The monitor's array (time, regions) of one run of `model` (default: the
        simulator's) with its current parameters."""
        from .simulator import Simulator

        model = self.model if model is None else model
        res = Simulator(model, dt=self.dt).run(
            self.duration, monitors=self._monitors, seed=self._seed(model), progress=False,
            **self._run_kw())
        return np.asarray(res[self.monitor])

    # ------------------------------------------------------------------ a population
    def batch(self, model=None, points: Sequence[Mapping] = (), *, executor=None,
              batch_size: Optional[int] = None, diverged: str = "raise") -> np.ndarray:
        """(P, time, regions): `self(model)` at each of the P parameter points, computed as
        batched kernel calls (one per `batch_size` points; default all in one in-process)."""
        from .sweep import sweep
        from .sweep_errors import SweepDiverged

        if diverged not in ("raise", "nan"):
            raise ValueError(f"diverged must be 'raise' or 'nan', got {diverged!r}")
        model = self.model if model is None else model
        points = list(points)
        self.last_diverged = []
        if not points:
            return np.empty((0, self.n_samples) + tuple(model.in_size))
        names = list(points[0])
        for i, p in enumerate(points):
            if not isinstance(p, Mapping):
                raise TypeError(f"points[{i}] must be a dict {{name: value}}, got "
                                f"{type(p).__name__}")
            if set(p) != set(names):
                raise ValueError(f"every point must name the same parameters: points[0] has "
                                 f"{names}, points[{i}] has {list(p)}")
        if not names:       # nothing varies: every point is the model itself
            one = self(model)
            return np.broadcast_to(one, (len(points),) + one.shape).copy()
        out: Optional[np.ndarray] = None
        pending = list(range(len(points)))
        while pending:
            grid = {n: [points[i][n] for i in pending] for n in names}
            try:
                res = sweep(model, grid, self.duration, dt=self.dt, zip=True,
                            shared_noise=True, seed=self._seed(model), executor=executor,
                            batch_size=batch_size, monitors=self._monitors,
                            reduce=_Pick(self.monitor), **self._run_kw())
                done, arr = pending, res[self.monitor]
                pending = []
            except SweepDiverged as e:
                if diverged == "raise":
                    raise
                bad = e.point_index
                lost = set(getattr(e, "lost", None) or range(len(pending)))
                self.last_diverged.append((pending[bad], str(e)))
                fin = getattr(e, "finished", None)
                kept = [p for p in range(len(pending)) if p not in lost]
                done = [pending[p] for p in kept]
                arr = fin[self.monitor] if (fin is not None and kept) else None
                pending = [pending[p] for p in sorted(lost) if p != bad]
            if arr is not None and len(done):
                if out is None:
                    out = np.full((len(points),) + arr.shape[1:], np.nan)
                out[done] = arr
        if out is None:      # every point diverged
            out = np.full((len(points), self.n_samples) + tuple(model.in_size), np.nan)
        return out

    # ------------------------------------------------------------------ gradient
    def loss_and_grad(self, model=None, objective=None, target=None,
                      params: Optional[Mapping] = None):
        """(loss, {name: d loss / d value}) of `objective(prediction, target)` for `model`
        (a Network) with `params` {name: value} set first, from the compiled discrete adjoint
        (runtime/gradient.py). `objective` must have `.grad(prediction, target)` (the
        bm.objectives do). Gradients are given for every name of `params` (and for every
        other parameter, weights included: "coupling.weights")."""
        from .gradient import network_gradient

        model = self.model if model is None else model
        if not hasattr(model, "terms"):
            raise TypeError("gradients are computed for networks: wrap the node in a "
                            f"bm.Network (got {type(model).__name__})")
        if objective is None or not callable(getattr(objective, "grad", None)):
            raise TypeError("loss_and_grad needs an objective with .grad(prediction, target) "
                            "(e.g. bm.objectives.fc_corr(as_loss=True))")
        if params:
            model.set_params(**dict(params))
        name = self.monitor

        def loss_grad(pred):
            p = np.asarray(pred[name])
            return float(objective(p, target)), {name: np.asarray(objective.grad(p, target))}

        if self.forward is not None:         # a loss of the fused monitor's samples (BOLD)
            sampling = dict(forward=self.forward)
        else:
            sampling = dict(monitors=[name], sample_every=self.every, average=self.average)
        loss, grads, _ = network_gradient(
            model, self.duration, loss_grad=loss_grad, dt=self.dt, seed=self._seed(model),
            transient=self.n_transient, inputs=self.inputs, truncate=self.truncate,
            checkpoint_every=self.checkpoint_every, **sampling)
        for key in list(params or ()):
            if key not in grads and hasattr(model, "_resolve_cparam"):
                full = model._resolve_cparam(key)
                if full in grads:
                    grads[key] = grads[full]
        return loss, grads

    def __repr__(self):
        return (f"Prediction({self.model.name}, {self.duration:g} ms, monitor={self.monitor!r}, "
                f"dt={self.dt:g}, transient={self.n_transient} steps, "
                f"sample_every={self.every}, seed={self.seed})")
