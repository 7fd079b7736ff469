"""Apply a scheme to a ModelIR: the Step IR, a backend-neutral list of assignments.

The step reads the current states, inputs (held constant across stages, as in brainmass),
delayed values, the standard normals `_z0, _z1, ...` of this step and `dt`, `t`; it writes
one `<state>__next` symbol per state. Parameter-only work goes to a prelude that backends
run once per node and run, not per step.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Set, Tuple

import sympy as sp

from ..ir.analysis import (Assign, cse, hoist, hoist_subexpressions,
                           jacobian_diagonal_through_lets, noise_kind)
from ..ir.functions import exprel
from ..ir.lower import sym
from ..ir.model import ModelIR
from .schemes import Scheme, get


class SchemeRefused(ValueError):
    """The chosen scheme cannot integrate this model (e.g. an ODE scheme on an SDE)."""


@dataclass
class StepIR:
    model: ModelIR
    scheme: Scheme
    dt: sp.Symbol
    noise_z: Tuple[sp.Symbol, ...]
    prelude: List[Assign]
    body: List[Assign]
    new_state: Dict[str, sp.Symbol]
    invariant: Set[sp.Symbol] = field(default_factory=set)

    @property
    def noise_kind(self) -> str:
        return noise_kind(self.model)[0]


def check_compatible(model: ModelIR, scheme: Scheme) -> None:
    kind, deps = noise_kind(model)
    if kind == "none":
        return
    noisy = [s for s in model.state_names if model.diffusion.get(s)]
    if scheme.noise is None:
        raise SchemeRefused(
            f"integrator {scheme.name!r} is for deterministic equations, but {model.name} has "
            f"noise in d({noisy[0]})/dt; use 'euler_maruyama' (any noise), 'heun_stochastic' "
            "(additive noise) or 'exp_euler'")
    if scheme.noise == "additive" and kind == "multiplicative":
        s, on = next(iter(deps.items()))
        raise SchemeRefused(
            f"integrator {scheme.name!r} needs additive noise, but the noise of d({s})/dt in "
            f"{model.name} depends on the state {', '.join(sorted(on))} (multiplicative noise); "
            "use 'euler_maruyama' or 'exp_euler'")


def _varying(model: ModelIR, extra: Set[sp.Symbol]) -> Set[sp.Symbol]:
    """Symbols that change during a run: states, inputs, t, delayed values (+ extra)."""
    v = {q.symbol for q in (*model.states, *model.inputs)} | {model.t}
    v |= {d.symbol for d in model.delays} | set(extra)
    return v


def build_step(model: ModelIR, scheme, *, extra_varying: Sequence[sp.Symbol] = (),
               pre_step: Sequence[Assign] = (), optimise: bool = True) -> StepIR:
    """The Step IR of one step of `scheme` (a name or Scheme) for `model`: the raw step,
    then (`optimise`) the `optimise_step` pass.

    `pre_step`: assignments computed once at the start of the step, before any stage (a
    network's coupling receivers: coupling is held over the stages); `extra_varying`: the
    symbols they read that change every step."""
    step = raw_step(model, scheme, extra_varying=extra_varying, pre_step=pre_step)
    return optimise_step(step) if optimise else step


def raw_step(model: ModelIR, scheme, *, extra_varying: Sequence[sp.Symbol] = (),
             pre_step: Sequence[Assign] = ()) -> StepIR:
    """One step of `scheme` as written by the scheme, with no optimisation: every let and
    stage in order, the prelude empty. The form a differentiation pass reads."""
    scheme = get(scheme) if isinstance(scheme, str) else scheme
    check_compatible(model, scheme)
    dt = sym("dt")
    t = model.t
    z = tuple(sp.Symbol(f"_z{k}", real=True) for k in range(len(model.noises)))
    zmap = dict(zip(model.noises, z))
    params = {q.symbol for q in model.parameters}
    varying = _varying(model, set(extra_varying) | {a.target for a in pre_step})
    varying_lets = set()
    for let in model.lets:
        if let.expr.free_symbols & (varying | varying_lets):
            varying_lets.add(let.symbol)

    body: List[Assign] = list(pre_step)
    # loop-invariant lets keep their own names and are computed once
    for let in model.lets:
        if let.symbol not in varying_lets:
            body.append(Assign(let.symbol, let.expr, f"let {let.name}"))

    states = model.states
    base = {q.symbol: q.symbol for q in states}

    def noise_increment(q, mapping) -> sp.Expr:
        terms = model.diffusion.get(q.name, {})
        if not terms:
            return sp.Integer(0)
        return sum((g.xreplace(mapping) * zmap[k] for k, g in terms.items()),
                   sp.Integer(0)) * sp.sqrt(dt)

    def stage(i: int, mapping: Dict[sp.Symbol, sp.Expr], t_i) -> Dict[str, sp.Symbol]:
        full = dict(mapping)
        full[t] = t_i
        suffix = "" if i == 1 else f"__s{i}"
        for let in model.lets:
            if let.symbol in varying_lets:
                target = sym(let.name + suffix) if suffix else let.symbol
                body.append(Assign(target, let.expr.xreplace(full),
                                   f"let {let.name}" + (f" (stage {i})" if suffix else "")))
                full[let.symbol] = target
        ks = {}
        for q in states:
            k = sym(f"_k{i}_{q.symbol.name}")
            body.append(Assign(k, model.drift[q.name].xreplace(full),
                               f"d({q.name})/dt = {model.equation_text.get(q.name, '')}"
                               + (f"  [stage {i}]" if scheme.stages > 1 else "")))
            ks[q.name] = k
        return ks

    new_state: Dict[str, sp.Symbol] = {}
    if scheme.exponential:
        ks = stage(1, base, t)
        jac_temps, jac = jacobian_diagonal_through_lets(model)   # reads stage 1's lets
        body.extend(jac_temps)
        for q in states:
            incr = noise_increment(q, {})
            j = jac[q.name]
            if j == 0:
                update = q.symbol + dt * ks[q.name]
            else:
                jsym = sym(f"_J_{q.symbol.name}")
                body.append(Assign(jsym, j, f"Jacobian diagonal d(d{q.name}/dt)/d{q.name}"))
                update = q.symbol + dt * exprel(dt * jsym) * ks[q.name]
            new_state[q.name] = _finish(body, q, update + incr)
    else:
        k_all: List[Dict[str, sp.Symbol]] = []
        incr = {q.name: noise_increment(q, {}) for q in states}
        for i in range(scheme.stages):
            if i == 0:
                mapping = dict(base)
            else:
                mapping = {}
                for q in states:
                    acc = sum((sp.Rational(a.numerator, a.denominator) * k_all[j][q.name]
                               for j, a in enumerate(scheme.a[i - 1]) if a != 0), sp.Integer(0))
                    expr = q.symbol + dt * acc
                    if scheme.noise == "additive" and scheme.c[i] != 0:
                        expr = expr + sp.Rational(scheme.c[i].numerator,
                                                  scheme.c[i].denominator) * incr[q.name]
                    s = sym(f"{q.symbol.name}__s{i + 1}")
                    body.append(Assign(s, expr, f"stage {i + 1} value of {q.name}"))
                    mapping[q.symbol] = s
            c = scheme.c[i]
            t_i = t + sp.Rational(c.numerator, c.denominator) * dt if c != 0 else t
            k_all.append(stage(i + 1, mapping, t_i))
        for q in states:
            acc = sum((sp.Rational(b.numerator, b.denominator) * k_all[i][q.name]
                       for i, b in enumerate(scheme.b) if b != 0), sp.Integer(0))
            new_state[q.name] = _finish(body, q, q.symbol + dt * acc + incr[q.name])

    return StepIR(model, scheme, dt, z, [], body, new_state, params | {dt})


def optimise_step(step: StepIR) -> StepIR:
    """The optimisation pass over a raw step: loop-invariant assignments move to the
    prelude, then invariant subexpressions (hoisting), then common subexpressions (CSE).
    The same values; fewer operations per step."""
    invariant = set(step.invariant)
    prelude, rest = hoist(step.prelude + step.body, invariant)
    inv = invariant | {a.target for a in prelude}
    pre2, rest = hoist_subexpressions(rest, inv)
    prelude += pre2
    inv |= {a.target for a in pre2}
    pre3, rest = cse(rest, inv)
    prelude += pre3
    return StepIR(step.model, step.scheme, step.dt, step.noise_z, prelude, rest,
                  step.new_state, invariant | {a.target for a in prelude})


def _finish(body: List[Assign], q, update: sp.Expr) -> sp.Symbol:
    """Append `<state>__next = update`, clipped to the state's bounds."""
    target = sym(f"{q.symbol.name}__next")
    if q.lo is not None:
        update = sp.Max(update, q.lo)
    if q.hi is not None:
        update = sp.Min(update, q.hi)
    body.append(Assign(target, update, f"next {q.name}"
                       + (" (clipped to its bounds)" if q.lo is not None or q.hi is not None else "")))
    return target
