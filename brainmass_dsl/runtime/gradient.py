"""Exact gradients of a loss of a network run: the compiled discrete adjoint, checkpointed.

    loss, grads, pred = network_gradient(net, 2000.0, dt=0.1, monitor="x",
                                         loss_grad=lambda p: (L(p["x"]), {"x": dL_dx(p["x"])}))
    grads["a"], grads["coupling.k"], grads["coupling.weights"]

The forward run is the network's own compiled kernel, run in segments of `checkpoint_every`
steps; before each segment the states and the coupling history windows are kept (a
checkpoint). The loss and its gradient with respect to the recorded samples come from
`loss_grad`. The reverse sweep then visits the segments from the last to the first: the
forward kernel recomputes the segment's states from its checkpoint (the same kernel, the same
noise counters: the same numbers), and the generated adjoint kernel (plan/adjoint.py) runs
the segment backwards, carrying the adjoint of the state and a ring of pending adjoints of
the delayed values from one segment to the one before. Noise is never stored: the adjoint
regenerates the few normals it needs from their counters.

The result is the gradient of the discrete run (what the forward kernel computes), exact to
rounding: it matches central finite differences of the forward run, for any checkpoint
interval (`checkpoint_every=n_steps` stores every state: the same numbers).

Memory: ceil(T / K) checkpoints of (S + maxlag) x B x N floats, plus one segment of
(K + 1) x S x B x N; default K = ceil(sqrt(T x (S + maxlag) / S)).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Optional, Tuple

import numpy as np

from ..plan import signature
from . import environ
from .connectivity import edge_arrays
from .errors import diverged_error
from .values import to_ms

#: (prediction {monitor: array (time, ...)}) -> (loss, {monitor: dloss/dprediction})
LossGrad = Callable[[Dict[str, np.ndarray]], Tuple[float, Dict[str, np.ndarray]]]


@dataclass
class _Checkpoint:
    step: int
    state: np.ndarray
    windows: Optional[List[np.ndarray]]   # (B, (maxlag + 1) N) per term; None: the run's start


def default_interval(n_steps: int, n_states: int, max_lag: int) -> int:
    """The checkpoint interval that minimises stored floats (see the module docstring)."""
    return max(1, min(n_steps, math.ceil(math.sqrt(n_steps * (n_states + max_lag)
                                                   / max(1, n_states)))))


def _dense_edges(net, dt: float):
    """Every term's edges with every off-diagonal entry present (zero weights too), so that
    the gradient covers the whole weight matrix; the forward numbers are unchanged (a zero
    weight adds exactly 0)."""
    return [edge_arrays(t.weights, t.delay_ms, dt, self_connection=t.keep_diagonal,
                        sparse=False, rule=net.delay_rule) for t in net.terms]


class _Run:
    """The bookkeeping of one gradient evaluation (see `network_gradient`)."""

    def __init__(self, net, dt, n_steps, n_tr, every, rows, seed, average, batch_size, source):
        self.net, self.dt, self.n_steps = net, dt, n_steps
        self.n_tr, self.every, self.rows, self.seed = n_tr, every, rows, seed
        self.average = average
        net.init_all_states(batch_size)
        self.B, self.N = net._batch, net.n_nodes
        self.S = len(net.state_names)
        self.edges = _dense_edges(net, dt)
        net._edge_cache[dt] = self.edges
        self.source = source(self.B)      # (s0, n) -> (inputs of steps s0.., t-stride)

    def inputs(self, s0: int, n: int):
        """(inputs (T_in, I, B, N), t-stride) of the steps s0 ... s0 + n - 1."""
        arr, stride = self.source(s0, n)
        return np.ascontiguousarray(arr), int(stride)

    def advance(self, n: int, rec, rec_pos, n_transient, every, average):
        net = self.net
        arr, stride = self.inputs(net._step, n)
        status = net.advance(n, self.dt, arr, stride, rec=rec, rec_pos=rec_pos,
                             n_transient=n_transient, sample_every=every, seed=self.seed,
                             average=average)
        if status[..., 0].any():
            raise diverged_error(net, status, self.dt)
        net._step += n

    def segment_starts(self, checkpoint_every: Optional[int], window: int) -> List[int]:
        """The first step of every segment: every K steps (default `default_interval`) and
        at every truncation window's start."""
        max_lag = max((e.max_lag for e in self.edges), default=0)
        K = int(checkpoint_every or default_interval(self.n_steps, self.S, max_lag))
        if K < 1:
            raise ValueError(f"checkpoint_every must be >= 1, got {checkpoint_every}")
        return sorted(set(range(0, self.n_steps, K)) | set(range(0, self.n_steps, window)))

    def forward(self, starts: List[int]):
        """Run the whole duration segment by segment, keeping a checkpoint before each:
        (rec, rec_pos, n_keep, checkpoints), rec as the Simulator's kernel records it."""
        S, B, N = self.S, self.B, self.N
        n_out = -(-(self.n_steps - self.n_tr) // self.every)
        n_keep = (self.n_steps - self.n_tr) // self.every if self.average else n_out
        rec = np.zeros((n_out, len(self.rows), B, N))
        rec_pos = np.full(S + len(self.net.output_names), -1, dtype=np.int64)
        n_rows = 0
        for _name, row in self.rows:
            if rec_pos[row] < 0:
                rec_pos[row] = n_rows
                n_rows += 1
        checkpoints = []
        for t0, t1 in zip(starts, starts[1:] + [self.n_steps]):
            checkpoints.append(self.checkpoint())
            self.advance(t1 - t0, rec, rec_pos, self.n_tr, self.every, self.average)
        return rec, rec_pos, n_keep, checkpoints

    def states_of(self, c: _Checkpoint, n: int) -> np.ndarray:
        """The states at steps c.step ... c.step + n (n + 1, S, B, N), recomputed by the
        forward kernel from the checkpoint `c`."""
        S, B, N = self.S, self.B, self.N
        self.restore(c, n)
        seg = np.empty((n + 1, S, B, N))
        seg[0] = c.state
        seg_pos = np.concatenate([np.arange(S, dtype=np.int64),
                                  np.full(len(self.net.output_names), -1, np.int64)])
        self.advance(n, seg[1:].reshape(n, S, B, N), seg_pos, c.step, 1, False)
        return seg

    def term_args(self, c: _Checkpoint) -> List[dict]:
        """Per coupling term: the edges and the history before the checkpoint."""
        out = []
        for k_, e in enumerate(self.edges):
            hwin = (np.zeros((self.B, e.max_lag * self.N)) if c.windows is None
                    else np.ascontiguousarray(c.windows[k_][:, :e.max_lag * self.N]))
            out.append(dict(ptr=e.indptr, w=e.data, cols=e.cols, off=e.offsets(self.N),
                            lag=e.lags, rowsum=e.rowsum, hwin=hwin, maxlag=e.max_lag))
        return out

    def finish(self, batch_size) -> None:
        """Leave the network as a forward run leaves it."""
        self.net._edge_cache.pop(self.dt, None)
        self.net.init_all_states(batch_size)

    def checkpoint(self) -> _Checkpoint:
        net = self.net
        wins = None
        if net._windows is not None:
            wins = [w[:, :(e.max_lag + 1) * self.N].copy()
                    for w, e in zip(net._windows, self.edges)]
        return _Checkpoint(net._step, net._state.copy(), wins)

    def restore(self, c: _Checkpoint, n: int) -> None:
        net = self.net
        net._state[...] = c.state
        net._step = c.step
        if c.windows is None:
            net._windows = None
        else:
            net._windows = []
            for w, e in zip(c.windows, self.edges):
                full = np.zeros((self.B, signature.window_rows(e.max_lag, n) * self.N))
                full[:, :w.shape[1]] = w
                net._windows.append(full)


def prepare(net, duration, kind: str, *, dt, monitors, transient, sample_every, seed,
            average, inputs, batch_size):
    """(Simulator, _Run, derivative kernel) of a gradient ("adjoint") or sensitivity
    ("tangent") evaluation; GradientRefused / ValueError / TypeError for what they cannot
    differentiate."""
    from ..compiler import adjoint_refusal, compile_adjoint
    from ..plan.adjoint import GradientRefused
    from .simulator import Simulator, n_steps_for, sampling_steps

    if getattr(net, "delay_init", None) is not None:
        raise ValueError("network_gradient: a Network with delay_init= is not supported by the "
                         "gradient yet (its history before t = 0 is the initial state); "
                         "leave delay_init=None")
    sim = Simulator(net, dt)
    dt = sim.dt if sim.dt is not None else environ.get_dt()
    n_steps = n_steps_for(to_ms(duration, "duration"), dt)
    n_tr, k = sampling_steps(transient, sample_every, dt, n_steps)
    rows, funcs = sim._monitors(monitors)
    if funcs:
        raise ValueError("gradients need monitors given by name (states and outputs), not "
                         "Python callables")
    node = net.node
    terms = [t.spec_for_compiler() for t in net.terms]
    wiring = node._wiring + net._net_wiring
    why = adjoint_refusal(node._block, node._program, net.method, terms, wiring)
    if why:
        raise GradientRefused(f"{net.name}: {why}")
    kernel = compile_adjoint(node._block, net.method, terms, program=node._program,
                             wiring=wiring, kind=kind)
    run = _Run(net, dt, n_steps, n_tr, k, rows, net.seed if seed is None else int(seed),
               average, batch_size, lambda B: sim._input_source(inputs, n_steps, dt, B))
    return sim, run, kernel


def network_gradient(net, duration, *, loss_grad: LossGrad, dt=None, monitors=None,
                     transient=None, sample_every=None, seed=None, average: bool = False,
                     inputs=None,
                     checkpoint_every: Optional[int] = None, truncate=None, batch_size=None,
                     parallel=None, forward=None):
    """(loss, {parameter: gradient}, prediction) of `loss_grad` applied to the run of the
    Network `net` that `Simulator(net, dt).run(duration, monitors=..., transient=...,
    sample_every=..., seed=..., average=..., inputs=...)` makes (its `Result`'s arrays, by
    monitor name); `inputs` as `Simulator.run` takes them (constants, time series with a row
    per step, or a callable (step, t)), held fixed (no gradient with respect to them).

    Gradients, in the parameters' own units (d loss / d value): every node parameter by name
    (summed over nodes when the parameter holds one value, per node when it holds one per
    node), every coupling parameter ("coupling.k"), and each term's weight matrix
    ("coupling.weights", (N, N): d loss / d conn_ij for every entry of the term's `conn`,
    through the Laplacian for the Laplacian couplings; zero on the diagonal unless the term
    keeps self-connections). The network is left initialised at the run's end.

    `truncate` (a duration, ms or a time quantity; default None: exact): truncated
    backpropagation through time. The run is cut into windows of W = truncate / dt steps
    from t = 0, and the loss's gradient with respect to a sample reaches back only to the
    start of its window: the state and the coupling history at each window's start are held
    fixed (their adjoints are dropped there), so no gradient path is longer than W steps.
    For long runs in unstable regimes, where exact gradients grow without bound; the result
    is the exact gradient of that windowed objective (tests compare it with finite
    differences of runs restarted at each window's start).

    `forward` (a `bm.ForwardMonitor`, e.g. BOLD): the loss is of the fused monitor's samples
    ({output name: samples}, as `Simulator.run(..., forward=...)` gives them; `monitors`
    must then be None and `transient` delays the monitor's first sample); see
    `runtime.forward_gradient`."""
    if forward is not None:
        from .forward_gradient import forward_monitor_gradient

        if monitors is not None or sample_every is not None or average:
            raise ValueError("with forward=, the loss is of the forward monitor's samples: "
                             "leave monitors, sample_every and average unset")
        return forward_monitor_gradient(
            net, duration, forward, loss_grad=loss_grad, dt=dt, transient=transient,
            seed=seed, inputs=inputs, checkpoint_every=checkpoint_every, truncate=truncate,
            batch_size=batch_size, parallel=parallel)
    sim, run, kernel = prepare(net, duration, "adjoint", dt=dt, monitors=monitors,
                               transient=transient, sample_every=sample_every, seed=seed,
                               average=average, inputs=inputs, batch_size=batch_size)
    dt, n_steps, n_tr, k, rows = run.dt, run.n_steps, run.n_tr, run.every, run.rows
    B, N, S = run.B, run.N, run.S
    window = window_steps(truncate, dt, n_steps)
    starts = run.segment_starts(checkpoint_every, window)

    # ---- forward, keeping a checkpoint before every segment
    rec, rec_pos, n_keep, checkpoints = run.forward(starts)
    pred = sim._result(rec.copy(), rows, rec_pos, dt, n_tr, k, n_keep, 0, average)
    prediction = {name: pred[name] for name, _ in rows}
    loss, dpred = loss_grad(prediction)

    # ---- the loss's gradient with respect to the recorded (canonical, summed) samples
    grec = np.zeros_like(rec)
    for name, row in rows:
        if name not in dpred:
            continue
        meta = net._meta["states"][row] if row < S else net._meta["outputs"][row - S]
        scale = 1.0 / meta["factor"] if row < S else meta["factor"]
        g = np.asarray(dpred[name], dtype=float).reshape(n_keep, B, N)
        grec[:n_keep, rec_pos[row]] += g * scale / (k if average else 1)

    # ---- reverse sweep, segment by segment
    params = net.param_array(B)
    cparams = net.cparam_array(B)
    lam = np.zeros((S, B, N))
    gp = np.zeros_like(params)
    gc = np.zeros_like(cparams)
    pend = [np.zeros((B, e.max_lag * N)) for e in run.edges]
    gw = [np.zeros((B, e.data.size)) for e in run.edges]
    adjoint = kernel.module.adjoint_parallel if (parallel if parallel is not None else B > 1) \
        else kernel.module.adjoint_serial
    ends = dict(zip(starts, starts[1:] + [n_steps]))
    for c in reversed(checkpoints):
        n = ends[c.step] - c.step
        seg = run.states_of(c, n)
        term_args = [dict(base, pend=pend[k_], gw=gw[k_])
                     for k_, base in enumerate(run.term_args(c))]
        inp, stride = run.inputs(c.step, n)
        adjoint(*signature.pack_adjoint(dict(
            xseg=seg, params=params, cparams=cparams, inputs=inp, in_tstride=stride,
            seed=run.seed, batch0=0, t0=c.step, n=n, dt=dt, grec=grec, rec_pos=rec_pos,
            n_transient=n_tr, sample_every=k, mean=int(average), fill=int(c.windows is None),
            lam=lam, gp=gp, gc=gc), term_args))
        if c.step % window == 0:
            # a truncation window starts here: its state and history are held fixed
            lam[...] = 0.0
            for p in pend:
                p[...] = 0.0
    run.finish(batch_size)
    return float(loss), _named_gradients(net, gp, gc, gw, run.edges, batch_size), prediction


def window_steps(truncate, dt: float, n_steps: int) -> int:
    """The truncation window in steps (n_steps when `truncate` is None)."""
    if truncate is None:
        return max(1, n_steps)
    from .simulator import n_steps_for

    try:
        return n_steps_for(to_ms(truncate, "truncate"), dt)
    except ValueError as e:
        raise ValueError(f"truncate: {e}".replace("duration", "the window")) from None


def _reduce_to(value, g: np.ndarray, batched: bool) -> np.ndarray:
    """`g` (B, N) summed over the axes along which the parameter's `value` is broadcast."""
    shape = np.shape(value)
    if not batched:
        g = g.sum(axis=0)                    # (N,)
        return g.reshape(shape) if np.size(value) == g.size else np.asarray(g.sum()).reshape(shape)
    return g if np.size(value) == g.size else g.sum(axis=tuple(range(1, g.ndim)))


def _named_gradients(net, gp, gc, gw, edges, batch_size) -> Dict[str, np.ndarray]:
    out: Dict[str, np.ndarray] = {}
    batched = batch_size is not None
    for name, i in net._param_index.items():
        factor = net._meta["parameters"][i]["factor"]
        out[name] = _reduce_to(net.get_param(name), gp[i] * factor, batched)
    for name, i in net._cparam_index.items():
        factor = net._cparam_meta[i]["factor"]
        out[name] = _reduce_to(net.get_param(name), gc[i] * factor, batched)
    N = net.n_nodes
    for t, e, g in zip(net.terms, edges, gw):
        rows = np.repeat(np.arange(N), np.diff(e.indptr))
        full = np.zeros((g.shape[0], N, N))
        full[:, rows, e.cols] = g
        full = t.conn_gradient(full)      # through the Laplacian, for Laplacian couplings
        out[f"{t.spec.name}.weights"] = full if batched else full[0]
    return out
