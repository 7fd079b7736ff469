"""Fitting: the layer above the runtime. `objectives` (brainmass 0.1.1's objective builders,
batched, each with a closed-form gradient with respect to the prediction)."""
from . import objectives  # noqa: F401

__all__ = ["objectives"]
