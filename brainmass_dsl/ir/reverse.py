"""Reverse-mode differentiation of straight-line assignments (source to source).

`reverse(body, seeds, wrt)` reads a list of assignments `v_k = f_k(...)` (each target
assigned once, as the Step IR is) and writes the assignments of its vector-Jacobian
product: given the adjoints `seeds` of some targets (usually the next states, seeded with
the adjoint of the state one step later), the adjoint of every symbol in `wrt`,

    bar(s) = sum over uses v_k = f_k(.., s, ..) of  d f_k / d s * bar(v_k)

walked from the last assignment to the first. Partial derivatives come from SymPy
(`sp.diff`); the kinks of `Max`, `Min`, `Abs`, `Piecewise` get the derivative of the branch
taken (a one-sided derivative at the kink itself), which is the derivative of the code the
forward kernel runs. The result is the gradient of the discrete step, exact to rounding.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Sequence, Set, Tuple

import sympy as sp

from .analysis import Assign


class NotDifferentiable(ValueError):
    """An expression SymPy cannot differentiate into printable code."""


@dataclass
class Adjoint:
    """The assignments of a VJP and the expression of each requested adjoint.

    `body`: the forward assignments the adjoints read (pruned to what they need) followed
    by the adjoint temporaries; `grads[s]`: the adjoint of `s` (a symbol or 0)."""

    body: List[Assign]
    grads: Dict[sp.Symbol, sp.Expr]


def _derivative(expr: sp.Expr, s: sp.Symbol) -> sp.Expr:
    d = sp.diff(expr, s)
    # d/dx Max(x, c) is Heaviside(x - c): printed as (x - c > 0), the branch the forward takes
    if d.has(sp.Derivative, sp.Subs):
        raise NotDifferentiable(f"cannot differentiate {expr} with respect to {s}")
    if d.has(sp.DiracDelta):
        d = d.replace(sp.DiracDelta, lambda *a: sp.Integer(0))
    return d


def reverse(body: Sequence[Assign], seeds: Mapping[sp.Symbol, sp.Expr],
            wrt: Iterable[sp.Symbol], *, prefix: str = "_b") -> Adjoint:
    """The VJP of straight-line `body` (see the module docstring).

    `seeds`: target -> its adjoint (an expression, usually a symbol the kernel loads);
    `wrt`: the independent symbols whose adjoints are wanted; `prefix`: of the adjoint
    temporaries (`<prefix>_<target>`), chosen by the caller to be free in its namespace."""
    targets = [a.target for a in body]
    if len(set(targets)) != len(targets):
        raise ValueError("reverse(): every target must be assigned once")
    wrt = list(wrt)
    active: Set[sp.Symbol] = set(targets) | set(wrt)
    contrib: Dict[sp.Symbol, List[sp.Expr]] = {s: [] for s in active}
    for t, e in seeds.items():
        if t not in active:
            raise ValueError(f"reverse(): seed for {t}, which is neither a target nor in wrt")
        contrib[t].append(e)
    adjoint: List[Assign] = []
    for a in reversed(body):
        parts = contrib[a.target]
        if not parts:
            continue
        bar = sp.Symbol(f"{prefix}_{a.target.name}", real=True)
        adjoint.append(Assign(bar, sp.Add(*parts), f"adjoint of {a.target.name}"))
        for s in sorted(a.expr.free_symbols & active, key=lambda x: x.name):
            d = _derivative(a.expr, s)
            if d != 0:
                contrib[s].append(d * bar)
    grads = {s: sp.Add(*contrib[s]) for s in wrt}
    needed = set().union(*(g.free_symbols for g in grads.values())) if grads else set()
    needed |= set().union(*(a.expr.free_symbols for a in adjoint)) if adjoint else set()
    forward = _prune(body, needed)
    return Adjoint(forward + adjoint, grads)


def _prune(body: Sequence[Assign], needed: Set[sp.Symbol]) -> List[Assign]:
    """The assignments of `body` that `needed` reads, directly or through others."""
    keep: List[Assign] = []
    need = set(needed)
    for a in reversed(body):
        if a.target in need:
            keep.append(a)
            need |= a.expr.free_symbols
    keep.reverse()
    return keep


def vjp(body: Sequence[Assign], seeds: Mapping[sp.Symbol, sp.Expr],
        wrt: Sequence[sp.Symbol], outputs: Sequence[sp.Symbol], *,
        prefix: str = "_b") -> List[Assign]:
    """`reverse` with each adjoint assigned to its output symbol: `outputs[k] = bar(wrt[k])`
    as the last assignments (0 where wrt[k] does not influence the seeded targets)."""
    adj = reverse(body, seeds, wrt, prefix=prefix)
    return adj.body + [Assign(o, adj.grads[s], f"d/d{s.name}") for s, o in zip(wrt, outputs)]


def free_inputs(assigns: Sequence[Assign]) -> Set[sp.Symbol]:
    """Symbols `assigns` read that none of them assigns before."""
    out: Set[sp.Symbol] = set()
    done: Set[sp.Symbol] = set()
    for a in assigns:
        out |= a.expr.free_symbols - done
        done.add(a.target)
    return out


def check_printable(assigns: Sequence[Assign]) -> Tuple[()]:
    """NotDifferentiable if a derivative left an unevaluated SymPy object."""
    for a in assigns:
        if a.expr.has(sp.Derivative, sp.Subs, sp.DiracDelta):
            raise NotDifferentiable(f"{a.target} = {a.expr}")
    return ()
