"""Exponential Euler (brainmass's default): per state, x + dt * phi(dt * J_ii) * f_i with
phi(z) = (e^z - 1)/z = `exprel` and J_ii = d f_i / d x_i (through the lets, chain rule),
plus the Euler-Maruyama noise increment. Exact for linear decay."""
from __future__ import annotations

from typing import Dict

import sympy as sp

from ..ir.analysis import Assign, jacobian_diagonal_through_lets
from ..ir.functions import exprel
from ..ir.lower import sym
from .writer import StepWriter


def write_exponential_euler(w: StepWriter) -> Dict[str, sp.Symbol]:
    """Write one exponential Euler step; {state: next symbol}."""
    dt = w.dt
    ks = w.stage(1, {q.symbol: q.symbol for q in w.states}, w.t)
    jac_temps, jac = jacobian_diagonal_through_lets(w.model)   # reads stage 1's lets
    w.body.extend(jac_temps)
    new_state = {}
    for q in w.states:
        incr = w.noise_increment(q, {})
        j = jac[q.name]
        if j == 0:
            update = q.symbol + dt * ks[q.name]
        else:
            jsym = sym(f"_J_{q.symbol.name}")
            w.body.append(Assign(jsym, j, f"Jacobian diagonal d(d{q.name}/dt)/d{q.name}"))
            update = q.symbol + dt * exprel(dt * jsym) * ks[q.name]
        new_state[q.name] = w.finish(q, update + incr)
    return new_state
