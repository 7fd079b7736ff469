"""Top-level names a brainmass script reaches after `import brainmass_dsl as brainmass`
(issue 17): bm.viz as an attribute, __version_info__, the Noise and XY_Oscillator bases for
isinstance checks, and brainmass's typing aliases."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import brainmass_dsl as brainmass


def test_viz_is_an_attribute_without_importing_pyplot():
    code = ("import sys, brainmass_dsl as bm; assert callable(bm.viz.plot_timeseries); "
            "print('matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_version_info():
    assert brainmass.__version_info__ == tuple(int(p) for p in brainmass.__version__.split("."))
    assert brainmass.__version_info__ >= (0, 1, 0)


def test_noise_base_recognises_noise_processes():
    assert isinstance(brainmass.OUProcess(1, sigma=0.1), brainmass.Noise)
    assert isinstance(brainmass.GaussianNoise(1), brainmass.Noise)
    assert issubclass(brainmass.PinkNoise, brainmass.Noise)
    assert not isinstance(brainmass.HopfStep(1), brainmass.Noise)
    assert not isinstance(np.zeros(3), brainmass.Noise)
    with pytest.raises(TypeError, match="abstract"):
        brainmass.Noise()
    with pytest.raises(TypeError, match=r"\.nmm"):
        class MyNoise(brainmass.Noise):        # noqa: F841 (brainmass style custom noise)
            pass


def test_xy_oscillator_base():
    for cls in (brainmass.HopfStep, brainmass.StuartLandauStep, brainmass.VanDerPolStep):
        assert issubclass(cls, brainmass.XY_Oscillator)
        assert isinstance(cls(2), brainmass.XY_Oscillator)
    assert not isinstance(brainmass.FitzHughNagumoStep(1), brainmass.XY_Oscillator)
    assert not issubclass(brainmass.LorenzStep, brainmass.XY_Oscillator)


def test_typing_aliases():
    from brainmass_dsl.typing import Array, Initializer, Parameter

    import collections.abc
    import typing

    assert brainmass.typing.Parameter is Parameter
    assert brainmass.Param in typing.get_args(Parameter)
    assert collections.abc.Callable in {typing.get_origin(a) or a
                                        for a in typing.get_args(Initializer)}

    def f(x: Array, init: Initializer = 0.0, k: Parameter = 1.0) -> Array:   # annotations work
        return x
    assert f(1) == 1


def test_result_as_quantities_pint():
    pint = pytest.importorskip("pint")
    res = brainmass.Simulator(brainmass.MontbrioPazoRoxinStep(2), dt=0.1).run(
        1.0, monitors=["r", "v"])
    assert isinstance(res["r"], np.ndarray)                  # plain arrays stay the default
    q = res.as_quantities()
    assert isinstance(q["r"], pint.Quantity)
    np.testing.assert_allclose(q["r"].to("Hz").magnitude, res["r"])
    np.testing.assert_allclose(q["r"].to("kHz").magnitude, res["r"] / 1000.0)
    assert q["v"].dimensionless
    np.testing.assert_allclose(q["ts"].to("s").magnitude, res["ts"] / 1000.0)
    jr = brainmass.Simulator(brainmass.JansenRitStep(1), dt=0.1).run(
        1.0, monitors=["Mv", "eeg"]).as_quantities()
    assert str(jr["Mv"].to("V/s").units) in ("volt / second", "V / s")
    with pytest.raises(ValueError, match="backend"):
        res.as_quantities("jax")


def test_result_as_quantities_brainunit():
    res = brainmass.Simulator(brainmass.JansenRitStep(1), dt=0.1).run(1.0, monitors=["M"])
    try:
        import brainunit as bu
    except ImportError:
        with pytest.raises(ImportError, match="brainunit"):
            res.as_quantities("brainunit")
        return
    q = res.as_quantities("brainunit")["M"]
    np.testing.assert_allclose(np.asarray(q.to_decimal(bu.mV)), res["M"])
