"""`Simulator(model, dt).run(duration, ...)`: the whole time loop inside the compiled kernel.

Semantics follow brainmass's Simulator (see docs): `n_steps = round(duration / dt)`;
results are recorded at the END of each step, from step `transient` on, every
`sample_every` steps; `ts` are those end times in ms. The run goes in chunks (a progress bar
between chunks); chunked and unchunked runs are bit-identical because the noise is a pure
function of (seed, step, batch, node, stream) and the state carries over.
"""
from __future__ import annotations

import math
import time
import warnings
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from . import environ
from .errors import SimulationInterrupted, diverged_error
from .input_chunks import fill_chunk, per_step_columns, vectorised_columns
from .monitor_proxy import replay, split_monitors
from .interrupt import held_interrupt
from .model import Model
from .results import Result
from .values import Layout, magnitude_in, to_ms

DEFAULT_CHUNK = 50_000   # steps in the first chunk of a run (unless chunk_steps is given)
CHUNK_SECONDS = 0.25     # later chunks grow to about this long: fewer kernel calls, live bar
INPUT_CHUNK_BYTES = 64 * 2**20   # time-varying inputs are built per chunk: cap their buffer
CALL_BATCH = 1 << 14             # an input callable's per-step values converted this many at once
_SERIES = "\x00series:"          # result rows recorded for traced monitors (removed after)


def next_chunk(chunk: int, elapsed: float, cap: int) -> int:
    """The next chunk's length (steps) so that a chunk lasts about CHUNK_SECONDS.

    >>> next_chunk(50_000, 0.001, 10**9)
    12500000
    >>> next_chunk(50_000, 1.0, 10**9)
    50000
    """
    if elapsed <= 0 or elapsed >= CHUNK_SECONDS:
        return chunk
    return int(min(cap, chunk * min(CHUNK_SECONDS / elapsed, 1000.0)))


class RegularTimes:
    """The times (ms) `(first + i * every) * dt`, i < n, made when called (picklable).

    >>> RegularTimes(1, 10, 3, 0.1)()
    array([0.1, 1.1, 2.1])
    """

    def __init__(self, first: int, every: int, n: int, dt: float):
        self.first, self.every, self.n, self.dt = first, every, n, dt

    def __call__(self) -> np.ndarray:
        # step counts are exact in float64 up to 2**53, so each time is one rounding
        out = np.arange(self.first, self.first + self.n * self.every, self.every,
                        dtype=np.float64)[:self.n]
        out *= self.dt
        return out


def _checked_callable(inputs: Callable, m) -> Callable:
    """`inputs(i, t)` with errors that say so: a wrong signature, a raising callable (with
    the step and time), fewer or more values than the model has inputs."""
    import inspect

    try:
        inspect.signature(inputs).bind(0, 0.0)
    except TypeError:
        raise TypeError(f"inputs: a callable must take (i, t): the step index and its time "
                        f"in ms; {getattr(inputs, '__name__', inputs)!r} has the signature "
                        f"{inspect.signature(inputs)}") from None
    except ValueError:      # no signature (a builtin): find out when calling it
        pass
    # the inputs a tuple fills: a network's are those after the coupling's (brainmass's
    # Network.update(*inputs)), a node's all of them
    names = list(getattr(m, "positional_inputs", m.input_names))

    def call(i: int, t: float):
        try:
            r = inputs(i, t)
        except Exception as e:  # noqa: BLE001 - re-raised with where it happened
            raise ValueError(f"inputs: the input callable raised {type(e).__name__}: {e} "
                             f"at step {i} (t = {t:g} ms)") from e
        if isinstance(r, dict):
            return r
        values = tuple(r) if isinstance(r, (tuple, list)) else (r,)
        if len(values) > len(names) and hasattr(m, "_positional_error"):
            raise m._positional_error(len(values))
        if len(values) != len(names):
            raise ValueError(f"inputs: the input callable returned {len(values)} value"
                             f"{'s' if len(values) != 1 else ''} at step {i} (t = {t:g} ms) "
                             f"but {m.name} has {len(names)} input"
                             f"{'s' if len(names) != 1 else ''} ({', '.join(names)}); "
                             "return one value per input, or a dict by name")
        return values
    return call


