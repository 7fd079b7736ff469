"""A coupling term lowered to assignments: what a node sends, how edges are summed, and
what the receiving node computes.

For term k, node j *sends* `_xj<k> = coupled(states of j)` and writes `stored` into the
history window (G(_xj<k>) when pre = A(x_i) + B(x_i) G(x_j), else _xj<k> itself). Node i
*reduces* its in-edges, `_acc<k> = sum_j w_ij value_j(t - d_ij)`, where `value` is the stored
number, or `pre(_xi<k>, _xj<k>)` evaluated per edge. It then *receives*
`_ssum<k> = A _rs<k> + B _acc<k>` (`_rs<k>`: its row sum of weights; the per-edge sum as is)
and `_cin<k> = post(_ssum<k>)`, the value added to the target input. The receiver
assignments join the Step IR like any other; the sender and the edge loop are laid out by
the backend's template, which prints these expressions and composes none.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

import sympy as sp

from ..ir.analysis import Assign
from ..ir.lower import sym
from ..ir.model import ModelIR, Quantity
from ..ir.network import CouplingTerm


@dataclass(frozen=True)
class EdgeReduction:
    """`acc = sum over in-edges of w_ij * value`; `value` reads `x_j`, the sender's entry in
    the history window at lag d_ij (and `x_i` for a per-edge coupling)."""

    acc: sp.Symbol
    x_j: sp.Symbol
    value: sp.Expr
    per_edge: bool


@dataclass
class CouplingPlan:
    """Term `index` of a network, lowered (see the module docstring)."""

    index: int
    term: CouplingTerm
    params: Tuple[Tuple[Quantity, sp.Symbol], ...]   # coupling parameters, kernel symbols
    sender: List[Assign]            # node j's sent value, the last target is `stored`
    stored: sp.Symbol
    receiver_first: Assign          # `_xi<k> = coupled(states of i)`, before the edge loop
    reduction: EdgeReduction
    rowsum: sp.Symbol
    receiver: List[Assign]          # _ssum<k>, then _cin<k> = post(_ssum<k>)
    sender_params: Tuple[str, ...]  # coupling parameters the sent value depends on
    sends_coupled: bool = True      # the sent value is the coupled value itself (G = x_j)

    @property
    def name(self) -> str:
        return self.term.name

    def sender_reads(self, node: ModelIR) -> Tuple[List[Quantity], List[Quantity]]:
        """(states, parameters) of the node that the sent value reads."""
        used = set().union(*(a.expr.free_symbols for a in self.sender))
        return ([q for q in node.states if q.symbol in used],
                [q for q in node.parameters if q.symbol in used])

    @property
    def x_i(self) -> sp.Symbol:
        return self.receiver_first.target


def plan_coupling(index: int, term: CouplingTerm, node: ModelIR) -> CouplingPlan:
    """Lower `term` (term number `index` of the network around `node`)."""
    c = term.coupling
    k = index
    psym = tuple((q, sym(f"{term.name}__{q.name}")) for q in c.parameters)
    x_i, x_j = sym(f"_xi{k}"), sym(f"_xj{k}")
    names = {q.symbol: s for q, s in psym}
    names.update({c.x_i: x_i, c.x_j: x_j, c.n_nodes: sym("_Nf")})
    lets = {let.symbol: let.expr for let in c.lets}

    def lower(e: sp.Expr) -> sp.Expr:
        for _ in range(len(lets) + 1):
            e = e.xreplace(lets)
        return e.xreplace(names)

    coupled = node.expand_lets(term.coupled)
    acc, ssum, rowsum = sym(f"_acc{k}"), sym(f"_ssum{k}"), sym(f"_rs{k}")
    stored = sym(f"_sent{k}")
    sender = [Assign(x_j, coupled, f"coupling {term.name}: coupled value {term.coupled_text}")]
    receiver: List[Assign] = []
    if term.separable is None:
        value = lower(c.pre)
        reduction = EdgeReduction(acc, x_j, value, per_edge=True)
        sender.append(Assign(stored, x_j, "sent as is: pre(x_i, x_j) is evaluated per edge"))
        receiver.append(Assign(ssum, acc, f"coupling {term.name}: sum_j w_ij pre(x_i, x_j)"))
        sender_params: Tuple[str, ...] = ()
    else:
        a, b, g = (lower(x) for x in term.separable)
        reduction = EdgeReduction(acc, x_j, x_j, per_edge=False)
        sender.append(Assign(stored, g, "sent G(x_j) of pre = A(x_i) + B(x_i) G(x_j)"))
        receiver.append(Assign(ssum, _combine(a, b, rowsum, acc),
                               f"coupling {term.name}: A(x_i) sum_j w_ij + B(x_i) "
                               "sum_j w_ij G(x_j)"))
        used = g.free_symbols
        sender_params = tuple(sorted(q.name for q, s in psym if s in used))
    receiver.append(Assign(term.input_symbol, lower(c.post).xreplace({c.s: ssum}),
                           f"coupling {term.name} ({c.name}) into input {term.target}: post(s)"))
    first = Assign(x_i, coupled, f"coupling {term.name}: the receiver's own {term.coupled_text}")
    sends_coupled = term.separable is None or sp.simplify(sender[-1].expr - x_j) == 0
    return CouplingPlan(index, term, psym, sender, stored, first, reduction, rowsum, receiver,
                        sender_params, sends_coupled)


def _combine(a: sp.Expr, b: sp.Expr, rowsum: sp.Symbol, acc: sp.Symbol) -> sp.Expr:
    """A * rowsum + B * acc, dropping zero terms and unit factors."""
    out: sp.Expr = sp.Integer(0)
    if a != 0:
        out += a * rowsum
    if b != 0:
        out += b * acc
    return out


def receiver_varying(plans: List[CouplingPlan]) -> List[sp.Symbol]:
    """Symbols the receiver assignments read that change every step (for the Step IR)."""
    out: List[sp.Symbol] = []
    for p in plans:
        out += [p.x_i, p.reduction.acc, p.rowsum]
    return out
