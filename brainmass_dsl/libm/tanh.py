"""Portable ``tanh`` on the portable ``expm1``: the same bits from Numba, NumPy and C/CUDA.

For a = |x|::

    tanh(a) = e / (e + 2),   e = expm1(2 a)        (2 a is exact)

with tanh(x) = x where |x| < 2**-28 (x**3/3 is below half an ulp of x), +-1 where |x| > 22
(1 - tanh(22) < 2**-63) and the sign of x put back by a negation (exact).

Accuracy against mpmath (``tests/test_libm.py``): < 3.5 ulp (measured max 2.74; expm1's
error, then one addition and one division; glibc's tanh: about 1 ulp).
Numba: ``portable_tanh`` (intrinsic, inline); NumPy: ``portable_tanh_numpy``; C99/CUDA:
``bm_tanh`` in ``exp.c_source()``.
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir

from .exp import float64_intrinsic
from .expm1 import emit_expm1, portable_expm1_numpy

TINY = 2.0**-28   # below: tanh(x) = x
HUGE = 22.0       # above: tanh(x) = +-1


def portable_tanh_numpy(x):
    """Elementwise tanh (float64); the same bits as ``portable_tanh``.

    >>> [float(portable_tanh_numpy(v)) for v in (0.0, 1.0, -30.0)]
    [0.0, 0.7615941559557649, -1.0]
    """
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    with np.errstate(all="ignore"):
        e = portable_expm1_numpy(a + a)
        t = e / (e + 2.0)
    t = np.where(a > HUGE, 1.0, t)
    t = np.where(x < 0.0, -t, t)
    return np.where(a < TINY, x, t)


def emit_tanh(builder: ir.IRBuilder, x: ir.Value) -> ir.Value:
    """LLVM IR for tanh(x) (double): ``portable_tanh_numpy`` line by line."""
    f64 = ir.DoubleType()
    fabs = builder.module.declare_intrinsic("llvm.fabs", [f64])
    a = builder.call(fabs, [x])
    e = emit_expm1(builder, builder.fadd(a, a))
    t = builder.fdiv(e, builder.fadd(e, ir.Constant(f64, 2.0)))
    t = builder.select(builder.fcmp_ordered(">", a, ir.Constant(f64, HUGE)),
                       ir.Constant(f64, 1.0), t)
    t = builder.select(builder.fcmp_ordered("<", x, ir.Constant(f64, 0.0)), builder.fneg(t), t)
    return builder.select(builder.fcmp_ordered("<", a, ir.Constant(f64, TINY)), x, t)


portable_tanh = float64_intrinsic(
    "portable_tanh", emit_tanh,
    "tanh (float64) in njit code, emitted inline; the same bits as ``portable_tanh_numpy``.")