def n_steps_for(duration_ms: float, dt: float) -> int:
    if not math.isfinite(duration_ms):
        raise ValueError(f"duration must be a finite time, got {duration_ms} ms")
    ratio = duration_ms / dt
    n = int(round(ratio))
    if abs(ratio - n) > 1e-6:
        n = int(math.floor(ratio))
        warnings.warn(f"duration {duration_ms} ms is not a multiple of dt = {dt} ms; running "
                      f"{n} steps ({n * dt:g} ms)", stacklevel=3)
    if n <= 0:
        raise ValueError(f"duration must be at least one step of dt = {dt} ms, got "
                         f"{duration_ms} ms")
    return n


def sampling_steps(transient, sample_every, dt: float, n_steps: int) -> Tuple[int, int]:
    """(transient steps, steps between samples) of a run of `n_steps`; `transient` is a
    step count (int) or a time (ms or a quantity). ValueError naming the bad one."""
    if transient is None:
        n_tr = 0
    elif isinstance(transient, (int, np.integer)):
        n_tr = int(transient)
    else:
        n_tr = int(round(to_ms(transient, "transient") / dt))
    if not 0 <= n_tr < n_steps:
        raise ValueError(f"transient must be within [0, {n_steps}) steps, got {n_tr}")
    k = 1 if sample_every is None else int(sample_every)
    if k < 1:
        raise ValueError(f"sample_every must be >= 1, got {sample_every}")
    return n_tr, k


