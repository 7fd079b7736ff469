"""`brainmass simulate`'s arguments: every user mistake is reported as the option that caused
it (valid names, a did-you-mean, exit 2, never "internal error"), and --input / --init /
--param values reach the run as the Python API would give them."""
import numpy as np
import pytest

import brainmass_dsl as bm
from brainmass_dsl.cli import main
from brainmass_dsl.runtime.results import Result

BASE = ["simulate", "--duration", "2ms", "--no-progress"]


def _run(capsys, model, *extra):
    code = main(BASE[:1] + [model] + BASE[1:] + list(extra))
    return code, capsys.readouterr().err


# (arguments, the option named, text the message must hold); all exit 2 before compiling
MISTAKES = [
    (["HopfStep", "--param", "alpha=0.1"], "--param alpha", ["no parameter 'alpha'",
                                                               "a, w, beta, coupling.k"]),
    (["HopfStep", "--param", "bta=0.1"], "--param bta", ["did you mean 'beta'?"]),
    (["HopfStep", "--param", "x=0.1"], "--param x", ["a state", "--init x="]),
    (["HopfStep", "--param", "x_in=0.1"], "--param x_in", ["'x_inp' (an input: --input)"]),
    (["HopfStep", "--param", "coupling.kk=1"], "--param coupling.kk", ["'coupling.k'"]),
    (["HopfStep", "--param", "a"], "--param", ["NAME=VALUE"]),
    (["HopfStep", "--param", "a=abc"], "--param a", ["cannot read 'abc'"]),
    (["HopfStep", "--param", "a=1 blorps"], "--param a", ["blorps"]),
    (["HopfStep", "--param", "a=1", "--param", "a=2"], "--param a", ["given twice"]),
    (["HopfStep", "--init", "xx=1"], "--init xx", ["did you mean 'x'?", "states of HopfStep: x, y"]),
    (["HopfStep", "--init", "a=1"], "--init a", ["a parameter", "--param a="]),
    (["HopfStep", "--input", "x_imp=1"], "--input x_imp", ["did you mean 'x_inp'?",
                                                           "x_inp, y_inp"]),
    (["HopfStep", "--input", "x_inp=3mV"], "--input x_inp", ["/ms"]),
    (["JansenRitStep", "--input", "E_inp=sin(50Hz, 10Hz)"], "--input E_inp",
     ["unknown stimulus 'sin'", "did you mean 'sine'?"]),
    (["JansenRitStep", "--input", "E_inp=sine(amp=50Hz)"], "--input E_inp", ["needs freq"]),
    (["JansenRitStep", "--input", "E_inp=sine(50Hz, 10Hz, ofset=1Hz)"], "--input E_inp",
     ["did you mean 'offset'?"]),
    (["JansenRitStep", "--input", "E_inp=sine(50Hz, 10mV)"], "--input E_inp", ["Hz"]),
    (["HopfStp"], "", ["did you mean HopfStep?"]),
    (["HopfStep", "--connectome", "synth68"], "--connectome", ["synthetic68"]),
    (["HopfStep", "--connectome", "/no/such/file.npz"], "--connectome", ["not found"]),
    (["HopfStep", "--duration", "10 parsec"], "--duration", ["parsec"]),
    (["HopfStep", "--duration", "0.01ms"], "--duration", ["shorter than one step"]),
    (["HopfStep", "--dt", "0"], "--dt", ["positive"]),
    (["HopfStep", "--dt", "1kg"], "--dt", ["kilogram"]),
    (["HopfStep", "--speed", "0"], "--speed", ["positive"]),
    (["HopfStep", "--out", "run.txt"], "--out", [".npz"]),
    (["HopfStep", "--out", "/no/such/folder/run.npz"], "--out", ["does not exist"]),
    (["HopfStep", "--plot", "/no/such/folder/run.png"], "--plot", ["does not exist"]),
    (["HopfStep", "--plot", "run.txt"], "--plot", [".png"]),
    (["HopfStep", "--method", "eulr"], "--method", ["unknown integrator 'eulr'"]),
    (["HopfStep", "--coupling", "difusive"], "--coupling", ["did you mean 'diffusive'?"]),
    (["HopfStep", "--target", "q"], "--target", ["x_inp, y_inp"]),
    (["HopfStep", "--noise", "-1"], "--noise", [">= 0"]),
    (["HopfStep", "--k", "nan"], "--k", ["finite"]),
    (["HopfStep", "--sample-every", "0"], "--sample-every", ["positive"]),
    (["HopfStep", "--batch", "q=0:1:3"], "--batch", ["unknown parameter 'q'"]),
]


