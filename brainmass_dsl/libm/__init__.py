"""Portable elementary functions for model equations: the same bits from Numba, NumPy and C.

``portable_exp`` (a Numba intrinsic, emitted inline in generated kernels),
``portable_exp_numpy`` (the NumPy reference path) and ``exp_c_source()`` (C99/CUDA).
"""
from .exp import c_source as exp_c_source
from .exp import portable_exp, portable_exp_numpy

__all__ = ["portable_exp", "portable_exp_numpy", "exp_c_source"]
