"""Parameter sweeps: a grid of parameter values run as batches of ONE compiled kernel call
each, mapped over any `concurrent.futures.Executor` (a Dask client's `get_executor()` runs
them across machines).

    from brainmass_dsl.runtime.sweep import sweep

    res = sweep(net, {"coupling.k": np.linspace(0, 0.5, 16), "a": [-0.05, 0.05]}, 10_000.0,
                dt=0.1, batch_size=8, monitors=["x"], sample_every=10)
    res.points[3]            # {"coupling.k": 0.1, "a": 0.05}: the grid point of row 3
    res.params["a"]          # (32,) the value of "a" at every grid point
    res["x"]                 # (32, time, N): one run per grid point
    res.grid("x")            # (16, 2, time, N): the same on the grid's axes
    res.ts                   # (time,) ms

Grid. `grid` maps parameter names to value lists: node parameters ("a"), network noise
parameters ("noise.sigma") and coupling parameters ("coupling.k", "<term>.<name>", or the
bare name when it is unique, as `Network.set_params` accepts). A value is a number (or a
quantity, converted to the parameter's declared unit) or a per-node array (shape in_size).
The points are the full product of the lists, the LAST name varying fastest (C order, as
`itertools.product` and `np.meshgrid(..., indexing="ij")`); with `zip=True` the lists are
paired instead (equal lengths). Parameters not in the grid keep the model's values: a number
or one value per node (a 1-D value of length n_nodes is per node here, whatever the batch
size, since the batch axis is the grid's), never per batch element.

Batches. The points are split into consecutive batches of `batch_size` points; each batch
is ONE batched kernel call with per-batch parameter arrays (shape (B,) + in_size): changing
values never recompiles. Default batch_size: every point in one batch when running
in-process, else about one batch per worker of the executor.

Noise. Grid point p draws the noise of batch index p (`Simulator.run(batch_offset=...)`, the
offset in the grid), so every number of a sweep is independent of `batch_size`, of the
executor and of the order in which batches run: a sweep equals one batched run of all points
(`Simulator.run(batch_size=n_points)` with the (n_points,) parameter arrays). Point 0 (and
noise-free points) also equal an unbatched single run; a noisy point p > 0 differs from a
single run only in its noise realisation (a single run draws batch index 0). With
`shared_noise=True` every point draws batch index 0's noise (`batch_offset=-1`): each point
then equals the unbatched single run at its parameters (what fitting compares candidates on).

Reduction. `reduce(result_batch)` receives the batch's `Result` (arrays (time, B, node...),
as `Simulator.run(batch_size=B)` returns) and returns one value per point: an array with
leading axis B (e.g. B FC matrices), or a dict name -> such arrays. Only what `reduce`
returns is kept (and sent back from workers), so long runs need not be held in memory. A
non-dict return is stored as `res["reduced"]`.

Sending a model to workers. Model classes are made at run time from .nmm blocks and do not
pickle; the sweep sends a `ModelSpec`, a small picklable recipe from which a worker rebuilds
the model (and recompiles, or loads from its kernel cache, the same kernel):

* `ModelSpec.from_model(model)` (what `sweep` does with a model): the class as (parsed
  program of its .nmm file, block name): the program travels with the spec, so workers need
  not share the file system; the model's settings (in_size, method, seed, parameter values,
  initial states, noise wiring) and, for a `Network`, its node, its resolved coupling terms
  (coupling blocks, weights, delays in ms, coupled expressions, targets) and its network
  noise process. Every run starts from the model's initial states (`init_<state>=`, as
  `Simulator.run(init_states=True)`); callable initial states are evaluated once, unbatched
  (shape in_size), so that every grid point starts from the same state. The live model is
  never mutated (its current states, if any, are not used).
* `ModelSpec.from_factory(make_model, *args, **kwargs)`: `build()` calls
  `make_model(*args, **kwargs)` (a function importable on the workers).

Threads. By default the kernel spreads a batch over threads (Numba prange) only when the
sweep runs in-process (executor=None); under an executor each batch runs the serial
kernel, the executor supplying the parallelism (and Numba's default "workqueue" threading
layer must not be entered from several threads at once). `parallel=True/False` overrides.
Results are bitwise the same either way.
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping
from concurrent.futures import Executor
from typing import Callable, Dict, Optional

import numpy as np

from . import environ
from .errors import SimulationDiverged
from .model import Model
from .model_spec import ModelSpec
from .simulator import Simulator, progress_bar
from .sweep_errors import SweepDiverged, SweepFailed, SweepInterrupted, raise_incomplete
from .sweep_grid import grid_points, stack_values
from .sweep_result import SweepResult, assemble
from .values import Layout, is_quantity, per_node, to_ms

__all__ = ["sweep", "ModelSpec", "SweepResult", "SweepDiverged", "SweepFailed",
           "SweepInterrupted", "grid_points"]

_RUN_RESERVED = ("init_states",)  # every grid point starts from the initial states
zip_ = zip  # the builtin, shadowed by the `zip` keyword argument of sweep


def _pin_per_node(model: Model) -> None:
    """Make the model's own 1-D values of length n_nodes explicitly per node (see the module
    doc), so that a batch whose size equals the number of nodes reads them unambiguously."""
    in_size = tuple(model.in_size)
    if len(in_size) != 1 or in_size[0] < 2:
        return
    for obj in (model, model.__dict__.get("node")):
        if obj is None:
            continue
        for attr in ("_params", "_own_params", "_cparams", "_inits", "_own_inits"):
            values = obj.__dict__.get(attr)
            for key, v in (values or {}).items():
                if isinstance(v, Layout) or (callable(v) and not is_quantity(v)):
                    continue
                mag = v.magnitude if hasattr(v, "magnitude") else getattr(v, "mantissa", v)
                if np.shape(mag) != in_size:
                    continue
                values[key] = v.reshape((1,) + in_size) if isinstance(v, np.ndarray) \
                    else per_node(v)
                obj.__dict__["_param_cache"] = None


def _run_batch(spec: ModelSpec, params: Dict[str, np.ndarray], start: int, duration: float,
               dt: float, seed: int, monitors, reduce, parallel: Optional[bool],
               run_kw: dict, shared_noise: bool = False) -> dict:
    """Run one batch (B points starting at grid index `start`) as one kernel call."""

    model = spec.build()
    _pin_per_node(model)
    B = len(next(iter(params.values())))
    full = (B,) + tuple(model.in_size)
    model.set_params(**{name: np.broadcast_to(
        v.reshape((B,) + (1,) * len(model.in_size)) if v.ndim == 1 else v, full).copy()
        for name, v in params.items()})
    try:
        res = Simulator(model, dt=dt).run(duration, batch_size=B, monitors=monitors, seed=seed,
                                          progress=False, batch_offset=-1 if shared_noise else start,
                                          parallel=parallel,
                                          **run_kw)
    except SimulationDiverged as e:
        b = e.batch or 0
        point = {n: (float(v[b]) if v.ndim == 1 else v[b]) for n, v in params.items()}
        raise SweepDiverged(
            f"sweep: grid point {start + b} {point} diverged: {e}", variable=e.variable,
            node=e.node, batch=e.batch, time_ms=e.time_ms, step=e.step, partial=e.partial,
            point_index=start + b, point=point) from None
    if reduce is None:
        data = {k: np.ascontiguousarray(np.moveaxis(v, 1, 0)) for k, v in res.data.items()}
    else:
        out = reduce(res)
        items = out.items() if isinstance(out, Mapping) else (("reduced", out),)
        data = {}
        for k, v in items:
            arr = np.asarray(v)
            if arr.ndim == 0 or arr.shape[0] != B:
                raise ValueError(f"reduce must return one value per grid point of the batch "
                                 f"(leading axis {B}), got shape {arr.shape} for {k!r}")
            data[k] = arr
    return {"data": data, "ts": res.ts, "units": dict(res.units) if reduce is None else {}}


def _workers(executor) -> int:
    n = getattr(executor, "_max_workers", None)
    if n:
        return int(n)
    client = getattr(executor, "_client", None)
    if client is not None:
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:
            pass
    return os.cpu_count() or 1


def sweep(model, grid: Mapping, duration, *, dt=None, batch_size: Optional[int] = None,
          executor: Optional[Executor] = None, monitors=None, reduce: Optional[Callable] = None,
          seed: Optional[int] = 0, zip: bool = False, parallel: Optional[bool] = None,
          progress: bool = False, shared_noise: bool = False, **run_kw) -> "SweepResult":
    """Run `model` (a model, Network or ModelSpec) at every point of `grid` for `duration`.

    `grid`: {parameter name: values} (product, or paired with `zip=True`); `batch_size`:
    points per kernel call; `executor`: any concurrent.futures.Executor (None: in-process,
    serially); `monitors`: as `Simulator.run`; `reduce(result_batch) -> per-point values`;
    `seed`: the noise seed (None: the model's); `shared_noise=True`: every point draws the
    noise of a single unbatched run (batch index 0) instead of its own; `**run_kw`: more `Simulator.run` arguments
    (inputs, transient, sample_every, chunk_steps, noise_substeps). Returns a `SweepResult`.
    See the module documentation for the semantics (noise, threads, model transport).
    """
    for key in _RUN_RESERVED:
        if key in run_kw:
            raise TypeError(f"sweep() does not take {key}= (every grid point starts from the "
                            "model's initial states)")
    spec = model if isinstance(model, ModelSpec) else ModelSpec.from_model(model)
    probe = spec.build() if isinstance(model, ModelSpec) else model
    names, per_point, shape = grid_points(probe, grid, zip=zip)
    n_points = len(next(iter(per_point.values())))
    if batch_size is None:
        batch_size = n_points if executor is None else \
            max(1, math.ceil(n_points / _workers(executor)))
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise TypeError(f"executor must be a concurrent.futures.Executor (with submit), got "
                        f"{type(executor).__name__}")
    if reduce is not None and not callable(reduce):
        raise TypeError(f"reduce must be callable, got {type(reduce).__name__}")
    dt = to_ms(dt, "dt") if dt is not None else environ.get_dt()
    if not dt > 0:
        raise ValueError(f"dt must be positive, got {dt} ms")
    duration = to_ms(duration, "duration")
    seed = probe.seed if seed is None else int(seed)
    if parallel is None:
        parallel_kernel = None if executor is None else False
    else:
        parallel_kernel = bool(parallel)
    params = {name: stack_values(per_point[name], probe.in_size) for name in names}
    bounds = [(s, min(s + int(batch_size), n_points)) for s in range(0, n_points, int(batch_size))]
    jobs = [(spec, {n: params[n][a:b] for n in names}, a, duration, dt, seed, monitors, reduce,
             parallel_kernel, run_kw, shared_noise) for a, b in bounds]
    bar = progress_bar(progress, n_points, unit="point", desc="sweep")
    outs: Dict[int, dict] = {}          # batch number -> its output, as batches finish
    failure: Optional[BaseException] = None
    try:
        if executor is None:
            for i, (job, (a, b)) in enumerate(zip_(jobs, bounds)):
                outs[i] = _run_batch(*job)
                bar.update(b - a)
        else:
            futures = [executor.submit(_run_batch, *job) for job in jobs]
            try:
                for i, (fut, (a, b)) in enumerate(zip_(futures, bounds)):
                    try:
                        outs[i] = fut.result()
                    except Exception as e:  # noqa: BLE001 - a lost worker, a diverged point:
                        failure = failure or e          # keep collecting the other batches
                        continue
                    bar.update(b - a)
            except BaseException:
                for fut in futures:
                    fut.cancel()
                raise
    except BaseException as e:  # noqa: BLE001 - Ctrl-C, or a batch failing in-process
        failure = e
    finally:
        bar.close()
    meta = {"model": probe.name, "dt": dt, "duration": duration, "seed": seed,
            "batch_size": int(batch_size), "n_batches": len(bounds), "zip": bool(zip),
            "noise_batch_index": "0 (shared)" if shared_noise else "grid point index"}
    done = [i for i in range(len(bounds)) if i in outs]
    if failure is None:
        return assemble(names, per_point, params, shape, [outs[i] for i in done],
                         list(range(n_points)), meta)
    kept = [p for i in done for p in range(*bounds[i])]
    lost = [p for i in range(len(bounds)) if i not in outs for p in range(*bounds[i])]
    finished = None
    if kept:
        finished = assemble(names, per_point, params, (len(kept),),
                             [outs[i] for i in done], kept, dict(meta, complete=False,
                                                                  lost=lost))
    raise_incomplete(failure, finished, kept, lost, n_points)
