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
single run only in its noise realisation (a single run draws batch index 0).

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

import copy
import itertools
import math
import os
import pickle
from collections.abc import Mapping
from concurrent.futures import Executor
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from ..frontend.suggest import did_you_mean
from . import environ
from .errors import SimulationDiverged
from .model import Model
from .network import Network
from .simulator import Simulator, _progress
from .values import Layout, check_bounds, is_quantity, magnitude_in, per_node, to_ms

__all__ = ["sweep", "ModelSpec", "SweepResult", "SweepDiverged", "grid_points"]

# attributes of a live model that are run state or caches, never part of a spec
_RUNTIME = ("kernel", "_state", "_hist", "_lags", "_hist_dt", "_windows", "_windows_dt",
            "_param_cache", "_node_param_cache", "_default_inputs", "_update_buffers",
            "_status_buf", "_last_outputs", "_edge_cache", "node")
_RUN_RESERVED = ("init_states",)  # every grid point starts from the initial states
zip_ = zip  # the builtin, shadowed by the `zip` keyword argument inside sweep/grid_points


# ---------------------------------------------------------------------------- ModelSpec
class ModelSpec:
    """A picklable recipe for a model: `build()` gives an equivalent, fresh model.

    `ModelSpec.from_model(model)` captures a live model or `Network` (see the module doc);
    `ModelSpec.from_factory(make_model, *args, **kwargs)` calls a factory on `build()`.
    """

    def __init__(self, factory: Optional[Callable] = None, args: Sequence = (),
                 kwargs: Optional[dict] = None, *, frozen: Optional[dict] = None):
        if (factory is None) == (frozen is None):
            raise TypeError("ModelSpec needs a factory (ModelSpec.from_factory) or a model "
                            "(ModelSpec.from_model)")
        if factory is not None and not callable(factory):
            raise TypeError(f"factory must be callable, got {type(factory).__name__}")
        self.factory = factory
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.frozen = frozen

    @classmethod
    def from_factory(cls, factory: Callable, *args, **kwargs) -> "ModelSpec":
        return cls(factory, args, kwargs)

    @classmethod
    def from_model(cls, model) -> "ModelSpec":
        if isinstance(model, ModelSpec):
            return model
        if not isinstance(model, Model):
            raise TypeError(f"model must be a brainmass_dsl model, Network or ModelSpec, got "
                            f"{type(model).__name__}")
        return cls(frozen=_freeze(model))

    def build(self) -> Model:
        """A fresh model (states uninitialised) equal to the one the spec was made from."""
        if self.factory is not None:
            model = self.factory(*self.args, **self.kwargs)
            if not isinstance(model, Model):
                raise TypeError(f"the factory {getattr(self.factory, '__name__', self.factory)!r}"
                                f" returned {type(model).__name__}, not a brainmass_dsl model")
            return model
        return _thaw(self.frozen)

    @property
    def name(self) -> str:
        if self.factory is not None:
            return getattr(self.factory, "__name__", repr(self.factory))
        return self.frozen["state"].get("name", "?")

    def __repr__(self):
        if self.factory is not None:
            return f"ModelSpec(factory={self.name})"
        return f"ModelSpec({self.frozen['kind']} {self.name})"


def _class_ref(cls):
    """The class itself when it pickles by reference, else ("nmm", program, block name)."""
    try:
        pickle.dumps(cls)
        return cls
    except Exception:
        block = cls.__dict__.get("_block") or cls._block
        if block is None or cls._program is None:
            raise TypeError(f"cannot describe the model class {cls.__name__} for other "
                            "processes; use ModelSpec.from_factory") from None
        return ("nmm", cls._program, block.name)


def _resolve_class(ref):
    if not isinstance(ref, tuple):
        return ref
    from .library import _CLASSES
    from .model import model_class

    _, program, name = ref
    key = (program.main_file, name)
    cls = _CLASSES.get(key)
    if cls is None or cls._block.members != program.block(name).members:
        cls = model_class(program, name)
        _CLASSES.setdefault(key, cls)
    return cls


def _fixed_inits(inits: dict, meta: dict, in_size, owner: str) -> dict:
    """Initial states as arrays in their declared units; callables evaluated unbatched."""
    units = {q["name"]: q["unit"] for q in meta["states"]}
    out = {}
    for name, init in inits.items():
        if callable(init) and not is_quantity(init):
            try:
                init = init(tuple(in_size))
            except TypeError:
                init = init(tuple(in_size), None)
        out[name] = magnitude_in(init, units.get(name), f"init_{name}", owner)
    return out


