"""The network IR: a node model, its coupling terms, and the node step with coupling inputs.

A coupling term sends `couples` (or any expression of the node's states) along weighted,
delayed edges: for node i, s_i = sum_j w_ij pre(c_i, c_j(t - d_ij)) and the target input
of node i receives post(s_i). Couplings are unit-generic and work in canonical units: the
coupled value enters `pre` in canonical units (mV, 1/ms, ...) and `post` gives the target
input's value in canonical units (e.g. SigmoidalJansenRit's cmax = 0.005 is 0.005/ms = 5 Hz).

When `pre(x_i, x_j) = A(x_i) + B(x_i) * G(x_j)` (diffusive, additive, sigmoidal couplings)
the kernel stores G(c_j) in the history and the per-edge work is one multiply-add; other
couplings (e.g. Kuramoto's sin(x_j - x_i - alpha)) are evaluated per edge.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import sympy as sp

from .lower import sym
from .model import CouplingIR, ModelIR


@dataclass
class CouplingTerm:
    name: str                    # parameter prefix, e.g. "coupling"
    coupling: CouplingIR
    coupled: sp.Expr             # expression of the node's symbols (canonical units)
    coupled_text: str
    target: str                  # input receiving post(s)
    input_symbol: sp.Symbol      # the kernel variable holding post(s) (canonical)
    separable: Optional[Tuple[sp.Expr, sp.Expr, sp.Expr]]  # (A(x_i), B(x_i), G(x_j))


@dataclass
class NetworkIR:
    node: ModelIR                # the node with coupling inputs added to its target inputs
    terms: List[CouplingTerm]

    @property
    def extra_varying(self) -> List[sp.Symbol]:
        return [t.input_symbol for t in self.terms]


def separate(pre: sp.Expr, x_i: sp.Symbol, x_j: sp.Symbol):
    """(A, B, G) with pre = A(x_i) + B(x_i) * G(x_j), or None if pre is not of that form.

    >>> xi, xj = sp.symbols("x_i x_j", real=True)
    >>> separate(xj - xi, xi, xj)
    (-x_i, 1, x_j)
    >>> A, B, G = separate(1 / (1 + sp.exp(-xj)), xi, xj); (A, B, G == 1 / (1 + sp.exp(-xj)))
    (0, 1, True)
    >>> separate(sp.sin(xj - xi), xi, xj) is None
    True
    """
    free = pre.free_symbols
    if x_j not in free:
        return pre, sp.Integer(0), sp.Integer(0)
    if x_i not in free:
        return sp.Integer(0), sp.Integer(1), pre
    d = sp.diff(pre, x_j)
    if x_j not in d.free_symbols:  # affine in x_j
        return sp.expand(pre - d * x_j), d, x_j
    expanded = sp.expand(pre)
    if isinstance(expanded, sp.Add):
        a_terms = [t for t in expanded.args if x_j not in t.free_symbols]
        g_terms = [t for t in expanded.args if x_j in t.free_symbols]
        if all(x_i not in t.free_symbols for t in g_terms):
            return sp.Add(*a_terms), sp.Integer(1), sp.Add(*g_terms)
    return None


def build_network_ir(node: ModelIR, terms: List[CouplingTerm]) -> NetworkIR:
    """Add each term's input symbol to its target input inside the node equations."""
    inputs = {q.name: q.symbol for q in node.inputs}
    extra = {}
    for t in terms:
        s = inputs[t.target]
        extra[s] = extra.get(s, s) + t.input_symbol
    drift = {k: v.xreplace(extra) for k, v in node.drift.items()}
    diffusion = {k: {n: g.xreplace(extra) for n, g in d.items()} for k, d in node.diffusion.items()}
    lets = tuple(type(let)(let.name, let.symbol, let.expr.xreplace(extra), let.doc)
                 for let in node.lets)
    import dataclasses

    coupled_node = dataclasses.replace(node, drift=drift, diffusion=diffusion, lets=lets)
    return NetworkIR(coupled_node, terms)


def coupling_input_symbol(index: int) -> sp.Symbol:
    return sym(f"_cin{index}")
