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
    `tr`: sampling period (ms or a time quantity; default: one forward step)."""

    def __init__(self, model: Model, *, drive: Optional[str] = None,
                 target: Optional[str] = None, every: int = 10, tr=None):
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

    def spec(self, net) -> ForwardSpec:
        fm = self.model
        clash = [o["name"] for o in fm._meta["outputs"]
                 if o["name"] in (*net.state_names, *net.output_names)]
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
        return ForwardSpec(self.model._block, self.model.method, drive, self.target)

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
        return ForwardRun(self, kernel, fm._state, fm.param_array(B),
                          np.zeros((B, net.n_nodes)), self.every, sample, f0,
                          np.zeros((n_out, len(fm._meta["outputs"]), B, net.n_nodes)),
                          period, dt)


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

    def kernel_args(self) -> dict:
        return dict(fstate=self.state, fparams=self.params, facc=self.acc, fevery=self.every,
                    frec=self.rec, fsample=self.sample, f0=self.f0)

    def times(self, n: int) -> np.ndarray:
        """The sample times (ms): the end of each sample's last node step."""
        return (np.arange(self.f0 + 1, self.f0 + 1 + n, dtype=np.float64)
                * self.period) * self.dt

    def outputs(self, n: Optional[int] = None):
        """{output name: (samples, B, N) in its unit}, for the first n samples."""
        n = self.rec.shape[0] if n is None else n
        meta = self.monitor.model._meta["outputs"]
        return {o["name"]: self.rec[:n, i] * o["factor"] for i, o in enumerate(meta)}, \
            {o["name"]: o["unit"] for o in meta}