def _freeze(model: Model) -> dict:
    state = {k: v for k, v in model.__dict__.items() if k not in _RUNTIME}
    if isinstance(model, Network):
        state["_own_inits"] = _fixed_inits(model._own_inits, model._meta, model.in_size,
                                           model.name)
        return {"kind": "network", "cls": _class_ref(type(model)), "state": state,
                "node": _freeze(model.node), "wiring": _network_wiring(model)}
    state["_inits"] = _fixed_inits(model._inits, model._meta, model.in_size, model.name)
    return {"kind": "model", "cls": _class_ref(type(model)), "state": state}


def _fresh_state(state: dict) -> dict:
    out = {k: (copy.copy(v) if isinstance(v, (dict, list)) and k != "terms" else v)
           for k, v in state.items()}
    out.update(_state=None, _hist=None, _lags=None, _param_cache=None, _step=0, _batch=1,
               _batch_size=None)
    return out


def _check_same_kernel(obj, meta: dict) -> None:
    for part in ("states", "parameters", "inputs", "outputs"):
        if [q["name"] for q in obj._meta[part]] != [q["name"] for q in meta[part]]:
            raise RuntimeError(f"{obj.name}: the rebuilt kernel has different {part} than the "
                               "original (a different brainmass-dsl version on this worker?)")


def _thaw(fz: dict) -> Model:
    from ..compiler import compile_network, compile_nodes

    cls = _resolve_class(fz["cls"])
    obj = cls.__new__(cls)
    obj.__dict__.update(_fresh_state(fz["state"]))
    meta = fz["state"]["_meta"]
    if fz["kind"] == "network":
        node = _thaw(fz["node"])
        obj.node = node
        obj.kernel = compile_network(node._block, node.method,
                                     [t.spec_for_compiler() for t in obj.terms],
                                     program=node._program, wiring=node._wiring + fz["wiring"])
        obj._windows = None
        obj._edge_cache = {}
    else:
        obj.kernel = compile_nodes(cls._block, obj.method, program=cls._program,
                                   wiring=obj._wiring)
    obj._meta = obj.kernel.meta
    _check_same_kernel(obj, meta)
    return obj


def _network_wiring(net: Network) -> tuple:
    """The Wire of the network-level noise process (`Network(noise=...)`), or ()."""
    return tuple(net.__dict__.get("_net_wiring", ()))


# ---------------------------------------------------------------------------- grid
def _canonical_name(model: Model, name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"grid keys must be parameter names, got {name!r}")
    if isinstance(model, Network):
        ckey = model._resolve_cparam(name)
        if ckey is not None:
            return ckey
    if name in model._param_index:
        return name
    known = list(getattr(model, "parameter_names", None) or model.param_names)
    hint = did_you_mean(name, known)
    raise TypeError(f"sweep: grid parameter {name!r} is not a parameter of {model.name}"
                    + (f"; {hint}" if hint else "")
                    + f" (parameters: {', '.join(known)})")


def _param_unit(model: Model, name: str) -> Optional[str]:
    if isinstance(model, Network) and name in model._cparam_index:
        return model._cparam_meta[model._cparam_index[name]]["unit"]
    return model._meta["parameters"][model._param_index[name]]["unit"]


def _param_factor(model: Model, name: str) -> float:
    if isinstance(model, Network) and name in model._cparam_index:
        return model._cparam_meta[model._cparam_index[name]]["factor"]
    return model._meta["parameters"][model._param_index[name]]["factor"]


def _values(model: Model, key: str, name: str, values) -> List[np.ndarray]:
    if isinstance(values, (str, bytes, Mapping)):
        raise TypeError(f"grid[{key!r}] must be a list of values, got {type(values).__name__}")
    if is_quantity(values):
        mag = values.magnitude if hasattr(values, "magnitude") else values.mantissa
        seq = list(values) if np.ndim(mag) > 0 else [values]
    elif np.ndim(values) == 0 and not isinstance(values, (list, tuple)):
        seq = [values]
    else:
        try:
            seq = list(values)
        except TypeError:
            seq = [values]
    if not seq:
        raise ValueError(f"grid[{key!r}] has no values")
    unit = _param_unit(model, name)
    out = []
    n = model.n_nodes
    bounds = model.param_bounds().get(name)
    for i, v in enumerate(seq):
        if isinstance(v, Layout) and v.axis == "batch":
            raise TypeError(f"grid[{key!r}]: a grid value is one value per grid point already; "
                            "give the list itself, not per_batch(...)")
        if isinstance(v, Layout):
            v = v.value
        arr = magnitude_in(v, unit, f"grid[{key!r}]", model.name)
        if arr.shape not in ((), tuple(model.in_size), (n,)):
            raise ValueError(f"grid[{key!r}]: each value must be a number or a per-node array "
                             f"of shape {tuple(model.in_size)}, got shape {arr.shape}")
        check_bounds(arr, _param_factor(model, name), bounds,
                     f"grid[{key!r}][{i}] (parameter {name!r})", model.name, unit,
                     model.in_size)
        out.append(arr.reshape(model.in_size) if arr.ndim else arr)
    return out


