"""Apply a scheme to a ModelIR: the Step IR, a backend-neutral list of assignments.

The step reads the current states, inputs (held constant across stages, as in brainmass),
delayed values, the standard normals `_z0, _z1, ...` of this step and `dt`, `t`; it writes
one `<state>__next` symbol per state. `raw_step` is the scheme's step as written by its
family (`runge_kutta.py`, `exponential.py`); `optimise_step` is a separate pass that moves
parameter-only work to a prelude (run once per node and call, not per step), hoists
invariant subexpressions and shares common ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Set, Tuple

import sympy as sp

from ..ir.analysis import Assign, cse, hoist, hoist_subexpressions, noise_kind
from ..ir.model import ModelIR
from .exponential import write_exponential_euler
from .runge_kutta import write_runge_kutta
from .schemes import Scheme, get
from .writer import StepWriter

#: scheme family -> the function that writes its step
FAMILIES = {"runge_kutta": write_runge_kutta, "exponential": write_exponential_euler}


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
    """SchemeRefused with the scheme's reason if it cannot integrate `model`."""
    why = scheme.refusal(model)
    if why:
        raise SchemeRefused(why)


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
    """One step of `scheme` as its family writes it, with no optimisation: every let and
    stage in order, the prelude empty. The form a differentiation pass reads."""
    scheme = get(scheme) if isinstance(scheme, str) else scheme
    check_compatible(model, scheme)
    w = StepWriter(model, scheme, extra_varying=extra_varying, pre_step=pre_step)
    new_state = FAMILIES[scheme.family](w)
    params = {q.symbol for q in model.parameters}
    return StepIR(model, scheme, w.dt, w.z, [], w.body, new_state, params | {w.dt})


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
