"""Signal analysis helpers (pure NumPy/SciPy, no matplotlib).

Inputs may be NumPy arrays, pint Quantities or any object with ``.mantissa``
(brainunit-style) or ``.magnitude``; units are stripped. Time is in ms.
"""

from __future__ import annotations

import numpy as np

__all__ = ["functional_connectivity", "power_spectrum", "strip_units", "to_ms"]


def _unit_of(x) -> str:
    """Short unit string of a quantity-like object ('' when unknown or dimensionless)."""
    units = getattr(x, "units", None)  # pint
    if units is not None and hasattr(x, "magnitude"):
        return f"{units:~P}"
    unit = getattr(x, "unit", None)  # brainunit-style
    if unit is not None and hasattr(x, "mantissa"):
        s = str(unit)
        return "" if s in ("1", "Unit(1.0)", "dimensionless") else s
    return ""


def strip_units(x) -> tuple[np.ndarray, str]:
    """Return ``(float array, unit string)`` for an array, pint Quantity or unit-carrying object."""
    unit = _unit_of(x)
    for attr in ("mantissa", "magnitude"):
        if hasattr(x, attr):
            x = getattr(x, attr)
            break
    return np.asarray(x, dtype=float), unit


def to_ms(t) -> np.ndarray | float:
    """Convert a time (plain number = ms, or a time quantity) to a float/array in ms."""
    import pint

    if hasattr(t, "units") and hasattr(t, "magnitude"):  # pint Quantity
        try:
            t = t.to("ms").magnitude
        except pint.DimensionalityError as exc:
            raise ValueError(f"expected a time quantity, got units {t.units}") from exc
    elif hasattr(t, "mantissa") and hasattr(t, "unit"):  # brainunit-style Quantity
        unit = str(t.unit)
        try:
            factor = pint.get_application_registry().Quantity(1.0, unit).to("ms").magnitude
        except (pint.UndefinedUnitError, pint.DimensionalityError) as exc:
            raise ValueError(f"expected a time quantity, got unit {unit!r}") from exc
        t = np.asarray(t.mantissa, dtype=float) * factor
    out = np.asarray(t, dtype=float)
    return float(out) if out.ndim == 0 else out


def functional_connectivity(data) -> np.ndarray:
    """Functional connectivity of a ``(T, N)`` signal: Pearson correlation over time.

    NaN entries (constant regions) become 0 and the diagonal is 1. Returns ``(N, N)``.

    >>> fc = functional_connectivity(np.array([[0., 1.], [1., 0.], [2., -1.]]))
    >>> fc.round(6).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    x, _ = strip_units(data)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"data must be (time, regions), got shape {x.shape}")
    with np.errstate(divide="ignore", invalid="ignore"):
        fc = np.atleast_2d(np.corrcoef(x, rowvar=False))
    fc = np.nan_to_num(fc, nan=0.0)
    np.fill_diagonal(fc, 1.0)
    return fc


def power_spectrum(signal, dt_ms) -> tuple[np.ndarray, np.ndarray]:
    """Welch power spectral density of a ``(T,)`` or ``(T, N)`` signal sampled every ``dt_ms``.

    Hann window, ``nperseg = max(8, T // 8)`` (capped at T), 50% overlap, one-sided.
    ``dt_ms`` is in ms (or a time quantity). Returns ``(freqs_Hz, psd)``; psd has
    shape ``(F,)`` or ``(F, N)`` in signal-units**2 / Hz.

    >>> t = np.arange(800) * 1.0                       # 1 ms steps
    >>> f, p = power_spectrum(np.sin(2 * np.pi * 0.05 * t), 1.0)
    >>> float(f[np.argmax(p)])                          # 0.05 cycles/ms = 50 Hz
    50.0
    """
    from scipy.signal import welch

    x, _ = strip_units(signal)
    dt = to_ms(dt_ms)
    if not np.isscalar(dt) or dt <= 0:
        raise ValueError(f"dt must be a positive scalar time, got {dt_ms!r}")
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"signal needs at least 2 samples, got {n}")
    nperseg = min(n, max(8, n // 8))
    return welch(x, fs=1000.0 / dt, window="hann", nperseg=nperseg,
                 noverlap=nperseg // 2, return_onesided=True, axis=0)
