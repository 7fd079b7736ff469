"""Forward sensitivities of a fused network kernel, as assignments.

The tangent of a network run along a direction of the parameters (d params, d coupling
parameters, d weights) is carried alongside the states: each step's tangent of the state is
the Jacobian-vector product of the same step the forward kernel takes. This module writes,
from the plans the forward kernel is printed from, the pieces the tangent kernel evaluates
per node and step (each a JVP from `ir.tangent`); they mirror `plan.adjoint`'s VJPs:

* `node`: the step of node i at time g. It reads the state X_g, the parameters, the inputs,
  the step's normals, the coupling receivers' inputs (`_xi<k>`, `_acc<k>`, `_rs<k>`) and
  their tangents (`_tgx_<state>`, `_tgp_<param>`, `_tgc_<cparam>`, `_tgacc<k>`, `_tgrs<k>`,
  `_tgxi<k>`), and writes the tangent of X_{g+1} (`_tgn_<state>`).
* `edge[k]` (per-edge couplings): the tangent `_tgv<k>` of `pre(x_i, x_j)` from those of
  x_i, x_j (`_tgxj<k>`, the tangent of the sent value) and the coupling parameters.
* `first[k]`: the tangent `_tgxi<k>` of `_xi<k> = coupled(X_i)`.
* `sender[k]`: the tangent `_tgs<k>` of the value node j sends at time g.
* `monitor`: the tangents `_tgr<row>` of the recorded values at the end of step g, from
  the tangent of X_{g+1}.

The template (`templates/numba/tangent.py.j2`) lays out the loops; see docs/gradients.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple

import sympy as sp

from ..integrators.step import raw_step
from ..ir.analysis import Assign
from ..ir.lower import sym
from ..ir.reverse import check_printable
from ..ir.tangent import jvp
from .adjoint import GradientRefused, refusal
from .coupling import receiver_varying
from .kernel import KernelPlan


@dataclass
class TangentPlan:
    """The pieces of a network kernel's tangent (see the module docstring)."""

    forward: KernelPlan
    node: List[Assign]
    new_tangents: List[sp.Symbol]                       # per state, in state order
    receiver_tangents: List[Tuple[sp.Symbol, sp.Symbol, sp.Symbol]]   # (_tgacc, _tgrs, _tgxi)
    edge: Dict[int, List[Assign]]
    edge_xj: Dict[int, sp.Symbol]
    edge_value: Dict[int, sp.Symbol]
    first: Dict[int, List[Assign]]
    sender: Dict[int, List[Assign]]
    sender_value: Dict[int, sp.Symbol]
    monitor: List[Assign]
    monitor_rows: List[Tuple[int, sp.Symbol]]
    needs_noise: bool

    @property
    def model(self):
        return self.forward.model


def state_tangent(s: sp.Symbol) -> sp.Symbol:
    return sym(f"_tgx_{s.name}")


def param_tangent(s: sp.Symbol) -> sp.Symbol:
    return sym(f"_tgp_{s.name}")


def cparam_tangent(s: sp.Symbol) -> sp.Symbol:
    return sym(f"_tgc_{s.name}")


def _checked(assigns: List[Assign]) -> List[Assign]:
    check_printable(assigns)
    return assigns


def plan_tangent(plan: KernelPlan) -> TangentPlan:
    """The tangent pieces of the fused network kernel `plan` (GradientRefused if the
    kernel cannot be differentiated; the reasons are the adjoint's)."""
    why = refusal(plan)
    if why:
        raise GradientRefused(why)
    m = plan.model
    couplings = plan.couplings
    base = {q.symbol: state_tangent(q.symbol) for q in m.states}
    base.update({q.symbol: param_tangent(q.symbol) for q in m.parameters})
    cpar = {s: cparam_tangent(s) for c in couplings for _q, s in c.params}
    receivers = [a for c in couplings for a in c.receiver]
    step = raw_step(m, plan.step.scheme, pre_step=receivers,
                    extra_varying=receiver_varying(couplings))
    tangents = dict(base)
    tangents.update(cpar)
    recv = []
    for c in couplings:
        k = c.index
        t = (sym(f"_tgacc{k}"), sym(f"_tgrs{k}"), sym(f"_tgxi{k}"))
        tangents.update({c.reduction.acc: t[0], c.rowsum: t[1], c.x_i: t[2]})
        recv.append(t)
    new = [sym(f"_tgn_{q.symbol.name}") for q in m.states]
    node = _checked(jvp(step.body, tangents,
                        {step.new_state[q.name]: o for q, o in zip(m.states, new)},
                        prefix="_tgb"))

    edge, edge_xj, edge_value, first, sender, sender_value = {}, {}, {}, {}, {}, {}
    for c in couplings:
        k = c.index
        ctan = {s: cpar[s] for _q, s in c.params}
        if c.reduction.per_edge:
            val, xj = sym(f"_tval{k}"), sym(f"_tgxj{k}")
            edge_xj[k], edge_value[k] = xj, sym(f"_tgv{k}")
            body = [Assign(val, c.reduction.value, f"coupling {c.name}: pre(x_i, x_j)")]
            edge[k] = _checked(jvp(body, {c.reduction.x_j: xj, c.x_i: recv[k][2], **ctan},
                                   {val: edge_value[k]}, prefix=f"_tge{k}"))
        first[k] = _checked(jvp([c.receiver_first], base, {c.x_i: recv[k][2]},
                                prefix=f"_tgf{k}"))
        sender_value[k] = sym(f"_tgs{k}")
        sender[k] = _checked(jvp(list(c.sender), {**base, **ctan},
                                 {c.stored: sender_value[k]}, prefix=f"_tgsb{k}"))
    s = plan.sampling
    rec_body, rows = list(s.lets), []
    outs = {}
    for row, e in s.values:
        v = sym(f"_trv{row}")
        rec_body.append(Assign(v, e, f"recorded row {row}"))
        outs[v] = sym(f"_tgr{row}")
        rows.append((row, outs[v]))
    monitor = _checked(jvp(rec_body, base, outs, prefix="_tgm"))
    noise = set(step.noise_z)
    reads = set().union(*(a.expr.free_symbols for a in node + monitor))
    return TangentPlan(plan, node, new, recv, edge, edge_xj, edge_value, first, sender,
                       sender_value, monitor, rows, bool(noise & reads))
