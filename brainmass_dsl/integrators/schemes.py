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


def _rows(*rows):
    """Butcher rows 2..s as tuples of Fractions (a row may be shorter: trailing zeros)."""
    return tuple(tuple(F(v) for v in row) + (F(0),) * (i + 1 - len(row))
                 for i, row in enumerate(rows))


def _sparse(n, entries):
    """One row of length n from {column: value} (columns counted from 0)."""
    return tuple(F(entries.get(j, 0)) for j in range(n))


# The explicit Runge-Kutta steps of braintools.quad (ode_<name>_step), which brainmass
# accepts as method=<name>, with braintools's meaning: an embedded pair advances with the
# solution braintools returns (its error estimate is not used at a fixed step, so the stages
# that serve only the estimate are left out).
EULER = register(Scheme("euler", "explicit (forward) Euler", 1.0))
HEUN2 = register(Scheme("heun2", "Heun's second-order method: explicit trapezoid (TVB's Heun; "
                        "braintools's rk2)", 2.0,
                        a=_rows([1]), b=(F(1, 2), F(1, 2)), c=(F(0), F(1)),
                        aliases=("trapezoid", "rk2")))
HEUN = register(Scheme("heun", "Heun's third-order method (braintools's ode_heun_step; the "
                       "second-order one is 'heun2')", 3.0,
                       a=_rows([F(1, 3)], [0, F(2, 3)]), b=(F(1, 4), F(0), F(3, 4)),
                       c=(F(0), F(1, 3), F(2, 3))))
MIDPOINT = register(Scheme("midpoint", "explicit midpoint (RK2)", 2.0,
                           a=_rows([F(1, 2)]), b=(F(0), F(1)), c=(F(0), F(1, 2))))
RALSTON2 = register(Scheme("ralston2", "Ralston's second-order method", 2.0,
                           a=_rows([F(2, 3)]), b=(F(1, 4), F(3, 4)), c=(F(0), F(2, 3))))
RK3 = register(Scheme("rk3", "Kutta's third-order method", 3.0,
                      a=_rows([F(1, 2)], [-1, 2]), b=(F(1, 6), F(2, 3), F(1, 6)),
                      c=(F(0), F(1, 2), F(1))))
RALSTON3 = register(Scheme("ralston3", "Ralston's third-order method", 3.0,
                           a=_rows([F(1, 2)], [0, F(3, 4)]), b=(F(2, 9), F(1, 3), F(4, 9)),
                           c=(F(0), F(1, 2), F(3, 4))))
RK23 = register(Scheme("rk23", "Bogacki-Shampine 3(2) pair, advancing with its third-order "
                       "solution (at a fixed step the same as 'ralston3')", 3.0,
                       a=_rows([F(1, 2)], [0, F(3, 4)]), b=(F(2, 9), F(1, 3), F(4, 9)),
                       c=(F(0), F(1, 2), F(3, 4)), aliases=("bs32",)))
SSPRK33 = register(Scheme("ssprk33", "strong-stability-preserving RK(3,3) of Shu and Osher", 3.0,
                          a=_rows([1], [F(1, 4), F(1, 4)]), b=(F(1, 6), F(1, 6), F(2, 3)),
                          c=(F(0), F(1), F(1, 2))))
RK4 = register(Scheme("rk4", "classic fourth-order Runge-Kutta", 4.0,
                      a=_rows([F(1, 2)], [0, F(1, 2)], [0, 0, 1]),
                      b=(F(1, 6), F(1, 3), F(1, 3), F(1, 6)), c=(F(0), F(1, 2), F(1, 2), F(1))))
RK4_38 = register(Scheme("rk4_38", "Kutta's fourth-order 3/8 rule", 4.0,
                         a=_rows([F(1, 3)], [F(-1, 3), 1], [1, -1, 1]),
                         b=(F(1, 8), F(3, 8), F(3, 8), F(1, 8)),
                         c=(F(0), F(1, 3), F(2, 3), F(1))))
RK45 = register(Scheme("rk45", "Cash-Karp 4(5) pair, advancing with its fifth-order solution",
                       5.0,
                       a=_rows([F(1, 5)], [F(3, 40), F(9, 40)], [F(3, 10), F(-9, 10), F(6, 5)],
                               [F(-11, 54), F(5, 2), F(-70, 27), F(35, 27)],
                               [F(1631, 55296), F(175, 512), F(575, 13824), F(44275, 110592),
                                F(253, 4096)]),
                       b=(F(37, 378), F(0), F(250, 621), F(125, 594), F(0), F(512, 1771)),
                       c=(F(0), F(1, 5), F(3, 10), F(3, 5), F(1), F(7, 8))))
RKF45 = register(Scheme("rkf45", "Runge-Kutta-Fehlberg 4(5) pair, advancing with its "
                        "fifth-order solution", 5.0,
                        a=_rows([F(1, 4)], [F(3, 32), F(9, 32)],
                                [F(1932, 2197), F(-7200, 2197), F(7296, 2197)],
                                [F(439, 216), -8, F(3680, 513), F(-845, 4104)],
                                [F(-8, 27), 2, F(-3544, 2565), F(1859, 4104), F(-11, 40)]),
                        b=(F(16, 135), F(0), F(6656, 12825), F(28561, 56430), F(-9, 50),
                           F(2, 55)),
                        c=(F(0), F(1, 4), F(3, 8), F(12, 13), F(1), F(1, 2))))
