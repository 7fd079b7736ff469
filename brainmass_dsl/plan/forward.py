"""A forward model fused into the network kernel as a monitor with its own clock.

The forward model (e.g. `BOLDSignal`) is a second model per node. Every `_fevery` node steps
it takes one step of its own (dt_f = _fevery * dt), fed with the mean of the node's `drive`
over those steps, and every `_fsample` forward steps its outputs are recorded (at the TR).
Its symbols are renamed `fwd__<name>` and its temporaries `_fw<name>`, so they never meet
the node's (names with `__` or a leading `_` are the compiler's: NMM122).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Dict, List, Tuple

import sympy as sp

from ..integrators.step import StepIR, build_step
from ..ir.analysis import Assign
from ..ir.lower import sym
from ..ir.model import Let, ModelIR, Output
from .monitors import output_values

PREFIX = "fwd"


@dataclass
class ForwardPlan:
    """The forward monitor: its (renamed) model and step, the drive it reads from the node
    (an expression of the node's symbols, read after each node step), the input it feeds,
    its dt symbol and the assignments that give its outputs."""

    model: ModelIR
    step: StepIR
    drive: sp.Expr
    target: sp.Symbol                 # the forward model's input receiving the mean drive
    dt: sp.Symbol                     # the forward step, _fevery * dt
    output_lets: List[Assign]
    outputs: List[sp.Expr]
    projected: bool = False           # outputs projected across the nodes at each sample


def _renamed_model(m: ModelIR, prefix: str) -> Tuple[ModelIR, Dict[sp.Symbol, sp.Symbol]]:
    """`m` with every parameter, state, input and let symbol renamed `<prefix>__<name>`."""
    ren: Dict[sp.Symbol, sp.Symbol] = {}
    for q in (*m.parameters, *m.states, *m.inputs):
        ren[q.symbol] = sym(f"{prefix}__{q.name}")
    for let in m.lets:
        ren[let.symbol] = sym(f"{prefix}__{let.name}")

    def qs(items):
        return tuple(dataclasses.replace(q, symbol=ren[q.symbol]) for q in items)

    return dataclasses.replace(
        m, parameters=qs(m.parameters), states=qs(m.states), inputs=qs(m.inputs),
        lets=tuple(Let(x.name, ren[x.symbol], x.expr.xreplace(ren), x.doc) for x in m.lets),
        drift={k: v.xreplace(ren) for k, v in m.drift.items()},
        diffusion={k: {n: g.xreplace(ren) for n, g in d.items()} for k, d in m.diffusion.items()},
        outputs=tuple(Output(o.name, o.expr.xreplace(ren), o.unit, o.factor, o.doc)
                      for o in m.outputs)), ren


def plan_forward(model: ModelIR, scheme, drive: sp.Expr, target: str, *,
                 projected: bool = False) -> ForwardPlan:
    """Plan `model` (a ModelIR with no noise) as a fused forward monitor fed at `target`;
    `projected`: its outputs are mixed across the nodes by a matrix at each sample (sensors)."""
    if model.noises:
        raise ValueError(f"forward model {model.name} has noise; a fused forward monitor "
                         "integrates a deterministic model")
    if model.delays:
        raise ValueError(f"forward model {model.name} uses delay(); not supported in a fused "
                         "forward monitor")
    m, ren = _renamed_model(model, PREFIX)
    tq = model.quantity(target)
    if tq.kind != "input":
        raise ValueError(f"{target!r} is not an input of {model.name} (inputs: "
                         f"{', '.join(q.name for q in model.inputs)})")
    step = build_step(m, scheme)
    fdt = sym("_fdt")
    generated = {a.target for a in (*step.prelude, *step.body)
                 if a.target.name.startswith("_")}
    tmp = {s: sym(f"_fw{s.name}") for s in generated}
    tmp[step.dt] = fdt

    def moved(assigns):
        return [Assign(tmp.get(a.target, a.target), a.expr.xreplace(tmp), a.comment)
                for a in assigns]

    step = dataclasses.replace(step, prelude=moved(step.prelude), body=moved(step.body),
                               new_state={k: tmp.get(v, v) for k, v in step.new_state.items()},
                               dt=fdt)
    lets, outs = output_values(m, sampled=False, dt=fdt, noise=())
    rename_lets = {a.target: sym(f"_fw{a.target.name}") for a in lets}
    lets = [Assign(rename_lets[a.target], a.expr.xreplace(rename_lets), a.comment) for a in lets]
    outs = [o.xreplace(rename_lets) for o in outs]
    return ForwardPlan(m, step, drive, ren[tq.symbol], fdt, lets, outs, projected)
