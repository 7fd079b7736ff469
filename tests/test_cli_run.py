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
    assert main(["simulate", "HopfStepp", "--duration", "1ms", "--no-progress"]) == 1
    assert "HopfStep" in capsys.readouterr().err
    assert main(["simulate", "HopfStep", "--duration", "1 parsec", "--no-progress"]) == 1
    assert "--duration" in capsys.readouterr().err
    assert main(["simulate", "HopfStep", "--connectome", "nope", "--no-progress"]) == 1
    assert "--connectome" in capsys.readouterr().err