DOPRI5 = register(Scheme("dopri5", "Dormand-Prince 5(4) pair, advancing with its fifth-order "
                         "solution (the FSAL seventh stage only serves the error estimate)", 5.0,
                         a=_rows([F(1, 5)], [F(3, 40), F(9, 40)],
                                 [F(44, 45), F(-56, 15), F(32, 9)],
                                 [F(19372, 6561), F(-25360, 2187), F(64448, 6561), F(-212, 729)],
                                 [F(9017, 3168), F(-355, 33), F(46732, 5247), F(49, 176),
                                  F(-5103, 18656)]),
                         b=(F(35, 384), F(0), F(500, 1113), F(125, 192), F(-2187, 6784),
                            F(11, 84)),
                         c=(F(0), F(1, 5), F(3, 10), F(4, 5), F(8, 9), F(1)),
                         aliases=("rk45_dopri",)))

# DOP853 (Hairer's Dormand-Prince 8(7)), as braintools writes it: its nodes involve sqrt(6)
# (c4 = (6 - sqrt 6)/30), so its coefficients are the 30-digit decimals of Hairer's code,
# read here as exact decimal fractions (the order conditions hold to about 1e-28).
_D = F  # F("0.05...") is the exact decimal
_DOP853_C = tuple(_D(v) for v in (
    "0", "0.0526001519587677318785587544488", "0.0789002279381515978178381316732",
    "0.11835034190722739672675719751", "0.28164965809277260327324280249",
    "0.333333333333333333333333333333", "0.25", "0.307692307692307692307692307692",
    "0.651282051282051282051282051282", "0.6", "0.857142857142857142857142857142", "1"))
_DOP853_A = (
    {0: "5.26001519587677318785587544488e-2"},
    {0: "1.97250569845378994544595329183e-2", 1: "5.91751709536136983633785987549e-2"},
    {0: "2.95875854768068491816892993775e-2", 2: "8.87627564304205475450678981324e-2"},
    {0: "2.41365134159266685502369798665e-1", 2: "-8.84549479328286085344864962717e-1",
     3: "9.24834003261792003115737966543e-1"},
    {0: "3.7037037037037037037037037037e-2", 3: "1.70828608729473871279604482173e-1",
     4: "1.25467687566822425016691814123e-1"},
    {0: "3.7109375e-2", 3: "1.70252211019544039314978060272e-1",
     4: "6.02165389804559606850219397283e-2", 5: "-1.7578125e-2"},
    {0: "3.70920001185047927108779319836e-2", 3: "1.70383925712239993810214054705e-1",
     4: "1.07262030446373284651809199168e-1", 5: "-1.53194377486244017527936158236e-2",
     6: "8.27378916381402288758473766002e-3"},
    {0: "6.24110958716075717114429577812e-1", 3: "-3.36089262944694129406857109825",
     4: "-8.68219346841726006818189891453e-1", 5: "2.75920996994467083049415600797e1",
     6: "2.01540675504778934086186788979e1", 7: "-4.34898841810699588477366255144e1"},
    {0: "4.77662536438264365890433908527e-1", 3: "-2.48811461997166764192642586468",
     4: "-5.90290826836842996371446475743e-1", 5: "2.12300514481811942347288949897e1",
     6: "1.52792336328824235832596922938e1", 7: "-3.32882109689848629194453265587e1",
     8: "-2.03312017085086261358222928593e-2"},
    {0: "-9.3714243008598732571704021658e-1", 3: "5.18637242884406370830023853209",
     4: "1.09143734899672957818500254654", 5: "-8.14978701074692612513997267357",
     6: "-1.85200656599969598641566180701e1", 7: "2.27394870993505042818970056734e1",
     8: "2.49360555267965238987089396762", 9: "-3.0467644718982195003823669022"},
    {0: "2.27331014751653820792359768449", 3: "-1.05344954667372501984066689879e1",
     4: "-2.00087205822486249909675718444", 5: "-1.79589318631187989172765950534e1",
     6: "2.79488845294199600508499808837e1", 7: "-2.85899827713502369474065508674",
     8: "-8.87285693353062954433549289258", 9: "1.23605671757943030647266201528e1",
     10: "6.43392746015763530355970484046e-1"},
)
_DOP853_B = tuple(_D(v) for v in (
    "5.42937341165687622380535766363e-2", "0", "0", "0", "0",
    "4.45031289275240888144113950566", "1.89151789931450038304281599044",
    "-5.8012039600105847814672114227", "3.1116436695781989440891606237e-1",
    "-1.52160949662516078556178806805e-1", "2.01365400804030348374776537501e-1",
    "4.47106157277725905176885569043e-2"))
DOPRI8 = register(Scheme("dopri8", "Dormand-Prince 8(7) (DOP853), advancing with its "
                         "eighth-order solution (the stage after it only serves the error "
                         "estimate)", 8.0,
                         a=tuple(_sparse(i + 1, row) for i, row in enumerate(_DOP853_A)),
                         b=_DOP853_B, c=_DOP853_C, aliases=("rk87_dopri",)))
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
