import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pint
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from brainmass_dsl import viz  # noqa: E402
from brainmass_dsl.analysis import functional_connectivity, power_spectrum  # noqa: E402

ureg = pint.get_application_registry()
ROOT = Path(__file__).resolve().parents[1]


class BUQuantity:
    """Stand-in for a brainunit Quantity (``.mantissa`` + ``.unit``)."""

    def __init__(self, mantissa, unit):
        self.mantissa, self.unit = np.asarray(mantissa), unit


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def signal():
    rng = np.random.default_rng(0)
    t = np.arange(400) * 0.5  # ms
    data = np.stack([np.sin(2 * np.pi * 0.02 * t), np.cos(2 * np.pi * 0.03 * t),
                     rng.standard_normal(t.size)], axis=1)
    return t, data


# ---- analysis --------------------------------------------------------------------

def test_fc_equals_corrcoef(signal):
    _, data = signal
    np.testing.assert_allclose(functional_connectivity(data), np.corrcoef(data.T), atol=1e-12)


def test_fc_constant_column_is_zero_with_unit_diagonal():
    data = np.column_stack([np.arange(10.0), np.ones(10), np.arange(10.0) ** 2])
    fc = functional_connectivity(data)
    assert np.all(np.isfinite(fc))
    np.testing.assert_array_equal(np.diag(fc), 1.0)
    assert fc[0, 1] == fc[1, 2] == 0.0


@pytest.mark.parametrize("dt,f0", [(1.0, 40.0), (0.1, 10.0), (ureg.Quantity(0.5, "ms"), 25.0),
                                   (ureg.Quantity(0.002, "s"), 50.0)])
def test_psd_peak_in_hz(dt, f0):
    dt_ms = dt.to("ms").magnitude if hasattr(dt, "to") else dt
    t = np.arange(4000) * dt_ms / 1000.0  # s
    f, p = power_spectrum(np.sin(2 * np.pi * f0 * t), dt)
    resolution = f[1] - f[0]
    assert abs(f[np.argmax(p)] - f0) <= resolution
    assert f[-1] == pytest.approx(500.0 / dt_ms)  # Nyquist in Hz


def test_psd_matches_welch_settings_and_columns(signal):
    from scipy.signal import welch

    _, data = signal
    f, p = power_spectrum(data, 0.5)
    fr, pr = welch(data, fs=2000.0, window="hann", nperseg=50, noverlap=25, axis=0)
    np.testing.assert_allclose(f, fr)
    np.testing.assert_allclose(p, pr)
    assert p.shape == (f.size, 3)


def test_psd_rejects_non_time_dt():
    with pytest.raises(ValueError, match="time"):
        power_spectrum(np.zeros(64), ureg.Quantity(1.0, "mV"))


# ---- plots -----------------------------------------------------------------------

def test_plot_timeseries(signal):
    t, data = signal
    ax = viz.plot_timeseries(data, t, labels=["a", "b", "c"])
    assert isinstance(ax, Axes)
    assert len(ax.get_lines()) == 3
    assert ax.get_xlabel() == "time (ms)" and ax.get_ylabel() == "signal"
    assert [x.get_text() for x in ax.get_legend().get_texts()] == ["a", "b", "c"]
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), data[:, 1])


def test_plot_timeseries_1d_max_lines_and_given_ax(signal):
    t, data = signal
    fig, ax0 = plt.subplots()
    ax = viz.plot_timeseries(data, ax=ax0, max_lines=2, color="k")
    assert ax is ax0 and len(ax.get_lines()) == 2 and ax.get_legend() is None
    assert ax.get_lines()[0].get_color() == "k"  # **kw forwarded
    assert ax.get_xlabel() == "time (steps)"
    assert len(viz.plot_timeseries(data[:, 0], t).get_lines()) == 1


def test_plot_timeseries_quantities(signal):
    t, data = signal
    ax = viz.plot_timeseries(ureg.Quantity(data, "mV"), ureg.Quantity(t / 1000, "s"))
    assert ax.get_ylabel() == "signal (mV)" and ax.get_xlabel() == "time (ms)"
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), t)
    ax = viz.plot_timeseries(BUQuantity(data, "mV"), BUQuantity(t, "ms"))
    assert ax.get_ylabel() == "signal (mV)"
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), t)


def test_plot_timeseries_length_mismatch(signal):
    t, data = signal
    with pytest.raises(ValueError, match="ts"):
        viz.plot_timeseries(data, t[:-1])


def test_plot_phase_portrait(signal):
    _, data = signal
    ax = viz.plot_phase_portrait(data[:, 0], data[:, 1])
    assert isinstance(ax, Axes) and len(ax.get_lines()) == 1
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
    ax = viz.plot_phase_portrait(ureg.Quantity(data[:, 0], "mV"), data[:, 1])
    assert ax.get_xlabel() == "x (mV)"


def test_plot_connectivity():
    w = np.random.default_rng(1).random((4, 4))
    ax = viz.plot_connectivity(w, labels=["R0", "R1", "R2", "R3"], cmap="magma")
    assert isinstance(ax, Axes)
    (im,) = ax.get_images()
    np.testing.assert_allclose(im.get_array(), w)
    assert im.get_cmap().name == "magma"
    assert [x.get_text() for x in ax.get_xticklabels()] == ["R0", "R1", "R2", "R3"]
    assert [x.get_text() for x in ax.get_yticklabels()] == ["R0", "R1", "R2", "R3"]
    assert len(ax.figure.axes) == 2  # colorbar
    ax = viz.plot_connectivity(w, colorbar=False)
    assert len(ax.figure.axes) == 1 and ax.get_images()[0].get_cmap().name == "viridis"


