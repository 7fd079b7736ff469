"""brainmass-dsl: compile .nmm neural-mass, noise, coupling and forward models to fast kernels.

    import brainmass_dsl as bm
    bm.environ.set(dt=0.1)                     # ms
    hopf = bm.HopfStep(in_size=80, a=0.25)     # any catalogue model (or alias) by name
    res = bm.Simulator(hopf).run(1000.0)       # ms
    lib = bm.load("my_models.nmm")             # your own models
"""
__version__ = "0.1.0"
__version_info__ = tuple(int(p) for p in __version__.split(".")[:3])

from .frontend import NmmError  # noqa: E402
from .runtime import environ  # noqa: E402
from .runtime.errors import SimulationDiverged, SimulationInterrupted  # noqa: E402
from .runtime.library import load  # noqa: E402
from .runtime.model import Model  # noqa: E402
from .runtime.connectivity import laplacian_connectivity  # noqa: E402
from .runtime.network import Coupling, Network  # noqa: E402
from .runtime.kuramoto import KuramotoNetwork  # noqa: E402
from .runtime.bases import Noise, XY_Oscillator  # noqa: E402
from .runtime.jansen_rit_tr import JansenRitTR  # noqa: E402
from .runtime.coupling_objects import (AdditiveCoupling, DiffusiveCoupling,  # noqa: E402
                                       HyperbolicTangentCoupling, LaplacianConnParam,
                                       SigmoidalCoupling, SigmoidalJansenRitCoupling,
                                       additive_coupling, diffusive_coupling,
                                       hyperbolic_tangent_coupling, sigmoidal_coupling,
                                       sigmoidal_jansen_rit_coupling)
from .runtime.forward_monitor import ForwardMonitor  # noqa: E402
from .runtime.results import Result  # noqa: E402
from .runtime.simulator import Simulator  # noqa: E402
from .runtime.values import per_batch, per_node  # noqa: E402
from .runtime.input_chunks import vectorized_input  # noqa: E402
from .catalogue import ModelInfo, list_models  # noqa: E402
from .utils import bounded_input, delay_index, process_sequence, sigmoid, sys2nd  # noqa: E402
from .runtime.sweep import ModelSpec, SweepResult, sweep  # noqa: E402
from . import datasets  # noqa: E402
# bm.typing, not in __all__: a star import must not shadow the standard library's typing
from . import typing  # noqa: E402
from . import viz  # noqa: E402
from . import forward  # noqa: E402
from .fitting import objectives  # noqa: E402
from .fitting.fitter import Fitter  # noqa: E402
from .fitting.result import FitResult  # noqa: E402
from .runtime.param import Param  # noqa: E402
from .forward import (EEGLeadFieldModel, LeadFieldModel, LeadfieldReadout,  # noqa: E402
                      MEGLeadFieldModel)
from .observation import (DoubleExponentialHRFKernel, FirstOrderVolterraHRFKernel,  # noqa: E402
                          GammaHRFKernel, HRFBold, HRFKernel, MixtureOfGammasHRFKernel,
                          TemporalAverage)

__all__ = ["NmmError", "environ", "ForwardMonitor", "SimulationDiverged", "SimulationInterrupted", "load",
           "Model", "Network", "Coupling", "KuramotoNetwork", "JansenRitTR", "Noise",
           "XY_Oscillator", "viz", "__version_info__", "DiffusiveCoupling", "AdditiveCoupling",
           "SigmoidalCoupling", "HyperbolicTangentCoupling", "SigmoidalJansenRitCoupling",
           "LaplacianConnParam", "diffusive_coupling", "additive_coupling", "sigmoidal_coupling",
           "hyperbolic_tangent_coupling", "sigmoidal_jansen_rit_coupling", "Result", "Simulator",
           "list_models", "ModelInfo", "sys2nd", "sigmoid",
           "bounded_input", "process_sequence", "delay_index", "datasets", "forward", "objectives",
           "Fitter", "FitResult", "Param",
           "LeadFieldModel", "EEGLeadFieldModel", "MEGLeadFieldModel", "LeadfieldReadout",
           "sweep", "ModelSpec", "SweepResult", "laplacian_connectivity", "per_node", "per_batch",
           "vectorized_input",
           "HRFKernel", "FirstOrderVolterraHRFKernel", "GammaHRFKernel",
           "DoubleExponentialHRFKernel", "MixtureOfGammasHRFKernel", "TemporalAverage", "HRFBold",
           "__version__"]


def __getattr__(name):
    """Catalogue models (and their aliases) as attributes: `bm.JansenRitStep`."""
    if name.startswith("_"):
        raise AttributeError(name)
    from .runtime.library import catalogue_class

    try:
        cls = catalogue_class(name)
    except AttributeError:
        raise AttributeError(f"module 'brainmass_dsl' has no attribute {name!r} (not a "
                             "catalogue model either; see `brainmass list`)") from None
    return cls
