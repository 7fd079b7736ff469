"""Observation models applied to a recorded signal (an array or a saved `Result`), with
brainmass's names: HRF kernels, `TemporalAverage` and the convolution BOLD `HRFBold`.

    import brainmass_dsl as bm
    res = bm.Simulator(bm.WilsonCowanStep(80)).run(60_000.0)      # ms
    bold = bm.HRFBold(period=2000.0)(res, var="rE")                 # a Result: "bold" at TR
    slow = bm.TemporalAverage(period=10.0)(res)                     # every variable, 10 ms means

Times are ms (plain numbers) or time quantities. The Balloon-Windkessel ODE is the model
`bm.BOLDSignal` (models/hemodynamics/bold.nmm).
"""
from .averaging import TemporalAverage
from .hrf_bold import HRFBold
from .kernels import (DoubleExponentialHRFKernel, FirstOrderVolterraHRFKernel, GammaHRFKernel,
                      HRFKernel, MixtureOfGammasHRFKernel)

__all__ = ["HRFKernel", "FirstOrderVolterraHRFKernel", "GammaHRFKernel",
           "DoubleExponentialHRFKernel", "MixtureOfGammasHRFKernel", "TemporalAverage",
           "HRFBold"]
