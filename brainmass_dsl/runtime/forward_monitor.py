"""Forward models fused into a run (a network's, or independent nodes') as monitors with
their own clock.

    bold = bm.ForwardMonitor(bm.BOLDSignal(80), drive="x", every=10, tr=720.0)
    res = bm.Simulator(net, dt=0.1).run(600_000.0, forward=bold)
    res["bold"], res.time_of("bold")          # (T_tr, N), ms

Inside the compiled kernel (plan/forward.py) every `every` node steps each node's forward
model takes one step of `every * dt`, fed with the mean of `drive` (an expression of the
node's states, read after each step) over those steps, its value read in the unit of the
forward model's input; its outputs are recorded every `tr` ms. Memory: the forward states and
the output samples, whatever the run's length.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..compiler import ForwardSpec
from .model import Model
from .values import to_ms


class ForwardMonitor:
    """A forward model (a Model instance, e.g. `bm.BOLDSignal(N)`: its parameters and
    `method` are used) run inside a network's or a model's kernel; see the module docstring.

    `drive`: node expression (default, for a network: the main coupling's coupled variable;
    required for a plain model); `target`: the
    forward model's input (default: its first); `every`: node steps per forward step;
    `tr`: sampling period (ms or a time quantity; default: one forward step).

    `projection` (a network only): an (N, M) matrix mixing each output across the nodes onto
    M sensors inside the kernel at every sample (EEG/MEG: `LeadFieldModel.monitor` builds
    it); the result then holds (time, [batch,] M) per output, in `unit` (default: the
    output's). `name` renames a single-output model's output in the result."""

    def __init__(self, model: Model, *, drive: Optional[str] = None,
                 target: Optional[str] = None, every: int = 10, tr=None, projection=None,
                 unit: Optional[str] = None, name: Optional[str] = None):
        if not isinstance(model, Model):
            raise TypeError(f"model must be a brainmass_dsl model instance such as "
                            f"bm.BOLDSignal(N), got {type(model).__name__}")
        if model._meta.get("noises"):
            raise ValueError(f"model {model.name} has noise; a forward monitor integrates a "
                             "deterministic model")
        if not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"every must be a positive number of steps, got {every!r}")
        inputs = [q["name"] for q in model._meta["inputs"]]
        if not inputs:
            raise ValueError(f"{model.name} has no input to receive the drive")
        if target is not None and target not in inputs:
            raise ValueError(f"target {target!r} is not an input of {model.name} (inputs: "
                             f"{', '.join(inputs)})")
        if not model._meta["outputs"]:
            raise ValueError(f"{model.name} has no output to record")
        self.model, self.drive, self.target = model, drive, target or inputs[0]
        self.every = int(every)
        self.tr = None if tr is None else to_ms(tr, "tr")
        self.projection = None
        if projection is not None:
            P = np.asarray(projection, dtype=float)
            if P.ndim != 2 or P.shape[0] != model.n_nodes:
                raise ValueError(f"projection must be an (N, M) matrix with N = {model.n_nodes} "
                                 f"(the forward model's nodes), got shape {P.shape}")
            if not np.isfinite(P).all():
                raise ValueError("projection contains NaN or infinite values")
            self.projection = np.ascontiguousarray(P)
        outs = [o["name"] for o in model._meta["outputs"]]
        if name is not None and len(outs) != 1:
            raise ValueError(f"name= renames the output of a single-output model; "
                             f"{model.name} has {len(outs)} ({', '.join(outs)})")
        self.names = {outs[0]: name} if name is not None else {}
        self.unit = unit

    def spec(self, net) -> ForwardSpec:
        fm = self.model
        clash = [self.names.get(o["name"], o["name"]) for o in fm._meta["outputs"]
                 if self.names.get(o["name"], o["name"]) in (*net.state_names,
                                                              *net.output_names)]
        if clash:
            raise ValueError(f"the forward model {fm.name}'s output{'s' if len(clash) > 1 else ''}"
                             f" {', '.join(clash)} would hide the network's series of the same "
                             f"name in the result")
        drive = self.drive
        if drive is None:
            if not hasattr(net, "terms"):
                raise ValueError(f"drive: give the expression of {net.name}'s states that "
                                 "drives the forward model (only a network has a default, its "
                                 "coupled variable)")
            drive = net.terms[0].coupled
        if self.projection is not None and not hasattr(net, "terms"):
            raise ValueError("projection= mixes the nodes of a network; run the model in a "
                             "bm.Network, or project a saved result")
        return ForwardSpec(self.model._block, self.model.method, drive, self.target,
                           projected=self.projection is not None)

    def prepare(self, net, dt: float, n_steps: int, n_transient: int) -> "ForwardRun":
        """The kernel and buffers of one run of `net` (dt ms, n_steps from its current step,
        the first n_transient not sampled)."""
        fm = self.model
        if fm.in_size != net.in_size:
            raise ValueError(f"the forward model has in_size={fm.in_size}, the "
                             f"{'network' if hasattr(net, 'terms') else 'model'} "
                             f"{net.in_size}: give it one node per region")
        step = self.every * dt
        if self.tr is None:
            sample = 1
        else:
            ratio = self.tr / step
            sample = int(round(ratio))
            if sample < 1 or abs(ratio - sample) > 1e-9 * max(1.0, ratio):
                raise ValueError(f"tr = {self.tr:g} ms is not a multiple of the forward step "
                                 f"every * dt = {step:g} ms")
        if net._step % self.every:
            raise ValueError(f"a forward monitor starts on a forward step: the network is at "
                             f"step {net._step}, not a multiple of every={self.every}")
        period = self.every * sample                 # node steps per sample
        f0 = (net._step + n_transient) // period     # samples at or before the transient
        n_out = (net._step + n_steps) // period - f0
        if n_out < 1:
            raise ValueError(f"the run ({n_steps} steps after {n_transient} transient) is "
                             f"shorter than one sample period ({period} steps, "
                             f"{period * dt:g} ms)")
        kernel = net.forward_kernel(self.spec(net))
        B = net._batch
        fm.init_all_states(net._batch_size)
        O = len(fm._meta["outputs"])
        if self.projection is None:
            rec = np.zeros((n_out, O, B, net.n_nodes))
            proj, prec = np.zeros((0, 0)), np.zeros((0, 0, 0, 0))
        else:                  # one slot of per-node scratch; the sensors are kept
            rec = np.zeros((1, O, B, net.n_nodes))
            proj = self.projection
            prec = np.zeros((n_out, O, B, proj.shape[1]))
        return ForwardRun(self, kernel, fm._state, fm.param_array(B),
                          np.zeros((B, net.n_nodes)), self.every, sample, f0, rec, period, dt,
                          proj, prec)


@dataclass
class ForwardRun:
    """One run's forward monitor: its kernel and the arrays the kernel reads and writes."""

    monitor: ForwardMonitor
    kernel: object
    state: np.ndarray
    params: np.ndarray
    acc: np.ndarray
    every: int
    sample: int
    f0: int
    rec: np.ndarray
    period: int
    dt: float
    proj: np.ndarray
    prec: np.ndarray

    @property
    def projected(self) -> bool:
        return self.proj.size > 0

    @property
    def samples(self) -> np.ndarray:
        """The recorded samples (n_out, O, B, N or M)."""
        return self.prec if self.projected else self.rec

    def out_size(self, in_size) -> tuple:
        """The shape of one sample of one output: the nodes', or (M,) sensors."""
        return (self.proj.shape[1],) if self.projected else tuple(in_size)

    def kernel_args(self) -> dict:
        return dict(fstate=self.state, fparams=self.params, facc=self.acc, fevery=self.every,
                    frec=self.rec, fsample=self.sample, f0=self.f0, fproj=self.proj,
                    fprec=self.prec)

    def times(self, n: int) -> np.ndarray:
        """The sample times (ms): the end of each sample's last node step."""
        return (np.arange(self.f0 + 1, self.f0 + 1 + n, dtype=np.float64)
                * self.period) * self.dt

    def outputs(self, n: Optional[int] = None):
        """{output name: (samples, B, N) in its unit}, for the first n samples."""
        rec = self.samples
        n = rec.shape[0] if n is None else n
        meta = self.monitor.model._meta["outputs"]
        names = self.monitor.names
        unit = self.monitor.unit
        return ({names.get(o["name"], o["name"]): rec[:n, i] * o["factor"]
                 for i, o in enumerate(meta)},
                {names.get(o["name"], o["name"]): unit or o["unit"] for o in meta})
