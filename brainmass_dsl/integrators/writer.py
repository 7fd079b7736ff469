"""What every scheme family writes with: the step's symbols, its body, and the pieces all
schemes share (a stage's lets and slopes, the noise increment, the clipped next state).

A family (`runge_kutta.py`, `exponential.py`) gets a `StepWriter`, appends assignments to
`body` through these helpers, and returns `{state: <state>__next symbol}`.
"""
from __future__ import annotations

from typing import Dict, List, Sequence, Set

import sympy as sp

from ..ir.analysis import Assign
from ..ir.lower import sym
from ..ir.model import ModelIR


def varying_symbols(model: ModelIR, extra: Set[sp.Symbol]) -> Set[sp.Symbol]:
    """Symbols that change during a run: states, inputs, t, delayed values (+ extra)."""
    v = {q.symbol for q in (*model.states, *model.inputs)} | {model.t}
    v |= {d.symbol for d in model.delays} | set(extra)
    return v


class StepWriter:
    """The raw step being written for `model` by `scheme`."""

    def __init__(self, model: ModelIR, scheme, *, extra_varying: Sequence[sp.Symbol] = (),
                 pre_step: Sequence[Assign] = ()):
        self.model, self.scheme = model, scheme
        self.dt = sym("dt")
        self.t = model.t
        self.z = tuple(sp.Symbol(f"_z{k}", real=True) for k in range(len(model.noises)))
        self.zmap = dict(zip(model.noises, self.z))
        varying = varying_symbols(model, set(extra_varying) | {a.target for a in pre_step})
        self.varying_lets: Set[sp.Symbol] = set()
        for let in model.lets:
            if let.expr.free_symbols & (varying | self.varying_lets):
                self.varying_lets.add(let.symbol)
        self.body: List[Assign] = list(pre_step)
        # loop-invariant lets keep their own names and are computed once
        for let in model.lets:
            if let.symbol not in self.varying_lets:
                self.body.append(Assign(let.symbol, let.expr, f"let {let.name}"))

    @property
    def states(self):
        return self.model.states

    def noise_increment(self, q, mapping: Dict[sp.Symbol, sp.Expr]) -> sp.Expr:
        """sqrt(dt) * sum_k g_k(x) z_k for state `q` (0 without noise)."""
        terms = self.model.diffusion.get(q.name, {})
        if not terms:
            return sp.Integer(0)
        return sum((g.xreplace(mapping) * self.zmap[k] for k, g in terms.items()),
                   sp.Integer(0)) * sp.sqrt(self.dt)

    def stage(self, i: int, mapping: Dict[sp.Symbol, sp.Expr], t_i) -> Dict[str, sp.Symbol]:
        """Stage `i`'s varying lets and slopes `_k<i>_<x>` at states `mapping` and time t_i."""
        m = self.model
        full = dict(mapping)
        full[self.t] = t_i
        suffix = "" if i == 1 else f"__s{i}"
        for let in m.lets:
            if i > 1 and let.name in m.held:
                continue     # held over the step: every stage reads stage 1's value
            if let.symbol in self.varying_lets:
                target = sym(let.name + suffix) if suffix else let.symbol
                self.body.append(Assign(target, let.expr.xreplace(full),
                                        f"let {let.name}" + (f" (stage {i})" if suffix else "")))
                full[let.symbol] = target
        ks = {}
        for q in m.states:
            k = sym(f"_k{i}_{q.symbol.name}")
            self.body.append(Assign(k, m.drift[q.name].xreplace(full),
                                    f"d({q.name})/dt = {m.equation_text.get(q.name, '')}"
                                    + (f"  [stage {i}]" if self.scheme.stages > 1 else "")))
            ks[q.name] = k
        return ks

    def finish(self, q, update: sp.Expr) -> sp.Symbol:
        """Append `<state>__next = update`, clipped to the state's bounds."""
        target = sym(f"{q.symbol.name}__next")
        if q.lo is not None:
            update = sp.Max(update, q.lo)
        if q.hi is not None:
            update = sp.Min(update, q.hi)
        self.body.append(Assign(target, update, f"next {q.name}" + (
            " (clipped to its bounds)" if q.lo is not None or q.hi is not None else "")))
        return target
