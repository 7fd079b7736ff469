"""The adjoint of a fused forward monitor (plan/forward.py), as assignments.

A forward model (e.g. `BOLDSignal`) driven by the mean of a node's drive over each forward
step is a small deterministic recurrence per node: x_{m+1} = step(x_m, z_m), its outputs
y = out(x_{m+1}, z_m) sampled every `sample` forward steps. The gradient of a loss of those
samples with respect to the drive's means z_m is its reverse sweep; `runtime.gradient`
then hands it to the network's own adjoint as the gradient of an averaged monitor of the
drive. This module writes the two VJPs that sweep evaluates per node:

* `step`: seeded with the adjoint of x_{m+1} (`_fal_<state>`), gives that of x_m
  (`_fadx_<state>`) and of z_m (`_fadz`).
* `output`: seeded with the loss's gradient at a sample (`_fgy<k>` for output k), gives the
  adjoint of x_{m+1} (`_foax_<state>`) and of z_m (`_foaz`).

The forward model's parameters are held fixed (their step prelude is computed once).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

import sympy as sp

from ..ir.analysis import Assign
from ..ir.lower import sym
from ..ir.reverse import check_printable, vjp
from .forward import ForwardPlan


@dataclass
class ForwardAdjointPlan:
    """The forward monitor's plan and the VJPs of its step and of its outputs."""

    forward: ForwardPlan
    step: List[Assign]
    step_state: List[sp.Symbol]        # d/d x_m, per state
    step_drive: sp.Symbol
    output: List[Assign]
    output_state: List[sp.Symbol]      # d/d x_{m+1}, per state
    output_drive: sp.Symbol


def _zero_missing(body: List[Assign], outs: List[sp.Symbol]) -> List[Assign]:
    have = {a.target for a in body}
    return body + [Assign(o, sp.Integer(0), "no dependence") for o in outs if o not in have]


def plan_forward_adjoint(f: ForwardPlan) -> ForwardAdjointPlan:
    states = [q.symbol for q in f.model.states]
    seeds = {f.step.new_state[q.name]: sym(f"_fal_{q.symbol.name}") for q in f.model.states}
    sx = [sym(f"_fadx_{s.name}") for s in states]
    sz = sym("_fadz")
    step = vjp(f.step.body, seeds, states + [f.target], sx + [sz], prefix="_fab")
    check_printable(step)
    body, oseeds = list(f.output_lets), {}
    for k, e in enumerate(f.outputs):
        v = sym(f"_fov{k}")
        body.append(Assign(v, e, f"output {k}"))
        oseeds[v] = sym(f"_fgy{k}")
    ox = [sym(f"_foax_{s.name}") for s in states]
    oz = sym("_foaz")
    output = vjp(body, oseeds, states + [f.target], ox + [oz], prefix="_fob")
    check_printable(output)
    return ForwardAdjointPlan(f, _zero_missing(step, sx + [sz]), sx, sz,
                              _zero_missing(output, ox + [oz]), ox, oz)