def grid_points(model: Model, grid: Mapping, zip: bool = False):
    """(names, {name: [value per point]}, grid shape) of a sweep grid (see the module doc)."""
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError("grid must be a non-empty mapping of parameter names to value lists")
    names, lists = [], []
    for key, values in grid.items():
        name = _canonical_name(model, key)
        if name in names:
            raise ValueError(f"grid names {key!r} and {_grid_key_for(grid, model, name)!r} "
                             f"are the same parameter {name!r}")
        names.append(name)
        lists.append(_values(model, key, name, values))
    if zip:
        lengths = {len(v) for v in lists}
        if len(lengths) != 1:
            raise ValueError("zip=True needs value lists of equal lengths, got " + ", ".join(
                f"{n}: {len(v)}" for n, v in itertools.zip_longest(names, lists)))
        shape = (len(lists[0]),)
        index = [(i,) * len(names) for i in range(shape[0])]
    else:
        shape = tuple(len(v) for v in lists)
        index = list(itertools.product(*(range(len(v)) for v in lists)))
    per_point = {name: [vals[ix[k]] for ix in index] for k, (name, vals) in
                 enumerate(zip_(names, lists))}
    return names, per_point, shape


def _grid_key_for(grid: Mapping, model: Model, name: str) -> str:
    for key in grid:
        try:
            if _canonical_name(model, key) == name:
                return key
        except TypeError:
            pass
    return name


def _stack(values: List[np.ndarray], in_size) -> np.ndarray:
    """(P,) when every value is a number, else (P,) + in_size."""
    if all(v.ndim == 0 for v in values):
        return np.array([float(v) for v in values])
    return np.stack([np.broadcast_to(v, tuple(in_size)) for v in values]).astype(float)


# ---------------------------------------------------------------------------- running
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
               run_kw: dict) -> dict:
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
                                          progress=False, batch_offset=start, parallel=parallel,
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


class SweepDiverged(SimulationDiverged):
    """A grid point of a sweep diverged (a `SimulationDiverged`): `.point_index` and `.point`
    name it, `.batch` is its index within its batch, `.partial` the batch's result up to that
    time. Unlike its base class it pickles, so it crosses process and machine boundaries."""

    def __init__(self, message, *, point_index=None, point=None, **kw):
        super().__init__(message, **kw)
        self.point_index, self.point = point_index, point

    def __reduce__(self):
        return (_rebuild_exception, (type(self), self.args, dict(self.__dict__)))


def _rebuild_exception(cls, args, attrs):
    e = cls.__new__(cls)
    BaseException.__init__(e, *args)
    e.__dict__.update(attrs)
    return e


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
          progress: bool = False, **run_kw) -> "SweepResult":
    """Run `model` (a model, Network or ModelSpec) at every point of `grid` for `duration`.

    `grid`: {parameter name: values} (product, or paired with `zip=True`); `batch_size`:
    points per kernel call; `executor`: any concurrent.futures.Executor (None: in-process,
    serially); `monitors`: as `Simulator.run`; `reduce(result_batch) -> per-point values`;
    `seed`: the noise seed (None: the model's); `**run_kw`: more `Simulator.run` arguments
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
    params = {name: _stack(per_point[name], probe.in_size) for name in names}
    bounds = [(s, min(s + int(batch_size), n_points)) for s in range(0, n_points, int(batch_size))]
    jobs = [(spec, {n: params[n][a:b] for n in names}, a, duration, dt, seed, monitors, reduce,
             parallel_kernel, run_kw) for a, b in bounds]
    bar = _progress(progress, n_points, unit="point", desc="sweep")
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
            "noise_batch_index": "grid point index"}
    done = [i for i in range(len(bounds)) if i in outs]
    if failure is None:
        return _assemble(names, per_point, params, shape, [outs[i] for i in done],
                         list(range(n_points)), meta)
    kept = [p for i in done for p in range(*bounds[i])]
    lost = [p for i in range(len(bounds)) if i not in outs for p in range(*bounds[i])]
    finished = None
    if kept:
        finished = _assemble(names, per_point, params, (len(kept),),
                             [outs[i] for i in done], kept, dict(meta, complete=False,
                                                                  lost=lost))
    _raise_incomplete(failure, finished, kept, lost, n_points)


def _assemble(names, per_point, params, shape, outs, indices, meta) -> "SweepResult":
    """A SweepResult of the grid points `indices` from their batches' outputs (in order)."""
    data = {k: np.concatenate([o["data"][k] for o in outs]) for k in outs[0]["data"]}
    points = [{n: (float(per_point[n][p]) if per_point[n][p].ndim == 0 else per_point[n][p])
               for n in names} for p in indices]
    if len(indices) != len(next(iter(per_point.values()))):
        meta["point_index"] = list(indices)
        params = {n: params[n][indices] for n in names}
    return SweepResult(tuple(names), points, params, shape, data, outs[0]["ts"],
                       outs[0]["units"], meta)