class Simulator:
    """Run a model for a duration and record states/outputs."""

    def __init__(self, model, dt=None):
        if not isinstance(model, Model) and not hasattr(model, "advance"):
            raise TypeError(f"Simulator needs a brainmass_dsl model, got {type(model).__name__}")
        self.model = model
        self.dt = None if dt is None else to_ms(dt, "dt")
        if self.dt is not None and not (self.dt > 0 and math.isfinite(self.dt)):
            raise ValueError(f"dt must be a positive finite time, got {self.dt} ms")

    # ---------------------------------------------------------------- monitors
    def _series_rows(self, traced):
        """[(state or output name, row)] that the traced monitors read."""
        m = self.model
        table = {n: i for i, n in enumerate(m.state_names)}
        table.update({n: len(m.state_names) + i for i, n in enumerate(m.output_names)})
        names = sorted(set().union(*(t.names for t in traced.values()))) if traced else []
        return [(n, table[n]) for n in names]

    def _monitors(self, monitors) -> Tuple[List[Tuple[str, int]], Dict[str, Callable]]:
        """[(result name, row in states+outputs)], {name: callable(model)}"""
        m = self.model
        table = {n: i for i, n in enumerate(m.state_names)}
        table.update({n: len(m.state_names) + i for i, n in enumerate(m.output_names)})
        if monitors is None:
            return [(n, table[n]) for n in m.output_names] or \
                [(n, table[n]) for n in m.state_names], {}
        if isinstance(monitors, str):
            monitors = [monitors]
        if callable(monitors):
            return [], {"output": monitors}
        if isinstance(monitors, dict):
            items = list(monitors.items())
        else:
            items = [(name, name) for name in monitors]
        rows, funcs = [], {}
        for key, what in items:
            if callable(what):
                funcs[key] = what
            elif isinstance(what, str) and what in table:
                rows.append((key, table[what]))
            else:
                raise ValueError(f"monitor {key!r}: {what!r} is not a state or output of "
                                 f"{m.name}; available: {', '.join(table)}")
        return rows, funcs

    # ---------------------------------------------------------------- inputs
    def _input_source(self, inputs, n_steps: int, dt: float, B: int):
        """A function (s0, m) -> (array (T_in, I, B, N), t-stride) for a chunk of steps."""
        m = self.model
        if inputs is None:
            const = m.input_array((), {}, B)[None]
            return lambda s0, k: (const, 0)
        if callable(inputs):
            call = _checked_callable(inputs, m)
            positional = tuple(getattr(m, "positional_inputs", m.input_names))
            vectorised = bool(getattr(inputs, "vectorized", False))   # vectorized_input

            def from_callable(s0, k):
                columns = None
                if vectorised and k >= 4:
                    columns = vectorised_columns(m, inputs, call, s0, k, dt, positional)
                    if columns is None:
                        raise ValueError(
                            f"inputs: {getattr(inputs, '__name__', 'the callable')} is marked "
                            "vectorized_input but its answer for the arrays of steps "
                            f"{s0}..{s0 + k - 1} and their times differs from its per-step "
                            "answers (or it failed on arrays); return values with a leading "
                            "time axis, or drop the mark")
                if columns is not None:
                    return fill_chunk(m, k, B, columns), 1
                out = np.empty((k, len(m.input_names), B, m.n_nodes))
                for a in range(0, k, CALL_BATCH):   # per-step values held CALL_BATCH at a time
                    b = min(k, a + CALL_BATCH)
                    results = [call(i, i * dt) for i in range(s0 + a, s0 + b)]
                    out[a:b] = fill_chunk(m, b - a, B, per_step_columns(m, results, positional))
                return out, 1
            return from_callable
        if isinstance(inputs, dict):
            series = {k: v for k, v in inputs.items()}
        else:
            if not m.input_names:
                raise ValueError(f"{m.name} has no inputs, but inputs were given")
            slots = getattr(m, "positional_inputs", m.input_names)
            if not slots:            # a Network whose coupling leaves no positional input
                raise m._positional_error(1)
            series = {slots[0]: inputs}
        per_step, const_kw = {}, {}
        for name, v in series.items():
            if name not in m.input_names:
                raise ValueError(f"inputs: {m.name} has no input {name!r} "
                                 f"(inputs: {', '.join(m.input_names)})")
            q = m._meta["inputs"][m.input_names.index(name)]
            arr = magnitude_in(v, q["unit"], f"input {name!r}", m.name)
            if isinstance(v, Layout):
                const_kw[name] = v
            elif arr.ndim >= 1 and arr.shape[0] == n_steps and not (arr.ndim == 1 and n_steps == m.n_nodes and n_steps == 1):
                if arr.ndim == 1 and n_steps > 1 and n_steps in (m.n_nodes, B):
                    what = "nodes" if n_steps == m.n_nodes else "batch elements"
                    raise ValueError(
                        f"input {name!r} of {m.name} is ambiguous: a 1-D value of length "
                        f"{n_steps} could be one value per step ({n_steps} steps) or one per "
                        f"{what[:-1]} ({n_steps} {what}); write value[:, None] (shape "
                        f"({n_steps}, 1)) for a time series, bm.per_node(value) or "
                        "bm.per_batch(value) for a constant")
                per_step[name] = arr
            elif arr.ndim >= 1 and arr.shape[0] != n_steps and arr.ndim > len(m.in_size):
                raise ValueError(f"input {name!r} has {arr.shape[0]} rows but the run has "
                                 f"{n_steps} steps")
            else:
                const_kw[name] = v
        base = m.input_array((), const_kw, B)
        if not per_step:
            return lambda s0, k: (base[None], 0)
        rows = {name: m.input_names.index(name) for name in per_step}

        def from_arrays(s0, k):
            out = np.broadcast_to(base, (k,) + base.shape).copy()
            for name, arr in per_step.items():
                q = m._meta["inputs"][rows[name]]
                for s in range(k):
                    from .values import broadcast_param

                    out[s, rows[name]] = broadcast_param(arr[s0 + s], f"input {name!r}",
                                                         m.in_size, B, m.name) * q["factor"]
            return out, 1
        return from_arrays

    # ---------------------------------------------------------------- fitting
    def prediction(self, duration, monitor: Optional[str] = None, *, transient=None,
                   sample_every=None, seed: Optional[int] = None, average: bool = False,
                   inputs=None, forward=None, truncate=None, checkpoint_every=None):
        """A `Prediction`: this simulation as a function of the model's parameters, for
        `bm.Fitter` (callable as brainmass's `predict(model)` -> (time, regions); `.batch`
        runs a population of parameter points in one batched kernel call). `monitor`: a
        state or output name (default: the first output); `truncate`, `checkpoint_every`:
        the gradient's (see `runtime.prediction`)."""
        from .prediction import Prediction

        return Prediction(self, duration, monitor, transient=transient,
                          sample_every=sample_every, seed=seed, average=average, inputs=inputs,
                          forward=forward, truncate=truncate, checkpoint_every=checkpoint_every)

    # ---------------------------------------------------------------- run
    def run(self, duration, *, inputs=None, monitors=None, transient=None, sample_every=None,
            batch_size=None, init_states: bool = True, seed: Optional[int] = None,
            progress: bool = True, chunk_steps: Optional[int] = None, jit: bool = True,
            noise_substeps: int = 1, batch_offset: int = 0,
            parallel: Optional[bool] = None, average: bool = False,
            forward=None) -> Result:
        """Simulate `duration` (ms or a time quantity); returns a `Result`.

        `inputs`: None (the defaults), a callable (step, t) -> the step's values (a dict, a
        tuple in input order, or the first input's value), or a dict {input: value} (a bare
        value: the first input). A plain array whose first axis has one row per step is a time
        series (row s at step s; a 1-D one whose length is also the number of nodes or the
        batch size is refused as ambiguous: write it as a column); any other value is constant,
        laid out as a parameter is (`bm.per_node(v)` / `bm.per_batch(v)` are always constant).

        `seed` keys the counter-based noise (default: the model's seed). `noise_substeps=r`
        makes each step's noise the sum of r finer normals, so that a run at dt*r follows the
        same Brownian path as a run at dt (for convergence studies). `batch_offset` shifts the
        noise's batch index (a sweep split into batches draws the same noise as one run); a
        negative `batch_offset = -1 - i` makes every batch element draw batch index i's noise
        (one shared realisation: `-1` gives each element the noise of an unbatched run);
        `parallel` forces the threaded (True) or serial (False) kernel (default: by size).
        `average=True` makes each sample the mean over its window of `sample_every` steps
        (TVB's TemporalAverage), stamped at the end of the window; only complete windows are
        kept. The default takes every `sample_every`-th step's value. `forward`: a
        `ForwardMonitor` (e.g. BOLD) run inside the compiled kernel on its own clock; its
        outputs join the result with their own times (`res.time_of("bold")`).
        """
        m = self.model
        dt = self.dt if self.dt is not None else environ.get_dt()
        n_steps = n_steps_for(to_ms(duration, "duration"), dt)
        if init_states:
            m.init_all_states(batch_size, seed=seed, batch_offset=batch_offset)
        else:
            m._require_states()
            if batch_size is not None and batch_size != m._batch_size:
                raise ValueError(f"batch_size={batch_size} differs from the model's current "
                                 f"batch ({m._batch_size}); use init_states=True")
        n_tr, k = sampling_steps(transient, sample_every, dt, n_steps)
        rows, funcs = self._monitors(monitors)
        if average and (funcs or not jit):
            raise ValueError("average=True is computed in the compiled kernel: give monitors "
                             "by name (states and outputs), not as Python callables, and keep "
                             "jit=True")
        traced = {}
        if funcs and jit and not average:     # lambda m: m.node.x.value and friends
            traced, rest = split_monitors(funcs, m)
            if rest:                          # one needs the step loop: all of them go there
                traced = {}
            else:
                funcs = {}
                rows = rows + [(_SERIES + name, i) for name, i in self._series_rows(traced)]
        self._traced = traced
        if forward is not None and (funcs or not jit):
            raise ValueError("forward= runs a forward model inside the compiled kernel: give "
                             "monitors by name, and jit=True")
        if funcs or not jit:
            m._batch_offset = int(batch_offset)
            try:
                return self._run_stepwise(n_steps, dt, n_tr, k, inputs, rows, funcs, seed)
            finally:
                m._batch_offset = 0
        B, N = m._batch, m.n_nodes
        n_out = -(-(n_steps - n_tr) // k)      # slots written (the last may be a partial window)
        n_keep = (n_steps - n_tr) // k if average else n_out
        if n_keep < 1:
            raise ValueError(f"average=True needs at least one complete window of sample_every="
                             f"{k} steps after the transient ({n_steps - n_tr} steps)")
        R = len(rows)
        rec = np.zeros((n_out, R, B, N))
        rec_pos = np.full(len(m.state_names) + len(m.output_names), -1, dtype=np.int64)
        result_rows = []
        for name, row in rows:
            if rec_pos[row] < 0:
                rec_pos[row] = len(result_rows)
                result_rows.append(row)
        source = self._input_source(inputs, n_steps, dt, B)
        chunk = int(chunk_steps or DEFAULT_CHUNK)
        cap = n_steps if inputs is None else max(
            DEFAULT_CHUNK, INPUT_CHUNK_BYTES // (8 * max(1, len(m.input_names) * B * N)))
        seed = m.seed if seed is None else int(seed)
        step0 = m._step
        frun = None if forward is None else forward.prepare(m, dt, n_steps, n_tr)
        if frun is not None:
            m._frun = frun
        done = 0
        # drawn after the first chunk: a kernel compiling cold says so first (compile_notice)
        bar = _LaterBar(lambda: progress_bar(progress, n_steps))
        try:
            while done < n_steps:
                size = min(chunk, n_steps - done)
                started = time.perf_counter()
                inp, stride = source(done, size)
                with held_interrupt():   # the states and the step counter move together
                    status = m.advance(size, dt, inp, stride, rec=rec, rec_pos=rec_pos,
                                       n_transient=step0 + n_tr, sample_every=k, seed=seed,
                                       noise_substeps=noise_substeps, batch0=batch_offset,
                                       parallel=parallel, average=average)
                    if not status[..., 0].any():
                        m._step += size
                        done += size
                if status[..., 0].any():
                    from .errors import first_failure

                    step = first_failure(status)[0]
                    m._step = step
                    # samples (or complete windows) that end before the failing step
                    n_ok = max(0, (step - step0 - n_tr) // k if average
                               else -(-(step - step0 - n_tr) // k))
                    partial = self._result(rec[:n_ok], rows, rec_pos, dt, n_tr, k, n_ok, step0,
                                           average, frun, step)
                    raise diverged_error(m, status, dt, partial=partial)
                bar.update(size)
                if not chunk_steps:   # chunking never changes the numbers, only the bar
                    chunk = next_chunk(chunk, time.perf_counter() - started, cap)
        except KeyboardInterrupt as e:
            if isinstance(e, SimulationInterrupted):
                raise
            n_ok = max(0, (done - n_tr) // k if average else -(-(done - n_tr) // k))
            partial = self._result(rec[:n_ok], rows, rec_pos, dt, n_tr, k, n_ok, step0,
                                   average, frun, step0 + done)
            raise SimulationInterrupted(
                f"{m.name}: interrupted after {done} of {n_steps} steps (t = {m._step * dt:g} "
                "ms); the result so far is in the exception's .partial, and the model is as "
                "after that step (continue with run(..., init_states=False))",
                step=done, time_ms=m._step * dt, partial=partial) from None
        finally:
            bar.close()
            if frun is not None:
                m._frun = None
        return self._result(rec, rows, rec_pos, dt, n_tr, k, n_keep, step0, average, frun,
                            step0 + n_steps)

    def _result(self, rec, rows, rec_pos, dt, n_tr, k, n_out, step0, average=False,
                frun=None, end_step=None) -> Result:
        """The Result of `n_out` samples of `rec`; window sums become means (`average`);
        the forward monitor's samples that end by global step `end_step` join it."""
        m = self.model
        if average:
            rec[:n_out] /= k
        data, units = {}, {}
        S = len(m.state_names)
        for name, row in rows:
            meta = m._meta["states"][row] if row < S else m._meta["outputs"][row - S]
            scale = 1.0 / meta["factor"] if row < S else meta["factor"]
            arr = rec[:n_out, rec_pos[row]]     # a view: rec is this run's own buffer
            if scale != 1.0:
                arr = arr * scale
            shape = (arr.shape[0],) + ((m._batch_size,) if m._batch_size else ()) + m.in_size
            data[name] = arr.reshape(shape)
            units[name] = meta["unit"]
        # a sample is stamped at the end of its step (of its window's last step, averaged)
        ts = RegularTimes(n_tr + (k if average else 1) + step0, k, n_out, dt)
        times = {}
        if frun is not None:
            n_f = max(0, min(frun.samples.shape[0], end_step // frun.period - frun.f0))
            fdata, funits = frun.outputs(n_f)
            for name, arr in fdata.items():
                shape = (n_f,) + ((m._batch_size,) if m._batch_size else ()) + \
                    frun.out_size(m.in_size)
                data[name] = arr.reshape(shape)
                units[name] = funits[name]
                times[name] = frun.times(n_f)
        traced = self.__dict__.get("_traced") or {}
        if traced:                        # monitors traced on a proxy: replayed on the series
            series = {name[len(_SERIES):]: data.pop(name) for name in list(data)
                      if name.startswith(_SERIES)}
            for name in list(units):
                if name.startswith(_SERIES):
                    units.pop(name)
            for name, t in traced.items():
                data[name] = replay(t, series)
                units[name] = (dict(zip(m.state_names, (q["unit"] for q in m._meta["states"])),
                                    **{o["name"]: o["unit"] for o in m._meta["outputs"]})
                               .get(t.bare, "") if t.bare else "")
        output = None
        outs = [data[n] for n in m.output_names if n in data]
        if outs:
            output = outs[0] if len(outs) == 1 else tuple(outs)
        return Result(data, ts, units, meta={"model": m.name, "dt": dt, "method": m.method,
                                              "batched": m._batch_size is not None,
                                              "average": bool(average)},
                      output=output, times=times)

    def _run_stepwise(self, n_steps, dt, n_tr, k, inputs, rows, funcs, seed) -> Result:
        """Python loop over `update` (for monitors that are Python callables)."""
        m = self.model
        if seed is not None:
            m.seed = int(seed)
        S = len(m.state_names)
        recorded: Dict[str, list] = {name: [] for name, _ in rows}
        recorded.update({name: [] for name in funcs})
        source = self._input_source(inputs, n_steps, dt, m._batch)
        step0 = m._step
        done = 0
        try:
            with environ.context(dt=dt):
                for i in range(n_steps):
                    inp, _ = source(i, 1)
                    kw = {}
                    for j, name in enumerate(m.input_names):
                        q = m._meta["inputs"][j]
                        kw[name] = m._shape_out(inp[0, j] / q["factor"])
                    m.update(**kw)
                    done = i + 1
                    if i >= n_tr and (i - n_tr) % k == 0:
                        for name, row in rows:
                            if row < S:
                                recorded[name].append(
                                    getattr(m, m.state_names[row]).value.copy())
                            else:
                                recorded[name].append(m.outputs(**kw)[m.output_names[row - S]])
                        for name, f in funcs.items():
                            recorded[name].append(np.asarray(f(m)))
        except KeyboardInterrupt as e:
            if isinstance(e, SimulationInterrupted):
                raise
            n_ok = max(0, -(-(done - n_tr) // k))
            partial = self._stepwise_result({n: v[:n_ok] for n, v in recorded.items()}, rows,
                                            dt, n_tr, k, n_ok, step0)
            raise SimulationInterrupted(
                f"{m.name}: interrupted after {done} of {n_steps} steps; the result so far is "
                "in the exception's .partial", step=done, time_ms=m._step * dt,
                partial=partial) from None
        n_out = -(-(n_steps - n_tr) // k)
        return self._stepwise_result(recorded, rows, dt, n_tr, k, n_out, step0)

    def _stepwise_result(self, recorded, rows, dt, n_tr, k, n_out, step0) -> Result:
        m = self.model
        S = len(m.state_names)
        data = {name: np.stack(v) if v else np.empty((0,)) for name, v in recorded.items()}
        units = {}
        for name, row in rows:
            meta = m._meta["states"][row] if row < S else m._meta["outputs"][row - S]
            units[name] = meta["unit"]
        ts = RegularTimes(n_tr + 1 + step0, k, n_out, dt)
        return Result(data, ts, units, meta={"model": m.name, "dt": dt, "method": m.method})


class _NoBar:
    """A silent stand-in for a tqdm bar."""

    def update(self, n):
        pass

    def set_postfix(self, **kw):
        pass

    def close(self):
        pass


class _LaterBar:
    """A progress bar made at its first update (nothing is drawn before)."""

    def __init__(self, make):
        self._make, self._bar = make, None

    def update(self, n):
        if self._bar is None:
            self._bar = self._make()
        self._bar.update(n)

    def close(self):
        if self._bar is not None:
            self._bar.close()


def progress_bar(progress, total, unit: str = "step", desc: str = "simulating"):
    """A tqdm bar (or a silent stand-in) counting `total` `unit`s."""
    if not progress:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, unit=unit, unit_scale=True, desc=desc, leave=False)
