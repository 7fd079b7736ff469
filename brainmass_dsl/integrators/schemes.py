"""Integration schemes as data, in a registry (as Brian2's state updaters).

An explicit Runge-Kutta scheme is its Butcher tableau; a stochastic variant adds how the
noise increment `G(x) sqrt(dt) z` enters (`noise="em"`: Euler-Maruyama, any noise;
`noise="additive"`: stochastic Heun-type, the same increment in the predictor and the
final update, only for noise that does not depend on the state). `exp_euler` is the
exponential Euler of brainmass/brainstate: per state, x + dt * phi(dt * J_ii) * f_i with
phi(z) = (e^z - 1)/z and J_ii = df_i/dx_i, plus Euler-Maruyama noise.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction as F
from typing import Dict, Optional, Tuple

from ..ir.analysis import noise_kind


@dataclass(frozen=True)
class Scheme:
    name: str
    description: str
    order: float                       # deterministic order (ODE)
    a: Tuple[Tuple[F, ...], ...] = ()  # Butcher matrix (strictly lower triangular rows 1..s-1)
    b: Tuple[F, ...] = (F(1),)
    c: Tuple[F, ...] = (F(0),)
    noise: Optional[str] = None        # None (ODE only) | "em" | "additive"
    strong_order: Optional[float] = None   # for SDE schemes (on additive noise)
    exponential: bool = False
    aliases: Tuple[str, ...] = field(default=())

    @property
    def stages(self) -> int:
        return len(self.b)

    @property
    def handles_noise(self) -> bool:
        return self.noise is not None

    @property
    def family(self) -> str:
        """Which writer builds its step: 'exponential' or 'runge_kutta'."""
        return "exponential" if self.exponential else "runge_kutta"

    def refusal(self, model) -> Optional[str]:
        """Why this scheme cannot integrate `model` (a ModelIR), or None if it can."""
        kind, deps = noise_kind(model)
        if kind == "none":
            return None
        noisy = [s for s in model.state_names if model.diffusion.get(s)]
        if self.noise is None:
            return (f"integrator {self.name!r} is for deterministic equations, but {model.name} "
                    f"has noise in d({noisy[0]})/dt; use 'euler_maruyama' (any noise), "
                    "'heun_stochastic' (additive noise) or 'exp_euler'")
        if self.noise == "additive" and kind == "multiplicative":
            s, on = next(iter(deps.items()))
            return (f"integrator {self.name!r} needs additive noise, but the noise of d({s})/dt "
                    f"in {model.name} depends on the state {', '.join(sorted(on))} "
                    "(multiplicative noise); use 'euler_maruyama' or 'exp_euler'")
        return None


_REGISTRY: Dict[str, Scheme] = {}


def register(scheme: Scheme) -> Scheme:
    for key in (scheme.name, *scheme.aliases):
        _REGISTRY[key] = scheme
    return scheme


def get(name: str) -> Scheme:
    """The scheme called `name` (or one of its aliases); ValueError listing the choices."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown integrator {name!r}; choose one of "
                         f"{', '.join(available())}") from None


def available():
    return sorted({s.name for s in _REGISTRY.values()})


EULER = register(Scheme("euler", "explicit (forward) Euler", 1.0))
HEUN = register(Scheme("heun", "Heun's method: explicit trapezoid (RK2)", 2.0,
                       a=((F(1),),), b=(F(1, 2), F(1, 2)), c=(F(0), F(1)), aliases=("rk2",)))
MIDPOINT = register(Scheme("midpoint", "explicit midpoint (RK2)", 2.0,
                           a=((F(1, 2),),), b=(F(0), F(1)), c=(F(0), F(1, 2))))
RK4 = register(Scheme("rk4", "classic fourth-order Runge-Kutta", 4.0,
                      a=((F(1, 2),), (F(0), F(1, 2)), (F(0), F(0), F(1))),
                      b=(F(1, 6), F(1, 3), F(1, 3), F(1, 6)), c=(F(0), F(1, 2), F(1, 2), F(1))))
EULER_MARUYAMA = register(Scheme("euler_maruyama", "Euler-Maruyama (additive or multiplicative "
                                 "noise; strong order 0.5, 1 on additive noise)", 1.0,
                                 noise="em", strong_order=0.5, aliases=("em", "sde_euler")))
HEUN_STOCHASTIC = register(Scheme("heun_stochastic", "stochastic Heun for additive noise "
                                  "(strong order 1, deterministic order 2)", 2.0,
                                  a=((F(1),),), b=(F(1, 2), F(1, 2)), c=(F(0), F(1)),
                                  noise="additive", strong_order=1.0, aliases=("sde_heun",)))
EXP_EULER = register(Scheme("exp_euler", "exponential Euler (brainmass's default): exact for "
                            "linear decay; Euler-Maruyama noise", 1.0, noise="em",
                            strong_order=0.5, exponential=True, aliases=("expeuler",)))

DEFAULT = "exp_euler"
