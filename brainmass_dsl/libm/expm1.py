"""Portable ``expm1`` and ``exprel(z) = (e**z - 1)/z``: the exponential Euler scheme's phi.

Same reduction and table as ``portable_exp`` (see ``exp.py``), the polynomial one degree
higher (+ r**6/720: expm1's error is relative to r, not to 1), and::

    expm1(x) = (S - 1) + S * tmp        S = 2**(k // N) s_i,  tmp = t_i + r + r**2/2 + ...

S - 1 is exact for S in [0.5, 2] (Sterbenz), that is for |x| < ln 2, where cancellation would
otherwise cost; near 0 (k = 0) S = 1 and expm1(x) = tmp, the polynomial itself, so tiny
arguments keep their relative accuracy (expm1(1e-300) = 1e-300). For |x| >= 700 the result
is ``exp(x)`` (x > 0, the 1 is far below its last place) or -1.
``exprel(z) = expm1(z) / z`` with ``exprel(0) = 1``.

Accuracy against mpmath (``tests/test_libm.py``): expm1 < 1 ulp, exprel < 1.5 ulp (glibc's
expm1 followed by the same division: about 1 ulp). Numba: ``portable_expm1``,
``portable_exprel`` (intrinsics, inline); NumPy: ``portable_expm1_numpy``,
``portable_exprel_numpy``; C99/CUDA: ``bm_expm1``, ``bm_exprel`` in ``exp.c_source()``.
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir

from .exp import (MAIN_LIMIT, emit_exp, emit_reduction, float64_intrinsic, portable_exp_numpy,
                  reduce_numpy)


# ------------------------------------------------------------------------------ NumPy
def portable_expm1_numpy(x):
    """Elementwise e**x - 1 (float64); the same bits as ``portable_expm1``.

    >>> float(portable_expm1_numpy(1e-300)), float(portable_expm1_numpy(-800.0))
    (1e-300, -1.0)
    """
    x = np.asarray(x, dtype=np.float64)
    scalar = x.ndim == 0
    x = np.atleast_1d(x)
    with np.errstate(all="ignore"):
        sbits, tmp = reduce_numpy(x, degree=6)
        s = sbits.view(np.float64)
        y = (s - 1.0) + s * tmp
    big = (x > 0.0) | np.isnan(x)
    y = np.where(np.abs(x) < MAIN_LIMIT, y, np.where(big, portable_exp_numpy(x), -1.0))
    return y[0] if scalar else y


def portable_exprel_numpy(z):
    """Elementwise (e**z - 1)/z with exprel(0) = 1; the same bits as ``portable_exprel``.

    >>> float(portable_exprel_numpy(0.0)), float(portable_exprel_numpy(1e-20))
    (1.0, 1.0)
    """
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(all="ignore"):
        return np.where(z == 0.0, 1.0, portable_expm1_numpy(z) / z)


# ------------------------------------------------------------------------------ Numba
def emit_expm1(builder: ir.IRBuilder, x: ir.Value) -> ir.Value:
    """LLVM IR for e**x - 1 (double): ``portable_expm1_numpy`` line by line."""
    f64 = ir.DoubleType()
    sbits, tmp, inside = emit_reduction(builder, x, degree=6)
    with builder.if_else(inside, likely=True) as (main, outside):
        with main:
            s = builder.bitcast(sbits, f64)
            y_main = builder.fadd(builder.fsub(s, ir.Constant(f64, 1.0)), builder.fmul(s, tmp))
            bb_main = builder.block
        with outside:
            e = emit_exp(builder, x)
            big = builder.fcmp_unordered(">", x, ir.Constant(f64, 0.0))      # > 0 or NaN
            y_out = builder.select(big, e, ir.Constant(f64, -1.0))
            bb_out = builder.block
    out = builder.phi(f64)
    out.add_incoming(y_main, bb_main)
    out.add_incoming(y_out, bb_out)
    return out


def emit_exprel(builder: ir.IRBuilder, z: ir.Value) -> ir.Value:
    """LLVM IR for (e**z - 1)/z, 1 at z = 0 (double): ``portable_exprel_numpy``."""
    f64 = ir.DoubleType()
    q = builder.fdiv(emit_expm1(builder, z), z)
    zero = builder.fcmp_ordered("==", z, ir.Constant(f64, 0.0))
    return builder.select(zero, ir.Constant(f64, 1.0), q)


portable_expm1 = float64_intrinsic(
    "portable_expm1", emit_expm1,
    "e**x - 1 (float64) in njit code, inline; the same bits as ``portable_expm1_numpy``.")
portable_exprel = float64_intrinsic(
    "portable_exprel", emit_exprel,
    "(e**z - 1)/z, 1 at z = 0 (float64), inline; the bits of ``portable_exprel_numpy``.")
