"""The discrete adjoint of a fused network kernel, as assignments.

The gradient of a loss of a network run is the reverse sweep of the run's time loop; this
module writes, from the same plans the forward kernel is printed from, the pieces that
sweep evaluates per node and step (each a vector-Jacobian product from `ir.reverse`):

* `node`: the step of node i at time g. It reads the state X_g, the parameters, the
  inputs, the step's normals, the coupling receivers' inputs (`_xi<k>`, `_acc<k>`, `_rs<k>`)
  and the adjoint of the next state (`_adl_<state>`). It writes the adjoint of X_g through
  the step (`_adx_<state>`), of each parameter (`_adp_<param>`), of each coupling
  parameter (`_adc<n>`), and of the receiver inputs (`_adacc<k>`, `_adrs<k>`, `_adxi<k>`).
* `edge[k]` (per-edge couplings only): `value = pre(x_i, x_j)` of one edge, seeded with
  `_adv<k>` = w_ij * adjoint of `_acc<k>`, giving `_adej<k>` (d/dx_j), `_adei<k>` (d/dx_i)
  and `_adec<k>_<n>` (coupling parameters).
* `first[k]`: `_xi<k> = coupled(X_i)`, seeded with `_adxi<k>`: into the state's and the
  parameters' adjoints (`_afx<k>_<state>`, `_afp<k>_<param>`).
* `sender[k]`: the value node j sends at time g, seeded with `_adpend<k>` (the sum of every
  later read of it, collected in a ring of pending adjoints): `_asx<k>_<state>`,
  `_asp<k>_<param>`, `_asc<k>_<n>`.
* `monitor`: the recorded values at the end of step g, seeded with `_adr<row>` (the
  loss's gradient with respect to the sample): `_amx_<state>`, `_amp_<param>`.

The template (`templates/numba/adjoint.py.j2`) lays out the loops: the reverse time loop,
the edge gathers and scatters and the pending ring; see docs/gradients.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

import sympy as sp

from ..integrators.step import raw_step
from ..ir.analysis import Assign
from ..ir.lower import sym
from ..ir.reverse import check_printable, vjp
from .coupling import receiver_varying
from .kernel import KernelPlan


class GradientRefused(ValueError):
    """The gradient of this kernel cannot be computed (the reason says why)."""


@dataclass
class VJP:
    """Assignments of one vector-Jacobian product and where its results go:
    `outputs` = (array kind, row, symbol): the template adds `symbol` to `kind[row]`."""

    body: List[Assign]
    outputs: List[Tuple[str, int, sp.Symbol]] = field(default_factory=list)

    def reads(self) -> set:
        return set().union(*(a.expr.free_symbols for a in self.body)) if self.body else set()


@dataclass
class AdjointPlan:
    """The pieces of a network kernel's adjoint (see the module docstring)."""

    forward: KernelPlan
    node: VJP
    receiver_adjoints: List[Tuple[sp.Symbol, sp.Symbol, sp.Symbol]]   # (_adacc, _adrs, _adxi)
    edge: Dict[int, VJP]
    first: Dict[int, VJP]
    sender: Dict[int, VJP]
    monitor: VJP
    needs_noise: bool

    @property
    def model(self):
        return self.forward.model


def _cparam_index(plan: KernelPlan) -> Dict[sp.Symbol, int]:
    out, offset = {}, 0
    for c in plan.couplings:
        for i, (_q, s) in enumerate(c.params):
            out[s] = offset + i
        offset += len(c.params)
    return out


def _vjp(body: Sequence[Assign], seeds, wrt: Sequence[Tuple[str, int, sp.Symbol]],
         out_prefix: str, bar_prefix: str) -> VJP:
    """VJP of `body` for `wrt` = (array kind, row, symbol); outputs named
    `<out_prefix><kind>_<symbol>`."""
    syms = [s for _k, _r, s in wrt]
    outs = [sym(f"{out_prefix}{k}_{s.name}") for k, _r, s in wrt]
    assigns = vjp(body, seeds, syms, outs, prefix=bar_prefix)
    check_printable(assigns)
    kept = [(k, r, o) for (k, r, _s), o in zip(wrt, outs)]
    # an adjoint that is identically 0 adds nothing: drop its assignment and output
    zero = {a.target for a in assigns if a.target in set(outs) and a.expr == 0}
    assigns = [a for a in assigns if a.target not in zero]
    return VJP(assigns, [x for x in kept if x[2] not in zero])


