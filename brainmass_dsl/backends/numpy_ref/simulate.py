"""Reference integration straight from the Model IR: lambdified SymPy and plain loops.

It shares nothing with the code generator but the IR, the random numbers and the schemes'
data: any explicit Runge-Kutta scheme is evaluated here straight from its Butcher tableau
(with its noise mode: Euler-Maruyama or the additive stochastic-Heun increment), exponential
Euler by hand; the tableaus themselves are checked against the order conditions
(tests/test_schemes.py). A compiled kernel that matches it to rtol 1e-12 implements the same
mathematics. Used only by tests.
"""
from __future__ import annotations

import math
from typing import Dict

import numpy as np
import sympy as sp

from ...integrators.schemes import get as get_scheme
from ...ir.analysis import jacobian_diagonal
from ...ir.model import ModelIR
from ...libm import (portable_erf_numpy, portable_erfc_numpy, portable_exp_numpy,
                     portable_exprel_numpy, portable_tanh_numpy)
from ...rng import fast_normals_numpy


_MODULES = [{"exp": portable_exp_numpy, "exprel": portable_exprel_numpy,
             "tanh": portable_tanh_numpy, "erf": portable_erf_numpy,
             "erfc": portable_erfc_numpy,
             "Heaviside": lambda x: np.where(x > 0, 1.0, 0.0),
             "Min": np.minimum, "Max": np.maximum}, "numpy"]


def _held(model: ModelIR):
    """The symbols of the lets held over a step (`hold:`), in let order."""
    return [let.symbol for let in model.lets if let.name in model.held]


def _lambdify(model: ModelIR, exprs, expand_held: bool = False):
    """Functions of (parameters, states, inputs, delayed values, held lets, t); held lets stay
    arguments (their values from the step's start) unless `expand_held`."""
    held = _held(model)
    syms = [q.symbol for q in (*model.parameters, *model.states, *model.inputs)]
    syms += [d.symbol for d in model.delays] + held + [model.t]
    keep = () if expand_held else held
    full = [model.expand_lets_except(e, keep) for e in exprs]
    fns = [sp.lambdify(syms, e, modules=_MODULES) for e in full]
    return syms, fns


def reference_run(model: ModelIR, scheme: str, *, params: Dict[str, np.ndarray],
                  init: Dict[str, np.ndarray], inputs: Dict[str, np.ndarray], n_steps: int,
                  dt: float, seed: int = 0, step0: int = 0) -> np.ndarray:
    """States after each step, shape (n_steps, S, B, N); all arrays (B, N), canonical units."""
    states = [q.name for q in model.states]
    syms, f_fns = _lambdify(model, [model.drift[s] for s in states])
    g_fns = {s: {k: _lambdify(model, [g])[1][0] for k, g in model.diffusion[s].items()}
             for s in states}
    jac = jacobian_diagonal(model)
    _, j_fns = _lambdify(model, [jac[s] for s in states])
    held = _held(model)
    lets = model.let_map()
    _, held_fns = _lambdify(model, [lets[h] for h in held], expand_held=True)
    shape = next(iter(init.values())).shape
    B, N = shape
    x = {s: np.array(init[s], dtype=float) for s in states}
    bounds = {q.name: (q.lo, q.hi) for q in model.states}
    lag_steps = {d.symbol.name: np.rint(params[d.lag] / dt).astype(int) for d in model.delays}
    history = {s: [x[s].copy()] for s in {d.state for d in model.delays}}
    out = np.empty((n_steps, len(states), B, N))
    chosen = get_scheme(scheme)
    exponential = chosen.family == "exponential"
    rk = chosen if chosen.family == "runge_kutta" else None
    if not (exponential or rk):
        raise ValueError(scheme)
    bb, nn = np.meshgrid(np.arange(B), np.arange(N), indexing="ij")

    def env(xs, t, delayed):
        values = {q.symbol.name: params[q.name] for q in model.parameters}
        values.update({q.symbol.name: xs[q.name] for q in model.states})
        values.update({q.symbol.name: inputs[q.name] for q in model.inputs})
        values.update(delayed)
        args = [values[s.name] if s.name in values else t for s in syms]
        return [np.broadcast_to(a, shape) if isinstance(a, np.ndarray) else a for a in args]

    def f(xs, t, delayed):
        a = env(xs, t, delayed)
        return {s: np.broadcast_to(fn(*a), shape) for s, fn in zip(states, f_fns)}

    def noise(xs, t, delayed, z):
        a = env(xs, t, delayed)
        return {s: sum((np.broadcast_to(fn(*a), shape) * z[k] for k, fn in g_fns[s].items()),
                       np.zeros(shape)) for s in states}

    for i in range(n_steps):
        g = step0 + i
        t = g * dt
        delayed = {}
        for d in model.delays:
            h = history[d.state]
            lag = lag_steps[d.symbol.name]
            idx = np.maximum(len(h) - 1 - lag, 0)
            delayed[d.symbol.name] = np.array([[h[idx[b, n]][b, n] for n in range(N)]
                                               for b in range(B)])
        if held:      # held lets: from the state at the step's start, for every stage
            a0 = env(x, t, delayed)
            delayed.update({h.name: np.broadcast_to(fn(*a0), shape)
                            for h, fn in zip(held, held_fns)})
        z = {}
        for k, name in enumerate(model.noises):
            z[name] = fast_normals_numpy(seed, g, bb, nn, k)
        sq = math.sqrt(dt)
        if rk is not None:
            G = noise(x, t, delayed, z) if model.noises else {s: 0.0 for s in states}
            incr = {s: sq * G[s] for s in states}
            ks = []
            for st in range(rk.stages):
                xi = x
                if st > 0:
                    xi = {s: x[s] + dt * sum(float(a) * ks[j][s]
                                             for j, a in enumerate(rk.a[st - 1]) if a)
                          for s in states}
                    if rk.noise == "additive" and rk.c[st]:
                        xi = {s: xi[s] + float(rk.c[st]) * incr[s] for s in states}
                ks.append(f(xi, t + float(rk.c[st]) * dt, delayed))
            new = {s: x[s] + dt * sum(float(b) * ks[m][s] for m, b in enumerate(rk.b) if b)
                   + incr[s] for s in states}
        elif exponential:
            k1 = f(x, t, delayed)
            G = noise(x, t, delayed, z) if model.noises else {s: 0.0 for s in states}
            a = env(x, t, delayed)
            new = {}
            for s, jf in zip(states, j_fns):
                J = np.broadcast_to(jf(*a), shape)
                new[s] = x[s] + dt * portable_exprel_numpy(dt * J) * k1[s] + sq * G[s]
        for s in states:
            lo, hi = bounds[s]
            if lo is not None:
                new[s] = np.maximum(new[s], lo)
            if hi is not None:
                new[s] = np.minimum(new[s], hi)
        x = new
        for s in history:
            history[s].append(x[s].copy())
        for j, s in enumerate(states):
            out[i, j] = x[s]
    return out