@pytest.mark.parametrize("args, option, texts", MISTAKES, ids=[" ".join(m[0]) for m in MISTAKES])
def test_a_user_mistake_names_its_option_and_exits_2(args, option, texts, capsys, tmp_path,
                                                     monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, err = _run(capsys, *args)
    assert code == 2, err
    assert "internal error" not in err and "Traceback" not in err
    assert f"error: {option}" in err
    for text in texts:
        assert text in err


def test_mistakes_found_after_compiling_are_still_the_users(capsys, tmp_path, monkeypatch):
    """Values checked by the model (units, bounds, an expression) need the kernel: still
    exit 2, named by option."""
    monkeypatch.chdir(tmp_path)
    for args, option, text in [
            (["--param", "a=5ms"], "--param a", "/ms"),
            (["--coupled-var", "z"], "--coupled-var", "x, y"),
            (["--noise", "0", "--param", "noise.sigma=-1"], "--param noise.sigma", "bounds")]:
        code, err = _run(capsys, "HopfStep", *args, "--out", "r.npz")
        assert code == 2 and f"error: {option}" in err and text in err, err
        assert "internal error" not in err


def test_a_diverging_run_is_a_clear_error_not_a_bug(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, err = _run(capsys, "HopfStep", "--param", "a=1e300", "--duration", "5ms")
    assert code == 1 and "diverged" in err and "--dt" in err and "internal error" not in err
    assert not (tmp_path / "run.npz").exists()


def test_simulate_without_out_never_replaces_run_npz(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run.npz").write_bytes(b"yesterday's run")
    code, err = _run(capsys, "HopfStep")
    assert code == 2 and "exists" in err and "--force" in err
    assert (tmp_path / "run.npz").read_bytes() == b"yesterday's run"


def _api_run(inputs, **params):
    conn = bm.datasets.load_connectome("synthetic68")
    node = bm.JansenRitStep(conn.n_regions)
    net = bm.Network(node, conn=conn.weights, distance=conn.lengths, speed=10.0,
                     coupling="sigmoidal_jansen_rit", k=0.01)
    net.set_params(**params)
    return bm.Simulator(net, dt=0.1).run(20.0, inputs=inputs, seed=0, sample_every=1,
                                         progress=False)["eeg"]


def test_input_constant_with_a_unit_equals_the_api(capsys, tmp_path):
    out = tmp_path / "jr.npz"
    assert main(["simulate", "JansenRitStep", "--coupling", "sigmoidal_jansen_rit", "--k",
                 "0.01", "--input", "E_inp=0.22kHz", "--param", "Ae=3.4mV", "--duration",
                 "20ms", "--sample-every", "1", "--no-progress", "--out", str(out)]) == 0, \
        capsys.readouterr().err
    ref = _api_run({"E_inp": 220.0}, Ae=3.4)
    np.testing.assert_array_equal(Result.load(out)["eeg"], ref)


def test_input_named_stimulus_equals_the_api(capsys, tmp_path):
    out = tmp_path / "jr.npz"
    assert main(["simulate", "JansenRitStep", "--coupling", "sigmoidal_jansen_rit", "--k",
                 "0.01", "--input", "E_inp=sine(amp=50Hz, freq=0.1kHz, offset=220)",
                 "--duration", "20ms", "--sample-every", "1", "--no-progress",
                 "--out", str(out)]) == 0, capsys.readouterr().err
    t = np.arange(200) * 0.1                       # the time at the start of each step, ms
    series = 220.0 + 50.0 * np.sin(2 * np.pi * 100.0 * 1e-3 * t)
    ref = _api_run({"E_inp": series[:, None]})
    np.testing.assert_allclose(Result.load(out)["eeg"], ref, rtol=1e-12, atol=1e-12)
    assert not np.allclose(ref, _api_run({"E_inp": 220.0}))      # the stimulus mattered


def test_init_sets_the_initial_state(capsys, tmp_path):
    out = tmp_path / "h.npz"
    assert main(["simulate", "HopfStep", "--init", "x=0.5", "--duration", "0.1ms",
                 "--sample-every", "1", "--no-progress", "--out", str(out)]) == 0
    x = Result.load(out)["x"]
    assert x.shape == (1, 68) and np.all(np.abs(x - 0.5) < 0.01)