def test_plot_functional_connectivity(signal):
    _, data = signal
    ax = viz.plot_functional_connectivity(data, labels=["a", "b", "c"])
    (im,) = ax.get_images()
    np.testing.assert_allclose(im.get_array(), np.corrcoef(data.T), atol=1e-12)
    assert im.get_clim() == (-1.0, 1.0)
    fc = np.corrcoef(data.T)
    ax = viz.plot_functional_connectivity(fc, is_matrix=True)
    np.testing.assert_allclose(ax.get_images()[0].get_array(), fc)


def test_plot_power_spectrum(signal):
    _, data = signal
    ax = viz.plot_power_spectrum(data, 0.5)
    assert isinstance(ax, Axes) and len(ax.get_lines()) == 3
    assert ax.get_xlabel() == "frequency (Hz)" and ax.get_ylabel() == "power"
    assert ax.get_xscale() == ax.get_yscale() == "log"
    f, p = power_spectrum(data, 0.5)
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), f[1:])
    ax = viz.plot_power_spectrum(ureg.Quantity(data[:, 0], "mV"), ureg.Quantity(0.5, "ms"),
                                 loglog=False)
    assert ax.get_xscale() == "linear" and len(ax.get_lines()) == 1
    assert ax.get_ylabel().startswith("power (mV")
    # sine peak shows up at its frequency in Hz (0.02 cycles/ms = 20 Hz)
    line = ax.get_lines()[0]
    assert abs(line.get_xdata()[np.argmax(line.get_ydata())] - 20.0) <= f[1]


def test_plot_summary_writes_png(tmp_path, signal):
    t, data = signal
    path = tmp_path / "run.png"
    fig = viz.plot_summary({"ts": t, "data": data, "labels": ["a", "b", "c"], "title": "demo"},
                           path=path)
    assert path.exists() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(fig.axes) >= 3
    assert fig.axes[0].get_xlabel() == "time (ms)"
    assert fig.axes[2].get_xlabel() == "frequency (Hz)"


def test_plot_summary_result_mapping_and_object(tmp_path, signal):
    t, data = signal
    fig = viz.plot_summary({"ts": t, "x": data[:, None, :], "y": data})  # first output, batched
    assert fig.axes[0].get_title() == "x" and len(fig.axes[0].get_lines()) == 3

    from types import SimpleNamespace

    res = SimpleNamespace(ts=ureg.Quantity(t, "ms"), data=ureg.Quantity(data, "mV"), title="obj")
    fig = viz.plot_summary(res, path=tmp_path / "obj.png")
    assert fig.axes[0].get_ylabel() == "signal (mV)" and fig.axes[0].get_title() == "signal"
    assert (tmp_path / "obj.png").exists()


# ---- optional dependency ---------------------------------------------------------

def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("MPLBACKEND", None)
    return env


def test_import_is_lazy():
    code = ("import sys, brainmass_dsl.viz, brainmass_dsl.analysis; "
            "bad = [m for m in sys.modules if m.startswith('matplotlib')]; "
            "assert not bad, bad; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True,
                         text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_plot_summary_needs_no_display(tmp_path, signal):
    code = ("import numpy as np, sys; from brainmass_dsl.viz import plot_summary; "
            "t = np.arange(200) * 1.0; d = np.sin(np.outer(t, [0.1, 0.2])); "
            "plot_summary({'ts': t, 'data': d}, path=sys.argv[1])")
    env = _env()
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "s.png")], env=env,
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "s.png").stat().st_size > 0


def test_clear_error_without_matplotlib(monkeypatch, signal):
    t, data = signal
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    for call in (lambda: viz.plot_timeseries(data, t),
                 lambda: viz.plot_power_spectrum(data, 0.5),
                 lambda: viz.plot_summary({"ts": t, "data": data})):
        with pytest.raises(ImportError, match=r"pip install brainmass-dsl\[viz\]"):
            call()
    # the numeric helpers still work without matplotlib
    assert functional_connectivity(data).shape == (3, 3)


def _bold_result():
    from brainmass_dsl.runtime.results import Result

    rng = np.random.default_rng(1)
    ts = np.arange(1, 2001) * 1.0                       # ms
    tr = np.arange(1, 21) * 720.0                       # ms: its own clock
    return Result({"x": rng.standard_normal((2000, 3)), "bold": rng.standard_normal((20, 3))},
                  ts, {"x": "mV", "bold": "1"}, labels=["a", "b", "c"],
                  times={"bold": tr})


def test_plot_series_labels_a_monitor_with_its_name_unit_and_tr():
    res = _bold_result()
    ax = viz.plot_series(res, "bold")
    assert ax.get_ylabel() == "BOLD (dimensionless)" and ax.get_xlabel() == "time (s)"
    assert ax.get_title() == "BOLD, TR 720 ms"
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), res.time_of("bold") / 1000)
    ax = viz.plot_series(res, "x", max_lines=2)
    assert ax.get_ylabel() == "x (mV)" and ax.get_xlabel() == "time (ms)"
    assert ax.get_title() == "x (first 2)" and len(ax.get_lines()) == 2
    assert viz.series_label("eeg", "uV") == "EEG (uV)" and viz.series_label("v", "") == "v"


def test_plot_summary_of_a_result_adds_a_row_per_monitor(tmp_path):
    fig = viz.plot_summary(_bold_result(), path=tmp_path / "r.png", title="demo")
    titles = [a.get_title() for a in fig.axes if a.get_visible() and a.axison]
    assert titles[:3] == ["x", "functional connectivity (x)", "power spectrum"]
    assert "BOLD, TR 720 ms" in titles
    assert "functional connectivity (BOLD, 20 samples)" in titles
    assert fig.axes[0].get_ylabel() == "x (mV)"
    assert (tmp_path / "r.png").stat().st_size > 10_000
