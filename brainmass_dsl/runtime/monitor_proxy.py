"""Python monitors that the compiled kernel can record: brainmass's idiom
`monitors={"rE": lambda m: m.node.rE.value}` (or `2 * m.x.value - m.y.value`,
`np.tanh(m.x.value)`, `m.eeg()`) is called ONCE on a recording proxy of the model instead of
after every step. The proxy answers state reads (`.value`), output calls and parameter
values with `Traced` values that remember the formula; the kernel then records the states and
outputs it read, and the formula is applied to the recorded arrays (elementwise, so the time
axis in front changes nothing): the same numbers as the step-by-step loop, at the speed of a
monitor by name.

Anything else - a reduction (`.mean()`), an index with arrays, a comparison used in an `if`,
`float(...)`, a value that does not come from the model - makes the proxy give up
(`NotTraceable`), and the monitor runs in the step-by-step Python loop as before. The
callable is called once more on the proxy; a monitor with side effects (it appends to a list,
counts its calls) should be run with `jit=False`.
"""
from __future__ import annotations

import numbers
from typing import Callable, Dict, Optional, Tuple

import numpy as np


class NotTraceable(Exception):
    """The monitor does something the recorded arrays cannot replay."""


def _basic_index(key) -> bool:
    keys = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, (int, np.integer, slice)) for k in keys)


class Traced:
    """A value computed from recorded series: `fn(series) -> array`, `names` the series it
    reads (state or output names), `bare` the name when it is exactly one series."""

    __array_priority__ = 1000

    def __init__(self, fn: Callable[[Dict[str, np.ndarray]], np.ndarray], names: frozenset,
                 bare: Optional[str] = None):
        self.fn, self.names, self.bare = fn, names, bare

    # ---------------------------------------------------------------- combining
    @staticmethod
    def _lift(x):
        if isinstance(x, Traced):
            return x
        if isinstance(x, (numbers.Number, np.ndarray, np.generic)) and not isinstance(x, bool):
            const = np.asarray(x, dtype=float) if not isinstance(x, np.ndarray) else x
            return Traced(lambda d: const, frozenset())
        raise NotTraceable(f"a {type(x).__name__} in a monitor expression")

    def _op(self, other, op, swap=False):
        a, b = (Traced._lift(other), self) if swap else (self, Traced._lift(other))
        return Traced(lambda d: op(a.fn(d), b.fn(d)), a.names | b.names)

    def __add__(self, o): return self._op(o, np.add)
    def __radd__(self, o): return self._op(o, np.add, True)
    def __sub__(self, o): return self._op(o, np.subtract)
    def __rsub__(self, o): return self._op(o, np.subtract, True)
    def __mul__(self, o): return self._op(o, np.multiply)
    def __rmul__(self, o): return self._op(o, np.multiply, True)
    def __truediv__(self, o): return self._op(o, np.true_divide)
    def __rtruediv__(self, o): return self._op(o, np.true_divide, True)
    def __pow__(self, o): return self._op(o, np.power)
    def __rpow__(self, o): return self._op(o, np.power, True)

    def __neg__(self):
        return Traced(lambda d: np.negative(self.fn(d)), self.names)

    def __pos__(self):
        return self

    def __abs__(self):
        return Traced(lambda d: np.abs(self.fn(d)), self.names)

    def __getitem__(self, key):
        """A basic index of the per-step value (the recorded arrays have time in front)."""
        if not _basic_index(key):
            raise NotTraceable("an index other than integers and slices")
        full = (slice(None),) + (key if isinstance(key, tuple) else (key,))
        return Traced(lambda d: self.fn(d)[full], self.names)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """Elementwise NumPy functions (np.tanh, np.exp, np.maximum, ...)."""
        if method != "__call__" or kwargs or ufunc.nout != 1:
            raise NotTraceable(f"np.{ufunc.__name__}.{method} in a monitor")
        args = [Traced._lift(x) for x in inputs]
        names = frozenset().union(*(a.names for a in args))
        return Traced(lambda d: ufunc(*(a.fn(d) for a in args)), names)

    def __array_function__(self, func, types, args, kwargs):
        raise NotTraceable(f"np.{func.__name__} in a monitor (not elementwise)")

    def __array__(self, *args, **kwargs):
        raise NotTraceable("a monitor value turned into an array")

    def __bool__(self):
        raise NotTraceable("a monitor value used as a condition")

    def __float__(self):
        raise NotTraceable("float() of a monitor value")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise NotTraceable(f".{name} of a monitor value")


class _StateProxy:
    def __init__(self, name: str):
        self._name = name

    @property
    def value(self) -> Traced:
        name = self._name
        return Traced(lambda d: d[name], frozenset([name]), bare=name)


class ModelProxy:
    """Stands in for the model while a monitor callable is traced: states (`m.x.value`),
    outputs (`m.eeg()`), parameters (their current values), `m.node` (a network's node)."""

    def __init__(self, model):
        object.__setattr__(self, "_model", model)

    def __getattr__(self, name):
        m = self._model
        node = getattr(m, "__dict__", {}).get("node")
        if name == "node" and node is not None:
            return self
        if name in m.state_names:
            return _StateProxy(name)
        if name in m.output_names:
            def output(**inputs):
                if inputs:
                    raise NotTraceable("an output with inputs given")
                return Traced(lambda d: d[name], frozenset([name]), bare=name)
            return output
        if name in getattr(m, "param_names", ()) or (node is not None
                                                      and name in node.param_names):
            return getattr(m, name)          # a ParamView: its value() is a constant
        if name in ("in_size", "n_nodes", "varshape", "name"):
            return getattr(m, name)
        raise NotTraceable(f"model.{name} in a monitor")

    def __setattr__(self, name, value):
        raise NotTraceable("a monitor that sets an attribute")


def trace_monitor(fn: Callable, model) -> Optional[Traced]:
    """The monitor `fn(model)` as a `Traced` formula of recorded series, or None when it
    cannot be replayed on them (see the module doc)."""
    try:
        out = fn(ModelProxy(model))
    except NotTraceable:
        return None
    except Exception:  # noqa: BLE001 - it fails on the proxy: the step loop will say why
        return None
    if not isinstance(out, Traced) or not out.names:
        return None
    return out


def replay(traced: Traced, series: Dict[str, np.ndarray]) -> np.ndarray:
    """The monitor's values from the recorded series (time first)."""
    return np.asarray(traced.fn(series), dtype=float)


def split_monitors(funcs: Dict[str, Callable], model) -> Tuple[Dict[str, Traced],
                                                                Dict[str, Callable]]:
    """({name: Traced} that the kernel can record, {name: callable} for the step loop)."""
    traced, rest = {}, {}
    for key, fn in funcs.items():
        t = trace_monitor(fn, model)
        if t is None:
            rest[key] = fn
        else:
            traced[key] = t
    return traced, rest
