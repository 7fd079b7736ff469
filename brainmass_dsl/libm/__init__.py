"""Portable elementary functions for model equations: the same bits from Numba, NumPy and C.

``portable_exp``, ``portable_expm1``, ``portable_exprel``, ``portable_tanh``,
``portable_erf``, ``portable_erfc`` (Numba intrinsics, emitted inline in generated kernels),
their ``*_numpy`` twins (the NumPy reference path) and ``exp_c_source()`` (C99/CUDA:
``bm_exp``, ``bm_expm1``, ``bm_exprel``, ``bm_tanh``, ``bm_erf``, ``bm_erfc``).
"""
from .exp import c_source as exp_c_source
from .erf import portable_erf, portable_erf_numpy, portable_erfc, portable_erfc_numpy
from .exp import portable_exp, portable_exp_numpy
from .expm1 import (portable_expm1, portable_expm1_numpy, portable_exprel,
                    portable_exprel_numpy)
from .tanh import portable_tanh, portable_tanh_numpy

__all__ = ["portable_exp", "portable_exp_numpy", "portable_expm1", "portable_expm1_numpy",
           "portable_exprel", "portable_exprel_numpy", "portable_tanh", "portable_tanh_numpy",
           "portable_erf", "portable_erf_numpy", "portable_erfc", "portable_erfc_numpy",
           "exp_c_source"]
