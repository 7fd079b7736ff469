"""Explicit Runge-Kutta schemes from their Butcher tableau, with the noise modes of
`schemes.Scheme`: none (ODE), "em" (Euler-Maruyama increment added to the final update),
"additive" (the same increment also enters the stages at c_i > 0: stochastic Heun-type)."""
from __future__ import annotations

from fractions import Fraction
from typing import Dict, List

import sympy as sp

from ..ir.analysis import Assign
from ..ir.lower import sym
from .writer import StepWriter


def _q(f: Fraction) -> sp.Rational:
    return sp.Rational(f.numerator, f.denominator)


def write_runge_kutta(w: StepWriter) -> Dict[str, sp.Symbol]:
    """Write the stages and the update of `w.scheme`'s tableau; {state: next symbol}."""
    scheme, dt = w.scheme, w.dt
    k_all: List[Dict[str, sp.Symbol]] = []
    incr = {q.name: w.noise_increment(q, {}) for q in w.states}
    for i in range(scheme.stages):
        if i == 0:
            mapping = {q.symbol: q.symbol for q in w.states}
        else:
            mapping = {}
            for q in w.states:
                acc = sum((_q(a) * k_all[j][q.name] for j, a in enumerate(scheme.a[i - 1])
                           if a != 0), sp.Integer(0))
                expr = q.symbol + dt * acc
                if scheme.noise == "additive" and scheme.c[i] != 0:
                    expr = expr + _q(scheme.c[i]) * incr[q.name]
                s = sym(f"{q.symbol.name}__s{i + 1}")
                w.body.append(Assign(s, expr, f"stage {i + 1} value of {q.name}"))
                mapping[q.symbol] = s
        c = scheme.c[i]
        t_i = w.t + _q(c) * dt if c != 0 else w.t
        k_all.append(w.stage(i + 1, mapping, t_i))
    new_state = {}
    for q in w.states:
        acc = sum((_q(b) * k_all[i][q.name] for i, b in enumerate(scheme.b) if b != 0),
                  sp.Integer(0))
        new_state[q.name] = w.finish(q, q.symbol + dt * acc + incr[q.name])
    return new_state
