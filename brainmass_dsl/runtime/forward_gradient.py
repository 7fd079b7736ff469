"""Gradients of a loss of a fused forward monitor's samples (e.g. BOLD): the chain rule
through the monitor's own adjoint into the network's.

The fused monitor's model (plan/forward.py) is fed, at each of its steps, the mean of the
drive over `every` node steps: exactly the averaged monitor `Simulator.run(monitors=[drive],
sample_every=every * dt, average=True)`. So the gradient splits in two:

1. `network_gradient` runs the network (checkpointed, as always) with that averaged monitor
   of the drive, and asks its loss for the gradient with respect to the drive's means;
2. that loss runs the forward model on the means (`forward_states`, `forward_outputs`, the
   same step as the fused kernel), evaluates the user's loss on its samples, and sweeps the
   forward model backwards (`forward_reverse`, plan/forward_adjoint.py) to the gradient with
   respect to each mean, which step 1 carries through the network.

The samples equal those of `Simulator.run(..., forward=monitor)` to rounding (the drive's
mean is formed in another order); the gradient is that of these samples, exact to rounding.
"""
from __future__ import annotations

from typing import Mapping, Optional

import numpy as np

from .forward_monitor import ForwardMonitor


def _scale(net, name: str) -> float:
    """Result value = kernel value * scale, for a state or output `name`."""
    if name in net.state_names:
        return 1.0 / net._meta["states"][net.state_names.index(name)]["factor"]
    return net._meta["outputs"][net.output_names.index(name)]["factor"]


def forward_monitor_gradient(net, duration, forward: ForwardMonitor, *, loss_grad, dt,
                             transient, seed, inputs, checkpoint_every,
                             truncate, batch_size, parallel):
    """(loss, {parameter: gradient}, prediction {forward output: samples}) for a loss of
    the samples of the fused forward monitor `forward`; see `network_gradient`."""
    from ..compiler import compile_forward_adjoint
    from ..plan.adjoint import GradientRefused
    from . import environ
    from .gradient import network_gradient
    from .simulator import n_steps_for, sampling_steps
    from .values import to_ms

    if not isinstance(forward, ForwardMonitor):
        raise TypeError(f"forward must be a bm.ForwardMonitor, got {type(forward).__name__}")
    if forward.projection is not None:
        raise GradientRefused("the gradient through a projected monitor (EEG/MEG sensors) is "
                              "not supported yet")
    spec = forward.spec(net)
    drive = spec.drive
    if drive not in (*net.state_names, *net.output_names):
        raise GradientRefused(f"the gradient through a forward monitor needs a drive that is a "
                              f"state or output of {net.name}, got the expression {drive!r}")
    fm = forward.model
    if fm.in_size != net.in_size:
        raise ValueError(f"the forward model has in_size={fm.in_size}, the network "
                         f"{net.in_size}: give it one node per region")
    dt = dt if dt is not None else environ.get_dt()
    n_steps = n_steps_for(to_ms(duration, "duration"), dt)
    n_tr, _k = sampling_steps(transient, None, dt, n_steps)
    every = forward.every
    sample = 1 if forward.tr is None else int(round(forward.tr / (every * dt)))
    if sample < 1 or (forward.tr is not None
                      and abs(forward.tr / (every * dt) - sample) > 1e-9 * max(1, sample)):
        raise ValueError(f"tr = {forward.tr:g} ms is not a multiple of the forward step "
                         f"every * dt = {every * dt:g} ms")
    period = every * sample
    f0 = n_tr // period
    n_out = n_steps // period - f0
    if n_out < 1:
        raise ValueError(f"the run ({n_steps} steps after {n_tr} transient) is shorter than "
                         f"one sample period ({period} steps)")
    kernel = compile_forward_adjoint(spec).module
    target = next(q for q in fm._meta["inputs"] if q["name"] == forward.target)
    tfactor = float(target["factor"])
    scale = _scale(net, drive)
    outs = fm._meta["outputs"]
    found = {}

    def lg(pred):
        res = np.asarray(pred[drive], dtype=float)
        M = res.shape[0]
        z = np.ascontiguousarray((res / scale * tfactor).reshape(M, -1, net.n_nodes))
        B = z.shape[1]
        fm.init_all_states(batch_size)
        x0 = np.ascontiguousarray(fm._state)
        fparams = np.ascontiguousarray(fm.param_array(B))
        xs = np.empty((M + 1,) + x0.shape)
        kernel.forward_states(z, fparams, x0, xs, float(dt), int(every))
        frec = np.zeros((n_out, len(outs), B, net.n_nodes))
        kernel.forward_outputs(xs, z, fparams, float(dt), int(every), int(sample), int(f0),
                               frec)
        shape = (n_out,) + res.shape[1:]
        prediction = {o["name"]: (frec[:, k] * o["factor"]).reshape(shape)
                      for k, o in enumerate(outs)}
        found["prediction"] = prediction
        loss, dpred = loss_grad(prediction)
        gy = np.zeros_like(frec)
        for k, o in enumerate(outs):
            if o["name"] in dpred:
                gy[:, k] = np.asarray(dpred[o["name"]], dtype=float).reshape(
                    n_out, B, net.n_nodes) * o["factor"]
        gz = np.zeros_like(z)
        kernel.forward_reverse(xs, z, fparams, float(dt), int(every), int(sample), int(f0),
                               gy, gz)
        return loss, {drive: (gz * tfactor / scale).reshape(res.shape)}

    loss, grads, _ = network_gradient(
        net, duration, loss_grad=lg, dt=dt, monitors=[drive], sample_every=every,
        seed=seed, average=True, inputs=inputs, checkpoint_every=checkpoint_every,
        truncate=truncate, batch_size=batch_size, parallel=parallel)
    return loss, grads, found["prediction"]
