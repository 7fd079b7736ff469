"""Counter-based noise for generated kernels: Philox4x32-10 + Box-Muller.

``philox``: libm log/sin/cos (``normal``, ``fill_normals``, ...). ``fastmath``: own portable
log/sincos, vectorisable and bitwise identical in Numba, NumPy and C/CUDA (``fast_*``,
header ``philox_fast.h``).
"""
from .fastmath import (
    c_header_path,
    fast_fill_normals,
    fast_fill_normals_parallel,
    fast_log_open,
    fast_log_open_numpy,
    fast_normal,
    fast_normal_pair,
    fast_normals_numpy,
    fast_sincos_2pi,
    fast_sincos_2pi_numpy,
)
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
    "fast_log_open",
    "fast_sincos_2pi",
    "fast_normal_pair",
    "fast_normal",
    "fast_fill_normals",
    "fast_fill_normals_parallel",
    "fast_log_open_numpy",
    "fast_sincos_2pi_numpy",
    "fast_normals_numpy",
    "c_header_path",
]
