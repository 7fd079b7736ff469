"""The compile, cache and simulate subcommands (in-process, small runs)."""
import numpy as np
import pytest

from brainmass_dsl.cli import main
from brainmass_dsl.runtime.results import Result

from conftest import MODELS


def test_compile_emits_readable_source(tmp_path, capsys):
    assert main(["compile", f"{MODELS / 'test_models.nmm'}:Oscillator", "--integrator", "heun",
                 "--emit", str(tmp_path)]) == 0
    files = list(tmp_path.glob("Oscillator_heun_numba.py"))
    assert files and "# d(v)/dt = -gamma * v - omega**2 * x" in files[0].read_text()
    assert "heun kernel" in capsys.readouterr().out


def test_compile_refuses_an_incompatible_integrator(capsys):
    assert main(["compile", f"{MODELS / 'test_models.nmm'}:OU", "--integrator", "rk4"]) == 1
    assert "deterministic" in capsys.readouterr().err


def test_cache_info(capsys):
    assert main(["cache", "info"]) == 0
    assert "cache folder" in capsys.readouterr().out


def test_simulate_writes_results_and_a_figure(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out, fig = tmp_path / "run.npz", tmp_path / "run.png"
    code = main(["simulate", "HopfStep", "--duration", "20ms", "--dt", "0.1ms", "--noise", "0.01",
                 "--k", "0.1", "--out", str(out), "--plot", str(fig), "--no-progress"])
    assert code == 0, capsys.readouterr()
    res = Result.load(out)
    assert res["x"].shape == (20, 68) and np.isfinite(res["x"]).all()
    assert fig.stat().st_size > 10_000
    text = capsys.readouterr().out
    assert "SYNTHETIC" in text and "synthetic68" in text


def test_simulate_batch_sweep(tmp_path, capsys):
    out = tmp_path / "sweep.npz"
    assert main(["simulate", "HopfStep", "--duration", "5ms", "--batch", "k=0:0.2:3",
                 "--out", str(out), "--no-progress"]) == 0
    assert Result.load(out)["x"].shape == (5, 3, 68)


def test_simulate_errors_are_clear(capsys):
    assert main(["simulate", "HopfStepp", "--duration", "1ms", "--no-progress"]) == 2
    assert "HopfStep" in capsys.readouterr().err
    assert main(["simulate", "HopfStep", "--duration", "1 parsec", "--no-progress"]) == 2
    assert "--duration" in capsys.readouterr().err
    assert main(["simulate", "HopfStep", "--connectome", "nope", "--no-progress"]) == 2
    assert "--connectome" in capsys.readouterr().err


def test_simulate_bold_records_bold_and_plots_its_fc(tmp_path, capsys):
    """--bold runs the fused BOLD monitor: 'bold' is saved with its own TR time axis, equal
    to the same run through the API, and --plot adds the BOLD series and the BOLD FC."""
    pytest.importorskip("matplotlib")
    import brainmass_dsl as bm
    from brainmass_dsl.viz import plot_summary

    out, fig = tmp_path / "run.npz", tmp_path / "run.png"
    code = main(["simulate", "HopfStep", "--duration", "3s", "--transient", "1s", "--noise",
                 "0.02", "--bold", "--tr", "100ms", "--sample-every", "100", "--out", str(out),
                 "--plot", str(fig), "--no-progress"])
    assert code == 0, capsys.readouterr()
    assert "BOLD (BOLDSignal) every 100 ms" in capsys.readouterr().out
    res = Result.load(out)
    assert res["x"].shape == (200, 68) and res["bold"].shape == (20, 68)
    np.testing.assert_allclose(res.time_of("bold"), 1000.0 + 100.0 * np.arange(1, 21))
    assert res.units["bold"] == "1" and np.isfinite(res["bold"]).all()
    assert np.ptp(res["bold"]) > 0
    # the same run through the public API
    conn = bm.datasets.load_connectome("synthetic68")
    net = bm.Network(bm.HopfStep(68), conn=conn.weights, distance=conn.lengths, speed=10.0,
                     coupling="diffusive", noise=0.02)
    mon = bm.ForwardMonitor(bm.BOLDSignal(68), every=10, tr=100.0)
    api = bm.Simulator(net, dt=0.1).run(3000.0, transient=1000.0, sample_every=100, seed=0,
                                        forward=mon, progress=False)
    np.testing.assert_array_equal(res["bold"], api["bold"])
    assert fig.stat().st_size > 10_000
    # the figure the CLI writes: a second row with the BOLD series and its FC
    figure = plot_summary(res, title="t")
    titles = [a.get_title() for a in figure.axes]
    assert "BOLD, TR 100 ms (first 10)" in titles
    assert "functional connectivity (BOLD, 20 samples)" in titles
    bold_ax = next(a for a in figure.axes if a.get_title().startswith("BOLD"))
    assert bold_ax.get_ylabel() == "BOLD (dimensionless)" and bold_ax.get_xlabel() == "time (s)"


def test_simulate_bold_arguments_are_checked_before_running(tmp_path, capsys):
    base = ["simulate", "HopfStep", "--duration", "2s", "--bold", "--no-progress",
            "--out", str(tmp_path / "r.npz")]
    assert main(base + ["--tr", "0.75ms"]) == 2
    assert "--tr: 0.75 ms is not a positive multiple" in capsys.readouterr().err
    assert main(base + ["--tr", "3s"]) == 2
    assert "--tr: 3000 ms is longer than the recorded time" in capsys.readouterr().err
    assert main(base + ["--bold-drive", "zz"]) == 2
    assert "--bold-drive: forward monitor drive 'zz': 'zz' is not a state" in \
        capsys.readouterr().err
    assert main(base + ["--bold-model", "HopfStep"]) == 2
    assert "--bold-model HopfStep: the forward model HopfStep's outputs x, y would hide" in \
        capsys.readouterr().err
    assert main(base + ["--transient", "2s"]) == 2
    assert "--transient" in capsys.readouterr().err
    assert not (tmp_path / "r.npz").exists()


def test_the_readme_first_command_records_bold_and_its_fc(tmp_path, capsys, monkeypatch):
    """The README's first command (shorter: 5 s, 1 s transient) runs and its figure has the
    BOLD FC panel."""
    pytest.importorskip("matplotlib")
    import shlex
    from pathlib import Path

    import brainmass_dsl.viz as viz

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    line = readme.split("```bash\n", 1)[1].splitlines()[0]
    args = shlex.split(line.split("brainmass ", 1)[1])
    assert args[:2] == ["simulate", "HopfStep"] and "--bold" in args
    args[args.index("--duration") + 1] = "5s"
    args[args.index("--transient") + 1] = "1s"
    figures = []
    real = viz.plot_summary
    monkeypatch.setattr(viz, "plot_summary", lambda *a, **k: figures.append(real(*a, **k)))
    monkeypatch.chdir(tmp_path)
    assert main(args + ["--no-progress"]) == 0, capsys.readouterr()
    res = Result.load(tmp_path / "run.npz")
    assert res["bold"].shape == (5, 68)
    titles = [a.get_title() for a in figures[0].axes]
    assert "functional connectivity (BOLD, 5 samples)" in titles
