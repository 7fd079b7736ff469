"""Hemodynamic response function (HRF) kernels, brainmass's names and parameters.

A kernel evaluates h(t) on a time grid: a time quantity (any unit) or a plain array, read as
**ms** (brainmass's convention). The kernels' own parameters are in seconds (and Hz), as in
brainmass; `duration` (the support used by `HRFBold`) is ms or a time quantity. Values are
dimensionless arrays.
"""
from __future__ import annotations

import math

import numpy as np

from ..runtime.values import is_quantity, magnitude_in
from ._signal import finite_number, time_ms


def _seconds(t) -> np.ndarray:
    """The grid `t` in seconds (a quantity is converted, a plain array is ms)."""
    if is_quantity(t):
        return np.asarray(magnitude_in(t, "s", "t"), dtype=float)
    return np.asarray(t, dtype=float) / 1000.0


def _peak_normalised(kernel: np.ndarray, a: float) -> np.ndarray:
    """kernel / its maximum over the grid * a (brainmass; a maximum <= 0 divides by 1)."""
    peak = kernel.max() if kernel.size else 1.0
    return kernel / (peak if peak > 0 else 1.0) * a


class HRFKernel:
    """Base class of the HRF kernels: `kernel(t)` is h(t); `duration` its support.

    Subclass it with `__call__(self, t)` for a kernel of your own (`HRFBold` samples it on
    its grid, in ms)."""

    def __init__(self, duration=20_000.0):
        self.duration = duration
        self.duration_ms = time_ms(duration, "duration")

    def __call__(self, t):
        raise NotImplementedError(f"{type(self).__name__} does not define h(t)")

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "duration_ms")
        return f"{type(self).__name__}({fields})"


class FirstOrderVolterraHRFKernel(HRFKernel):
    """First-order Volterra kernel of the Balloon model (Friston et al. 2000; TVB):
    h(t) = scaling exp(-t / (2 tau_s)) sin(omega t) / omega,
    omega = sqrt(1/tau_f - 1/(4 tau_s**2)); tau_s, tau_f in s. omega must be real
    (4 tau_s**2 > tau_f): brainmass returns NaN otherwise, this is a ValueError."""

    def __init__(self, tau_s=0.8, tau_f=0.4, scaling=1.0 / 3.0, duration=20_000.0):
        super().__init__(duration)
        self.tau_s = finite_number(tau_s, "tau_s")
        self.tau_f = finite_number(tau_f, "tau_f")
        self.scaling = finite_number(scaling, "scaling")
        if self.tau_s <= 0 or self.tau_f <= 0:
            raise ValueError(f"tau_s and tau_f must be positive (s), got {tau_s}, {tau_f}")
        w2 = 1.0 / self.tau_f - 1.0 / (4.0 * self.tau_s ** 2)
        if w2 <= 0:
            raise ValueError(f"tau_s, tau_f: the kernel oscillates only when 4 tau_s**2 > tau_f "
                             f"(omega**2 = {w2:.6g} with tau_s={tau_s}, tau_f={tau_f})")
        self.omega = math.sqrt(w2)

    def __call__(self, t):
        ts = _seconds(t)
        return self.scaling * np.exp(-0.5 * ts / self.tau_s) * np.sin(self.omega * ts) / self.omega


class GammaHRFKernel(HRFKernel):
    """Gamma kernel (Boynton et al. 1996; TVB Gamma):
    k(t) = (t/tau)**(n-1) exp(-t/tau) / (tau Gamma(n)), divided by its maximum over the
    supplied grid and times a (so the grid's peak is a). tau in s."""

    def __init__(self, tau=1.08, n=3.0, a=0.1, duration=20_000.0):
        super().__init__(duration)
        self.tau = finite_number(tau, "tau")
        self.n = finite_number(n, "n")
        self.a = finite_number(a, "a")
        if self.tau <= 0:
            raise ValueError(f"tau must be positive (s), got {tau}")
        if self.n < 1:
            raise ValueError(f"n must be >= 1 (the kernel is infinite at t = 0 otherwise), "
                             f"got {n}")

    def __call__(self, t):
        x = _seconds(t) / self.tau
        k = x ** (self.n - 1) * np.exp(-x) / (self.tau * math.gamma(self.n))
        return _peak_normalised(k, self.a)


class DoubleExponentialHRFKernel(HRFKernel):
    """Difference of two damped sinusoids (Polonsky et al. 2000; TVB DoubleExponential):
    k(t) = amp_1 exp(-t/tau_1) sin(2 pi f_1 t) - amp_2 exp(-t/tau_2) sin(2 pi f_2 t),
    divided by its maximum over the supplied grid and times a. tau in s, f in Hz."""

    def __init__(self, tau_1=7.22, tau_2=7.4, f_1=0.03, f_2=0.12, amp_1=0.1, amp_2=0.1,
                 a=0.1, duration=40_000.0):
        super().__init__(duration)
        for name, v in (("tau_1", tau_1), ("tau_2", tau_2), ("f_1", f_1), ("f_2", f_2),
                        ("amp_1", amp_1), ("amp_2", amp_2), ("a", a)):
            setattr(self, name, finite_number(v, name))
        if self.tau_1 <= 0 or self.tau_2 <= 0:
            raise ValueError(f"tau_1 and tau_2 must be positive (s), got {tau_1}, {tau_2}")

    def __call__(self, t):
        ts = _seconds(t)
        k = (self.amp_1 * np.exp(-ts / self.tau_1) * np.sin(2 * math.pi * self.f_1 * ts)
             - self.amp_2 * np.exp(-ts / self.tau_2) * np.sin(2 * math.pi * self.f_2 * ts))
        return _peak_normalised(k, self.a)


class MixtureOfGammasHRFKernel(HRFKernel):
    """Difference of two gammas (Glover 1999; TVB MixtureOfGammas):
    h(t) = (l t)**(a_1-1) exp(-l t) / Gamma(a_1) - c (l t)**(a_2-1) exp(-l t) / Gamma(a_2),
    t in s, l in 1/s (not normalised, as brainmass)."""

    def __init__(self, a_1=6.0, a_2=13.0, l=1.0, c=0.4, duration=20_000.0):  # noqa: E741
        super().__init__(duration)
        self.a_1 = finite_number(a_1, "a_1")
        self.a_2 = finite_number(a_2, "a_2")
        self.l = finite_number(l, "l")
        self.c = finite_number(c, "c")
        if self.a_1 < 1 or self.a_2 < 1:
            raise ValueError(f"a_1 and a_2 must be >= 1 (the kernel is infinite at t = 0 "
                             f"otherwise), got {a_1}, {a_2}")
        if self.l <= 0:
            raise ValueError(f"l must be positive (1/s), got {l}")

    def __call__(self, t):
        x = self.l * _seconds(t)
        return (x ** (self.a_1 - 1) * np.exp(-x) / math.gamma(self.a_1)
                - self.c * x ** (self.a_2 - 1) * np.exp(-x) / math.gamma(self.a_2))
