"""The model values of `brainmass simulate`, read from its arguments and checked against the
model before anything compiles; every mistake is reported as the option that caused it,
with the valid names and a did-you-mean (exit 2):

    --param a=-0.5  --param tau=5ms       a parameter (a bare number: its declared unit)
    --init x=0.1                          an initial state
    --input E_inp=220Hz                   a constant input, or a named stimulus (see STIMULI)
    --input "E_inp=sine(amp=50Hz, freq=10Hz, offset=220Hz)"
"""
from __future__ import annotations

import contextlib
import re
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from ..frontend.suggest import did_you_mean
from .base import EXIT_USAGE, CliError

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QTY = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z_/*0-9.\u00b5\u03bc^ ]*?)\s*$")
_CALL = re.compile(r"^\s*([A-Za-z_]\w*)\s*\((.*)\)\s*$")

#: what each kind of value is called in messages, and the option that sets it
OPTION_OF = {"parameter": "--param", "state": "--init", "input": "--input"}


@contextlib.contextmanager
def option_errors(option: str):
    """ValueError / TypeError / KeyError raised inside become the user error of `option`."""
    try:
        yield
    except (ValueError, TypeError, KeyError) as e:
        text = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        raise CliError(f"{option}: {text}", EXIT_USAGE) from None


def split_assignments(items: Optional[List[str]], option: str) -> Dict[str, str]:
    """{NAME: VALUE text} of repeated `option NAME=VALUE` arguments."""
    out: Dict[str, str] = {}
    for item in items or ():
        name, eq, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not eq or not name or not value:
            raise CliError(f"{option} {item!r}: write NAME=VALUE (e.g. {option} "
                           f"{'E_inp=220Hz' if option == '--input' else 'a=0.1'})",
                           EXIT_USAGE)
        if name in out:
            raise CliError(f"{option} {name}: given twice ({out[name]!r} and {value!r})",
                           EXIT_USAGE)
        out[name] = value
    return out


def check_names(given: Dict[str, str], kind: str, model: str, valid: Sequence[str],
                others: Dict[str, Sequence[str]]) -> None:
    """Refuse names in `given` that are not in `valid` (`kind`s of `model`): the message names
    the valid ones, a close one, or the option for a name of another kind (`others`)."""
    option = OPTION_OF[kind]
    for name in given:
        if name in valid:
            continue
        for other_kind, names in others.items():
            if name in names:
                raise CliError(f"{option} {name}: {name!r} is {_article(other_kind)} "
                               f"{other_kind} of {model}, not {_article(kind)} {kind}; set it "
                               f"with {OPTION_OF[other_kind]} {name}=...", EXIT_USAGE)
        hint = did_you_mean(name, valid)
        if not hint:
            close = [(did_you_mean(name, names), k) for k, names in others.items()
                     if len(name) >= 3]
            hint = next((f"{h[:-1]} ({_article(k)} {k}: {OPTION_OF[k]})?"
                         for h, k in close if h), "")
        listed = ", ".join(valid) if valid else "none"
        raise CliError(f"{option} {name}: {model} has no {kind} {name!r}"
                       + (f"; {hint}" if hint else "") + f" ({kind}s of {model}: {listed})",
                       EXIT_USAGE)


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def parse_quantity(text: str, what: str):
    """A number (float) or a pint quantity of '220Hz', '5 ms', '-0.5', '1e-3 mV/ms'."""
    m = _QTY.match(text)
    if not m:
        raise CliError(f"{what}: cannot read {text!r} as a number with an optional unit "
                       "(e.g. 220Hz, 5ms, 0.1)", EXIT_USAGE)
    value, unit = float(m.group(1)), m.group(2).strip()
    if not unit:
        return value
    from ..frontend.units import registry

    try:
        return registry().Quantity(value, unit.replace("^", "**"))
    except Exception as e:  # noqa: BLE001 - pint's errors: undefined unit, syntax
        raise CliError(f"{what}: {text!r}: {unit!r} is not a unit ({e})", EXIT_USAGE) from None


def in_unit(value, unit: str, what: str) -> float:
    """A number or a quantity as a number in `unit` (a number is taken to be in it)."""
    if not hasattr(value, "units"):
        return float(value)
    target = "dimensionless" if unit in ("1", "") else (
        "1" + unit if unit.startswith("/") else unit)
    try:
        return float(value.to(target).magnitude)
    except Exception:  # noqa: BLE001 - dimensionality
        raise CliError(f"{what}: {value:~} is not a quantity in {unit} (the declared unit)",
                       EXIT_USAGE) from None


# ---------------------------------------------------------------------------- stimuli
class Stimulus:
    """A named stimulus: values (in the input's declared unit) as a function of time (ms),
    computed for a whole array of times at once."""

    def __init__(self, name: str, fn: Callable[..., np.ndarray], args: Dict[str, float],
                 text: str):
        self.name, self.fn, self.args, self.text = name, fn, args, text

    def __call__(self, t_ms: np.ndarray) -> np.ndarray:
        return self.fn(np.asarray(t_ms, dtype=float), **self.args)

    def __repr__(self):
        return self.text


def _sine(t, amp, freq, offset=0.0, phase=0.0):
    return offset + amp * np.sin(2 * np.pi * freq * 1e-3 * t + phase)


def _step(t, onset, value, before=0.0):
    return np.where(t >= onset, value, before)


def _pulse(t, onset, width, value, baseline=0.0):
    return np.where((t >= onset) & (t < onset + width), value, baseline)


def _ramp(t, start, stop, duration, onset=0.0):
    frac = np.clip((t - onset) / duration, 0.0, 1.0) if duration > 0 else (t >= onset) * 1.0
    return start + (stop - start) * frac


#: name -> (function, [(argument, unit kind, required)]); unit kind "value" is the input's
#: declared unit, "ms" a time, "Hz" a frequency, "rad" an angle
STIMULI = {
    "sine": (_sine, [("amp", "value", True), ("freq", "Hz", True), ("offset", "value", False),
                     ("phase", "rad", False)],
             "offset + amp * sin(2 pi freq t + phase)"),
    "step": (_step, [("onset", "ms", True), ("value", "value", True),
                     ("before", "value", False)],
             "before until onset, then value"),
    "pulse": (_pulse, [("onset", "ms", True), ("width", "ms", True), ("value", "value", True),
                       ("baseline", "value", False)],
              "value during [onset, onset + width), else baseline"),
    "ramp": (_ramp, [("start", "value", True), ("stop", "value", True),
                     ("duration", "ms", True), ("onset", "ms", False)],
             "start until onset, linearly to stop over duration, then stop"),
}


def stimulus_help() -> str:
    """One line per named stimulus, for --help."""
    lines = []
    for name, (_, args, what) in STIMULI.items():
        sig = ", ".join(a if req else f"{a}=..." for a, _, req in args)
        lines.append(f"{name}({sig}): {what}")
    return "; ".join(lines)


def parse_input(text: str, name: str, unit: str):
    """`--input NAME=text`: a constant (a float in `unit`) or a `Stimulus`."""
    what = f"--input {name}"
    call = _CALL.match(text)
    if not call:
        return in_unit(parse_quantity(text, what), unit, what)
    kind, body = call.group(1), call.group(2)
    if kind not in STIMULI:
        hint = did_you_mean(kind, list(STIMULI))
        raise CliError(f"{what}: unknown stimulus {kind!r}" + (f"; {hint}" if hint else "")
                       + f" (stimuli: {stimulus_help()})", EXIT_USAGE)
    fn, spec, _ = STIMULI[kind]
    names = [a for a, _, _ in spec]
    parts = [p.strip() for p in body.split(",") if p.strip()]
    values: Dict[str, str] = {}
    named = False
    for pos, part in enumerate(parts):
        key, eq, val = part.partition("=")
        named = named or bool(eq)
        if not eq:
            if pos >= len(names) or named:
                raise CliError(f"{what}: {kind}() takes {', '.join(names)}; write them as "
                               f"NAME=VALUE after the first positional ones", EXIT_USAGE)
            key, val = names[pos], part
        key = key.strip()
        if key not in names:
            hint = did_you_mean(key, names)
            raise CliError(f"{what}: {kind}() has no argument {key!r}"
                           + (f"; {hint}" if hint else "") + f" (arguments: "
                           f"{', '.join(names)})", EXIT_USAGE)
        if key in values:
            raise CliError(f"{what}: {kind}() argument {key!r} given twice", EXIT_USAGE)
        values[key] = val.strip()
    missing = [a for a, _, req in spec if req and a not in values]
    if missing:
        raise CliError(f"{what}: {kind}() needs {', '.join(missing)} (usage: {kind}("
                       + ", ".join(a if req else f"{a}=..." for a, _, req in spec) + "))",
                       EXIT_USAGE)
    args = {}
    for arg, unit_kind, _ in spec:
        if arg in values:
            target = {"value": unit, "ms": "ms", "Hz": "Hz", "rad": "radian"}[unit_kind]
            args[arg] = in_unit(parse_quantity(values[arg], f"{what} {kind}({arg}=...)"),
                                target, f"{what} {kind}({arg}=...)")
    return Stimulus(kind, fn, args, f"{kind}({', '.join(f'{k}={v}' for k, v in values.items())})")


def inputs_callable(constants: Dict[str, float], stimuli: Dict[str, Stimulus]):
    """The `inputs=` of Simulator.run for --input values: None without any, a dict of
    constants, or a callable of (step, time) that works on arrays of times (one call per
    chunk of steps)."""
    if not stimuli:
        return dict(constants) or None

    from ..runtime.input_chunks import vectorized_input

    def inputs(i, t):
        out = dict(constants)
        for name, stim in stimuli.items():
            out[name] = stim(t)
        return out
    return vectorized_input(inputs)


# ---------------------------------------------------------------------------- the network
def load_connectome_arg(name: str):
    from ..datasets import load_connectome

    try:
        return load_connectome(name)
    except (KeyError, FileNotFoundError, ValueError, OSError) as e:
        text = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        raise CliError(f"--connectome: {text}", EXIT_USAGE) from None


def check_coupling(name: str, cls) -> str:
    """--coupling: a known coupling (else a user error listing them); returns the name."""
    from ..runtime.network import coupling_parameters

    with option_errors("--coupling"):
        coupling_parameters(name, cls)
    return name


def _coupled_option(message: str) -> str:
    """Which option a Network construction error is about (its message names it)."""
    for needle, option in (("integrator", "--method"), ("coupled_var", "--coupled-var"),
                           ("target", "--target"),
                           ("coupling.", "--k"), ("noise", "--noise"), ("conn", "--connectome"),
                           ("speed", "--speed")):
        if needle in message:
            return option
    return "--coupling"


def build_network(args, cls, conn, speed):
    """(Network, inputs= for Simulator.run) from simulate's arguments, every name checked
    before compiling and every value error reported as its option."""
    import brainmass_dsl as bm
    from ..runtime.network import coupling_parameters

    model = cls.__name__
    params = split_assignments(args.param, "--param")
    inits = split_assignments(args.init, "--init")
    input_texts = split_assignments(args.input, "--input")
    P, S, I = cls.declared("parameter"), cls.declared("state"), cls.declared("input")
    cparams = coupling_parameters(args.coupling, cls)
    listed = list(P) + [f"coupling.{c}" for c in cparams]
    if args.noise is not None:        # the white noise of --noise: "noise.sigma", ...
        listed += [f"noise.{q}" for q in bm.GaussianNoise.declared("parameter")]
    check_names({k: v for k, v in params.items() if k not in cparams or k in P}, "parameter",
                model, listed, {"state": S, "input": I})
    check_names(inits, "state", model, S, {"parameter": P, "input": I})
    check_names(input_texts, "input", model, I, {"parameter": P, "state": S})
    if args.target is not None and args.target not in I:
        hint = did_you_mean(args.target, I)
        raise CliError(f"--target: {args.target!r} is not an input of {model}"
                       + (f"; {hint}" if hint else "") + f" (inputs: {', '.join(I)})",
                       EXIT_USAGE)
    values = {k: parse_quantity(v, f"--param {k}") for k, v in params.items()}
    init_values = {k: parse_quantity(v, f"--init {k}") for k, v in inits.items()}
    with option_errors("--method"):
        node = cls(conn.n_regions, method=args.method,
                   **{f"init_{k}": v for k, v in init_values.items()})
    for k, v in values.items():
        if k in P:
            with option_errors(f"--param {k}"):
                node.set_params(**{k: v})
    with option_errors("--init"):
        node.init_all_states()
    try:
        net = bm.Network(node, conn=conn.weights, distance=conn.lengths, speed=speed,
                         coupling=args.coupling, coupled_var=args.coupled_var,
                         target=args.target, k=args.k, noise=args.noise)
    except (ValueError, TypeError) as e:
        raise CliError(f"{_coupled_option(str(e))}: {e}", EXIT_USAGE) from None
    for k, v in values.items():
        if k not in P:
            with option_errors(f"--param {k}"):
                net.set_params(**{k: v})
    constants, stimuli = {}, {}
    for name, text in input_texts.items():
        value = parse_input(text, name, node.unit_of(name))
        (stimuli if isinstance(value, Stimulus) else constants)[name] = value
    return net, inputs_callable(constants, stimuli)
