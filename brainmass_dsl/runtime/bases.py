"""brainmass's base classes `Noise` and `XY_Oscillator`, for isinstance checks:

    isinstance(bm.OUProcess(1), bm.Noise)            # True: a model of category noise
    isinstance(bm.HopfStep(4), bm.XY_Oscillator)     # True: Hopf, Stuart-Landau, Van der Pol
    issubclass(bm.VanDerPolStep, bm.XY_Oscillator)   # True

Models here are compiled from .nmm files, so these are not bases to inherit from: a new noise
process or oscillator is a `.nmm` model (`category: noise` for a noise process), and
subclassing raises a TypeError that says so.
"""
from __future__ import annotations

from .model import Model

#: brainmass's XY_Oscillator subclasses (two states x, y; noise_x / noise_y)
XY_OSCILLATORS = frozenset({"HopfStep", "StuartLandauStep", "VanDerPolStep"})


class _ModelKind(type):
    """isinstance / issubclass by what a compiled model is, not by Python inheritance."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Model) and cls._matches(type(obj))

    def __subclasscheck__(cls, sub):
        return isinstance(sub, type) and (type.__subclasscheck__(cls, sub)
                                          or (issubclass(sub, Model) and cls._matches(sub)))


class _KindBase(metaclass=_ModelKind):
    def __init_subclass__(cls, **kwargs):
        if cls.__module__ == __name__:            # Noise and XY_Oscillator themselves
            return
        raise TypeError(f"{cls.__mro__[1].__name__} is not a base class to inherit from here: "
                        "models are compiled from .nmm files; write the model as a .nmm block "
                        "(see docs/language.md) and load it with bm.load(...)")

    def __new__(cls, *args, **kwargs):
        raise TypeError(f"{cls.__name__} is abstract (brainmass's base class); use a concrete "
                        "model such as bm.OUProcess or bm.HopfStep")


class Noise(_KindBase):
    """brainmass's `Noise`: every model of `category: noise` (OUProcess, GaussianNoise, ...)."""

    @staticmethod
    def _matches(model_cls) -> bool:
        rb = getattr(model_cls, "_block", None)
        return rb is not None and rb.category == "noise"


class XY_Oscillator(_KindBase):  # noqa: N801 (brainmass's name)
    """brainmass's `XY_Oscillator`: HopfStep, StuartLandauStep and VanDerPolStep (and models
    that extend them)."""

    @staticmethod
    def _matches(model_cls) -> bool:
        rb = getattr(model_cls, "_block", None)
        if rb is None:
            return False
        return rb.name in XY_OSCILLATORS or getattr(rb.block, "extends", None) in XY_OSCILLATORS