def refusal(plan: KernelPlan) -> str:
    """Why the adjoint of `plan` cannot be generated ('' when it can)."""
    m = plan.model
    if plan.kind != "network":
        return "gradients are computed for network kernels (wrap the node in a Network)"
    if m.delays:
        return (f"{m.name} has delayed states of its own ({', '.join(d.state for d in m.delays)}); "
                "gradients through a model's own delays are not supported yet")
    if plan.forward is not None:
        return "gradients through a fused forward monitor (BOLD) are not supported yet"
    return ""


def plan_adjoint(plan: KernelPlan) -> AdjointPlan:
    """The adjoint pieces of the fused network kernel `plan` (GradientRefused if unsupported)."""
    why = refusal(plan)
    if why:
        raise GradientRefused(why)
    m = plan.model
    states = [q.symbol for q in m.states]
    params = [q.symbol for q in m.parameters]
    cindex = _cparam_index(plan)
    couplings = plan.couplings
    receivers = [a for c in couplings for a in c.receiver]
    step = raw_step(m, plan.step.scheme, pre_step=receivers,
                    extra_varying=receiver_varying(couplings))
    seeds = {step.new_state[q.name]: sym(f"_adl_{q.symbol.name}") for q in m.states}
    wrt = [("x", i, s) for i, s in enumerate(states)]
    wrt += [("p", i, s) for i, s in enumerate(params)]
    wrt += [("c", i, s) for s, i in cindex.items()]
    recv = []
    for c in couplings:
        wrt += [("acc", c.index, c.reduction.acc), ("rs", c.index, c.rowsum),
                ("xi", c.index, c.x_i)]
        recv.append((sym(f"_adacc_{c.reduction.acc.name}"), sym(f"_adrs_{c.rowsum.name}"),
                     sym(f"_adxi_{c.x_i.name}")))
    node = _vjp(step.body, seeds, wrt, "_ad", "_adb")
    # receiver adjoints keep their names even when identically zero (the template reads them)
    present = {o for _k, _r, o in node.outputs}
    for a in recv:
        for s in a:
            if s not in present:
                node.body.append(Assign(s, sp.Integer(0), "no dependence"))
    node.outputs = [o for o in node.outputs if o[0] in ("x", "p", "c")]

    edge, first, sender = {}, {}, {}
    for c in couplings:
        k = c.index
        cwrt = [("c", cindex[s], s) for _q, s in c.params]
        if c.reduction.per_edge:
            val = sym(f"_aval{k}")
            body = [Assign(val, c.reduction.value, f"coupling {c.name}: pre(x_i, x_j)")]
            edge[k] = _vjp(body, {val: sym(f"_adv{k}")},
                           [("ej", k, c.reduction.x_j), ("ei", k, c.x_i)] + cwrt,
                           f"_ae{k}", f"_aeb{k}")
            for name, s in ((f"_ae{k}ej_{c.reduction.x_j.name}", "ej"),
                            (f"_ae{k}ei_{c.x_i.name}", "ei")):
                if not any(o[0] == s for o in edge[k].outputs):
                    edge[k].body.append(Assign(sym(name), sp.Integer(0), "no dependence"))
        first[k] = _vjp([c.receiver_first], {c.x_i: sym(f"_adxi_{c.x_i.name}")},
                        [("x", i, s) for i, s in enumerate(states)]
                        + [("p", i, s) for i, s in enumerate(params)], f"_af{k}", f"_afb{k}")
        sender[k] = _vjp(list(c.sender), {c.stored: sym(f"_adpend{k}")},
                         [("x", i, s) for i, s in enumerate(states)]
                         + [("p", i, s) for i, s in enumerate(params)] + cwrt,
                         f"_as{k}", f"_asb{k}")
    s = plan.sampling
    rec_seeds, rec_body = {}, list(s.lets)
    for row, e in s.values:
        v = sym(f"_arv{row}")
        rec_body.append(Assign(v, e, f"recorded row {row}"))
        rec_seeds[v] = sym(f"_adr{row}")
    monitor = _vjp(rec_body, rec_seeds, [("x", i, q) for i, q in enumerate(states)]
                   + [("p", i, q) for i, q in enumerate(params)], "_am", "_amb")
    noise = set(step.noise_z)
    needs_noise = bool(noise & (node.reads() | monitor.reads()))
    return AdjointPlan(plan, node, recv, edge, first, sender, monitor, needs_noise)
