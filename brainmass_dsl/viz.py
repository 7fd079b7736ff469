"""Plotting helpers mirroring ``brainmass.viz`` (optional extra: ``pip install brainmass-dsl[viz]``).

matplotlib is imported lazily inside each function, so importing this module is cheap
and works without it. Inputs may be NumPy arrays, pint Quantities or objects with
``.mantissa``/``.magnitude``; units are stripped and shown in the axis labels.
Time is in ms, frequency in Hz. Every ``plot_*`` function returns the Axes.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .analysis import functional_connectivity, power_spectrum, strip_units, to_ms

__all__ = [
    "plot_timeseries",
    "plot_phase_portrait",
    "plot_connectivity",
    "plot_functional_connectivity",
    "plot_power_spectrum",
    "plot_summary",
    "plot_series",
    "series_label",
]

_HINT = "plotting needs matplotlib: pip install brainmass-dsl[viz]"


def _pyplot():
    """Import and return matplotlib.pyplot, or raise a helpful ImportError."""
    try:
        import matplotlib  # noqa: F401
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(_HINT) from exc
    return plt


def _axes(ax):
    """Return ``ax`` or a fresh Axes on a new figure."""
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _label(name: str, unit: str) -> str:
    return f"{name} ({unit})" if unit else name


#: names shown in capitals on axes (observed signals)
_ACRONYMS = ("bold", "eeg", "meg", "lfp", "fc")
_DIMENSIONLESS = ("", "1", "dimensionless")


def series_label(name: str, unit: str = "") -> str:
    """An axis label for series `name` in `unit`: observed signals in capitals (`BOLD`),
    a dimensionless unit said in words."""
    shown = name.upper() if name.lower() in _ACRONYMS else name
    return _label(shown, "dimensionless" if unit in _DIMENSIONLESS[1:] else unit)


def _period_text(ms: float) -> str:
    return f"{ms / 1000:g} s" if ms >= 1000 else f"{ms:g} ms"


def _time_axis(ts_ms):
    """(times, label): seconds for series sampled every 100 ms or slower (BOLD), else ms."""
    ts_ms = np.asarray(ts_ms, dtype=float).reshape(-1)
    if len(ts_ms) > 1 and ts_ms[1] - ts_ms[0] >= 100.0:
        return ts_ms / 1000.0, "time (s)"
    return ts_ms, "time (ms)"


def plot_timeseries(signal, ts=None, *, labels=None, ax=None, max_lines=None, **kw):
    """Plot a ``(T,)`` or ``(T, N)`` signal, one line per column, against ``ts`` (ms).

    ``max_lines`` keeps only the first columns; ``labels`` adds a legend.
    """
    ax = _axes(ax)
    y, unit = strip_units(signal)
    y = y.reshape(y.shape[0], -1)
    if max_lines is not None:
        y = y[:, :max_lines]
    if ts is None:
        x, xlabel = np.arange(y.shape[0]), "time (steps)"
    else:
        x, xlabel = np.asarray(to_ms(ts), dtype=float).reshape(-1), "time (ms)"
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"ts has {x.shape[0]} points but signal has {y.shape[0]}")
    lines = ax.plot(x, y, **kw)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(_label("signal", unit))
    if labels is not None:
        for line, lab in zip(lines, list(labels)):
            line.set_label(str(lab))
        ax.legend()
    return ax


def plot_phase_portrait(x, y, *, ax=None, **kw):
    """Plot the trajectory ``y`` against ``x`` (one curve per column for 2-D inputs)."""
    ax = _axes(ax)
    xv, xu = strip_units(x)
    yv, yu = strip_units(y)
    ax.plot(xv, yv, **kw)
    ax.set_xlabel(_label("x", xu))
    ax.set_ylabel(_label("y", yu))
    return ax


def plot_connectivity(matrix, *, labels=None, ax=None, cmap="viridis", colorbar=True, **kw):
    """Heatmap of an ``(N, N)`` matrix; ``labels`` name the ticks on both axes."""
    ax = _axes(ax)
    m, unit = strip_units(matrix)
    if m.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {m.shape}")
    im = ax.imshow(m, cmap=cmap, **kw)
    if labels is not None:
        labels = [str(s) for s in labels]
        ax.set_xticks(range(len(labels)), labels, rotation=90)
        ax.set_yticks(range(len(labels)), labels)
    if colorbar:
        cb = ax.figure.colorbar(im, ax=ax)
        if unit:
            cb.set_label(unit)
    return ax


def plot_functional_connectivity(data, *, is_matrix=False, labels=None, ax=None, **kw):
    """Heatmap (vmin -1, vmax 1) of the FC of a ``(T, N)`` signal, or of an FC matrix."""
    fc = strip_units(data)[0] if is_matrix else functional_connectivity(data)
    kw.setdefault("vmin", -1.0)
    kw.setdefault("vmax", 1.0)
    return plot_connectivity(fc, labels=labels, ax=ax, **kw)


def plot_power_spectrum(signal, dt, *, ax=None, loglog=True, **kw):
    """Welch power spectrum of a ``(T,)``/``(T, N)`` signal sampled every ``dt`` (ms).

    One line per column; the 0 Hz bin is dropped on log-log axes.
    """
    ax = _axes(ax)
    _, unit = strip_units(signal)
    f, p = power_spectrum(signal, dt)
    if loglog:
        ax.loglog(f[1:], p[1:], **kw)
    else:
        ax.plot(f, p, **kw)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel(_label("power", f"{unit}²/Hz" if unit else ""))
    return ax


def _get(obj, key, default=None):
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _first_member(y):
    return y[:, 0, :] if y.ndim == 3 else y   # (T, batch, N): the first batch member


def plot_series(result, name, *, ax=None, max_lines=10, **kw):
    """Plot series `name` of a `Result` against its own time axis (`result.time_of(name)`),
    labelled with its name and unit; a series on its own clock (a fused monitor such as
    BOLD) says its sampling period (the TR) in the title. Batched: the first member."""
    ax = _axes(ax)
    y = _first_member(np.asarray(result[name]))
    unit = result.units.get(name, "") if hasattr(result, "units") else ""
    ts = result.time_of(name) if hasattr(result, "time_of") else result["ts"]
    x, xlabel = _time_axis(ts)
    n = y.reshape(len(y), -1).shape[1]
    plot_timeseries(y, x, ax=ax, max_lines=max_lines, **kw)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(series_label(name, unit))
    title = series_label(name)
    own = getattr(result, "times", {}) or {}
    if name in own and len(own[name]) > 1:
        title += f", TR {_period_text(float(own[name][1] - own[name][0]))}"
    if max_lines is not None and n > max_lines:
        title += f" (first {max_lines})"
    ax.set_title(title)
    return ax


def plot_summary(result_like, *, path=None, title=None, labels=None):
    """Summary figure (CLI ``--plot``): time series, FC matrix, power spectrum; and for
    each series of a `Result` on its own clock (a fused monitor, e.g. BOLD at the TR) a
    second row: that series and its FC.

    ``result_like`` is a `Result`, or a mapping or object with ``ts`` (T,) in ms, ``data``
    (T, N) (or, for a mapping without ``data``, its first output) and optional ``labels``,
    ``title``. Saved to ``path`` when given; needs no display. Returns the Figure.
    """
    _pyplot()  # clear ImportError if matplotlib is missing
    from matplotlib.figure import Figure

    is_result = hasattr(result_like, "time_of")      # a Result: series by name
    own = dict(result_like.times) if is_result else {}
    data = None if is_result else _get(result_like, "data")
    name = "signal"
    if data is None and isinstance(result_like, Mapping):
        skip = {"ts", "labels", "title", "units"} | set(own)
        name, data = next(((k, v) for k, v in result_like.items() if k not in skip),
                          (None, None))
    if data is None:
        raise ValueError("plot_summary needs `data` (T, N) or a result with an output")
    ts = _get(result_like, "ts")
    if labels is None:
        labels = result_like.labels if is_result else _get(result_like, "labels")
    title = _get(result_like, "title") if title is None else title
    units = getattr(result_like, "units", None) or {}
    y, unit = strip_units(data)
    unit = units.get(name, unit)
    y = _first_member(y)
    ts_ms = np.arange(y.shape[0], dtype=float) if ts is None else to_ms(ts)
    dt = float(ts_ms[1] - ts_ms[0]) if len(ts_ms) > 1 else 1.0

    fig = Figure(figsize=(15, 4.5 * (1 + len(own))), layout="constrained")
    rows = fig.subplots(1 + len(own), 3, squeeze=False)
    a1, a2, a3 = rows[0]
    show_labels = labels if labels is not None and y.reshape(len(y), -1).shape[1] <= 10 else None
    plot_timeseries(y, ts_ms, labels=show_labels, ax=a1, max_lines=10, lw=0.8)
    a1.set_ylabel(series_label(name, unit))
    a1.set_title(f"{name} (first 10)" if y.reshape(len(y), -1).shape[1] > 10 else name)
    plot_functional_connectivity(y, labels=labels, ax=a2, cmap="RdBu_r")
    a2.set_title(f"functional connectivity ({name})" if own else "functional connectivity")
    plot_power_spectrum(y, dt, ax=a3, lw=0.8)
    a3.set_title("power spectrum")
    for (mon, _), (b1, b2, b3) in zip(own.items(), rows[1:]):
        plot_series(result_like, mon, ax=b1, lw=0.8)
        z = _first_member(np.asarray(result_like[mon]))
        if len(z) > 2:
            plot_functional_connectivity(z, labels=labels, ax=b2, cmap="RdBu_r")
            b2.set_title(f"functional connectivity ({series_label(mon)}, {len(z)} samples)")
        else:
            b2.set_axis_off()
            b2.set_title(f"{series_label(mon)}: too few samples for FC ({len(z)})")
        b3.set_axis_off()
    if title:
        fig.suptitle(str(title))
    if path is not None:
        fig.savefig(path)
    return fig
