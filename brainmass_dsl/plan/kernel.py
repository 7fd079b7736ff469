"""Kernel plans: the Step IR plus everything around it that a backend prints.

`plan_nodes(step)` is the independent-nodes kernel (each (batch, node) pair its own
system); `plan_network(net, scheme)` the fused network kernel, whose Step IR includes the
coupling terms' receiver assignments. A plan holds assignments and IR nodes only; the
backend's printer turns them into text and its templates lay out loops and memory.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import sympy as sp

from ..integrators.step import StepIR, build_step
from ..ir.analysis import Assign
from ..ir.network import NetworkIR
from . import signature
from .coupling import CouplingPlan, plan_coupling, receiver_varying
from .forward import ForwardPlan
from .monitors import Sampling, output_values, sampling
from .noise import NoiseDraw


@dataclass
class KernelPlan:
    """What one compiled module computes (see the module docstring)."""

    kind: str                                   # "nodes" | "network"
    step: StepIR
    noise: NoiseDraw
    sampling: Sampling                          # the recording monitor
    outputs_now: Tuple[List[Assign], List[sp.Expr]]   # outputs at an instant (xi = 0)
    check_every: int                            # steps between non-finite tests
    meta: dict
    couplings: List[CouplingPlan] = field(default_factory=list)
    forward: Optional[ForwardPlan] = None

    @property
    def model(self):
        return self.step.model

    @property
    def args(self) -> Tuple[signature.Arg, ...]:
        return signature.kernel_args(self.kind, len(self.couplings), self.forward is not None)


def metadata(step: StepIR, check_every: int) -> dict:
    """What the runtime needs to call the kernel without SymPy (stored in the module)."""
    m = step.model

    def q(x):
        out = {"name": x.name, "default": x.default, "unit": x.unit_text, "factor": x.factor,
               "lo": x.lo, "hi": x.hi, "doc": x.doc, "dim": str(x.dim)}
        if x.random is not None:          # a random initial value, drawn at init_all_states
            out["random"] = list(x.random)
        return out

    return {"model": m.name, "category": m.category, "source_file": m.source_file,
            "source_hash": m.source_hash, "doc": m.doc, "aliases": list(m.aliases),
            "scheme": step.scheme.name, "noise_kind": step.noise_kind,
            "states": [q(x) for x in m.states], "parameters": [q(x) for x in m.parameters],
            "inputs": [q(x) for x in m.inputs],
            "outputs": [{"name": o.name, "unit": o.unit, "factor": o.factor, "doc": o.doc}
                        for o in m.outputs],
            "noises": list(m.noises), "delays": [{"state": d.state, "lag": d.lag}
                                                 for d in m.delays],
            "couples": m.couples is not None, "check_every": check_every}


def _plan(kind: str, step: StepIR, check_every: int, couplings=()) -> KernelPlan:
    return KernelPlan(kind, step, NoiseDraw(step.noise_z),
                      sampling(step.model, dt=step.dt, noise=step.noise_z),
                      output_values(step.model, sampled=False, dt=step.dt, noise=step.noise_z),
                      check_every, metadata(step, check_every), list(couplings))


def _with_forward(plan: KernelPlan, forward: Optional[ForwardPlan]) -> KernelPlan:
    """`plan` with the fused forward monitor `forward` and its metadata."""
    plan.forward = forward
    if forward is not None:
        fm = forward.model

        def q(x):
            return {"name": x.name, "default": x.default, "unit": x.unit_text,
                    "factor": x.factor, "lo": x.lo, "hi": x.hi, "doc": x.doc}

        plan.meta["forward"] = {
            "model": fm.name, "scheme": forward.step.scheme.name,
            "states": [q(x) for x in fm.states], "parameters": [q(x) for x in fm.parameters],
            "outputs": [{"name": o.name, "unit": o.unit, "factor": o.factor, "doc": o.doc}
                        for o in fm.outputs]}
    return plan


def plan_nodes(step: StepIR, forward: Optional[ForwardPlan] = None) -> KernelPlan:
    """The independent-nodes kernel of `step`: non-finite states are tested at checkpoints
    every `signature.CHECK_EVERY` steps (and a failed stretch re-run step by step).
    `forward`: a fused forward monitor (plan/forward.py), as in a network kernel."""
    return _with_forward(_plan("nodes", step, signature.CHECK_EVERY), forward)


def refuse_white_noise_outputs(net: NetworkIR) -> None:
    """A network records no output that contains white noise: ValueError naming it."""
    m = net.node
    noisy = [o.name for o in m.outputs if any(x.name in m.noises for x in o.expr.free_symbols)]
    if noisy:
        raise ValueError(f"output {noisy[0]!r} of {m.name} is white noise (it contains xi); a "
                         "network records no white-noise outputs: wire the noise into an input "
                         "(noise_<input>=...) or use a coloured process such as OUProcess")


def plan_network(net: NetworkIR, scheme, *, optimise: bool = True,
                 forward: Optional[ForwardPlan] = None) -> KernelPlan:
    """The fused network kernel: the node step with every coupling term's receiver
    assignments in its Step IR; non-finite states are tested after every step. `forward`:
    a fused forward monitor (plan/forward.py)."""
    refuse_white_noise_outputs(net)
    couplings = [plan_coupling(k, t, net.node) for k, t in enumerate(net.terms)]
    receivers = [a for p in couplings for a in p.receiver]
    step = build_step(net.node, scheme, pre_step=receivers,
                      extra_varying=receiver_varying(couplings), optimise=optimise)
    plan = _with_forward(_plan("network", step, 1, couplings), forward)
    plan.meta["coupling_terms"] = [
        {"name": p.name, "coupling": p.term.coupling.name, "target": p.term.target,
         "coupled": p.term.coupled_text, "per_edge": p.reduction.per_edge,
         "sender_params": list(p.sender_params), "sends_coupled": p.sends_coupled,
         "parameters": [{"name": q.name, "default": q.default, "unit": q.unit_text,
                         "factor": q.factor, "doc": q.doc} for q, _ in p.params]}
        for p in couplings]
    return plan
