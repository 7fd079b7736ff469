"""A slow, obviously-correct NumPy reference of the compiled kernels (tests only)."""
from .simulate import reference_run

__all__ = ["reference_run"]
