"""Counter-based noise for generated kernels: Philox4x32-10 + Box-Muller (see ``philox``)."""
from .philox import (
    fill_normals,
    fill_normals_parallel,
    normal,
    normal_pair,
    normals_numpy,
    philox4x32,
    philox4x32_numpy,
)

__all__ = [
    "philox4x32",
    "normal_pair",
    "normal",
    "fill_normals",
    "fill_normals_parallel",
    "philox4x32_numpy",
    "normals_numpy",
]