def _ranges(indices: List[int]) -> str:
    """'0-3, 8, 10-11' for [0, 1, 2, 3, 8, 10, 11]."""
    parts, start = [], None
    for k, p in enumerate(indices):
        if start is None:
            start = p
        if k + 1 == len(indices) or indices[k + 1] != p + 1:
            parts.append(f"{start}" if start == p else f"{start}-{p}")
            start = None
    return ", ".join(parts)


def _raise_incomplete(failure, finished, kept, lost, n_points):
    """Raise for a sweep that did not finish, naming the grid points lost; the finished
    ones travel as `.finished` (also `.partial` on SweepFailed and SweepInterrupted) and
    `.lost`. A divergence or a ValueError/TypeError (a user error) is raised as itself."""
    where = (f"grid points {_ranges(lost)} ({len(lost)} of {n_points}) are lost; the "
             f"{len(kept)} finished are in the exception's .finished" if kept else
             f"all {n_points} grid points are lost")
    if isinstance(failure, (SweepDiverged, ValueError, TypeError)):
        failure.finished, failure.lost = finished, lost     # a user error: keep its type
        if hasattr(failure, "add_note"):
            failure.add_note(f"sweep: {where}")
        raise failure
    if isinstance(failure, KeyboardInterrupt):
        raise SweepInterrupted(f"sweep interrupted: {where}", finished=finished,
                               lost=lost) from None
    raise SweepFailed(f"sweep failed ({type(failure).__name__}: {failure}): {where}",
                      finished=finished, lost=lost) from failure


class _Incomplete:
    """`.finished` (a SweepResult of the finished points, or None), `.partial` (the same),
    `.lost` (the grid indices lost); pickles."""

    def _setup(self, finished, lost):
        self.finished = self.partial = finished
        self.lost = list(lost)

    def __reduce__(self):
        return (_rebuild_exception, (type(self), self.args, dict(self.__dict__)))


class SweepFailed(_Incomplete, RuntimeError):
    """A sweep's batch failed (e.g. a worker lost: KilledWorker, BrokenProcessPool)."""

    def __init__(self, message, *, finished=None, lost=()):
        RuntimeError.__init__(self, message)
        self._setup(finished, lost)


class SweepInterrupted(_Incomplete, KeyboardInterrupt):
    """Ctrl-C during a sweep: the batches finished so far are kept."""

    def __init__(self, message, *, finished=None, lost=()):
        KeyboardInterrupt.__init__(self, message)
        self._setup(finished, lost)


# ---------------------------------------------------------------------------- result
class SweepResult(Mapping):
    """What `sweep` returns: the grid and, per monitor (or per `reduce` output), an array
    with one row per grid point.

    `names` the swept parameters; `points[p]` the dict of grid point p; `params[name]` the
    values at every point ((n_points,) or (n_points,) + in_size); `shape` the grid's shape
    (the list lengths; (n_points,) with zip=True); `res[name]` (n_points, time, node...)
    per monitor, or reduce's per-point values; `ts` the sample times (ms); `units`; `meta`.
    """

    def __init__(self, names, points, params, shape, data, ts, units, meta):
        self.names = tuple(names)
        self.points = list(points)
        self.params = dict(params)
        self.shape = tuple(shape)
        self.data = dict(data)
        self.ts = ts
        self.units = dict(units)
        self.meta = dict(meta)

    @property
    def n_points(self) -> int:
        return len(self.points)

    def __getitem__(self, key):
        if key == "ts":
            return self.ts
        return self.data[key]

    def __iter__(self):
        yield from self.data
        yield "ts"

    def __len__(self):
        return len(self.data) + 1

    def grid(self, key: str) -> np.ndarray:
        """`res[key]` with its point axis unfolded into the grid's axes."""
        arr = self.data[key]
        return arr.reshape(self.shape + arr.shape[1:])

    def point(self, p: int) -> Dict[str, Any]:
        """Every result of grid point p (and its parameter values under "params")."""
        out = {k: v[p] for k, v in self.data.items()}
        out["params"] = self.points[p]
        return out

    def __repr__(self):
        grid = " x ".join(f"{n}[{s}]" for n, s in zip_(self.names, self.shape)) \
            if not self.meta.get("zip") else f"zip({', '.join(self.names)})[{self.shape[0]}]"
        if self.meta.get("complete") is False:
            grid = f"{', '.join(self.names)}: {self.n_points} finished points"
        shapes = ", ".join(f"{k}: {v.shape}" for k, v in self.data.items())
        return f"SweepResult({grid}; {shapes})"
