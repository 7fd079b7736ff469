"""Portable ``exp``: the same bits from Numba, NumPy and C/CUDA, and no library call in a kernel.

Model equations call ``exp`` more than any other function (sigmoids, rate constants,
exponential Euler). glibc's ``exp``, NumPy's SIMD ``exp`` and CUDA's ``exp`` round
differently, so a libm ``exp`` would make CPU and GPU runs differ in the last bits; and a
libm call in a Numba loop is opaque to LLVM: on x86-64 every floating-point register is
caller-saved, so each value alive across the call is stored and reloaded. This ``exp`` is
made only of ``+ - *``, comparisons, integer/bit operations and a table lookup, written so
that every rounding is fixed by the source (no fused multiply-add, no reassociation: the
rules of ``brainmass_dsl.rng.fastmath``), and it is emitted inline.

Algorithm (table-driven, N = 128)::

    k = round(x N / ln 2)               # kd = x * N/ln2 + 1.5 * 2**52 rounds to an integer
    r = x - k ln2/N                     # ln2/N = HI + LO; k * HI and x - k * HI exact
    exp(x) = 2**(k // N) * 2**(i/N) * exp(r),   i = k mod N,   |r| <= ln2 / 2N
    2**(i/N) = s_i (1 + t_i)            # s_i: the double nearest, t_i: its relative error
    exp(x) ~ S + S * (t_i + r + r**2/2 + r**3/6 + r**4/24 + r**5/120),   S = 2**(k // N) s_i

S is built by adding ``k << 45`` to the bits of s_i (the table holds ``bits(s_i) - (i << 45)``,
so the sum carries ``k // N`` into the exponent field). The degree-5 Taylor polynomial's
truncation error on |r| <= 0.0028 is below 6e-19. The table is computed from its
definition with mpmath (70 digits) when this module is imported.

Where |x| >= 700 (results near overflow or near the subnormal range) S is formed 2**-1009
or 2**1022 times too big and the sum is multiplied back by 2**1009 or 2**-1022 (for
|x| < 700 the factor is 1.0, which changes no bit); subnormal results are thus rounded
twice (<= 1 ulp there). Then ``x > OVERFLOW`` gives inf, ``x < UNDERFLOW`` gives 0 and NaN
gives NaN.

Accuracy against mpmath (``tests/test_libm.py``): < 0.51 ulp for normal results (glibc:
0.503), < 1 ulp for subnormal ones; ``exp(0) = 1``, ``exp(-inf) = 0``, ``exp(inf) = inf``,
``exp(nan) = nan``. Numba: ``portable_exp`` (an intrinsic: LLVM IR emitted at each call
site, cheap to compile); NumPy: ``portable_exp_numpy``; C99/CUDA: ``c_source()``.
``expm1.py`` builds ``expm1`` and ``exprel`` on the same reduction.
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

TABLE_BITS = 7
N = 1 << TABLE_BITS


def _table():
    """(bits(s_i) - (i << 45) mod 2**64, t_i) for i < N, s_i the double nearest 2**(i/N)."""
    import mpmath

    with mpmath.workdps(70):
        sbits, tail = np.empty(N, np.uint64), np.empty(N)
        for i in range(N):
            v = mpmath.power(2, mpmath.mpf(i) / N)
            s = float(v)                                      # rounded to nearest
            tail[i] = float((v - s) / s)
            sbits[i] = (int(np.float64(s).view(np.uint64)) - (i << (52 - TABLE_BITS))) % 2**64
        return sbits, tail


SBITS, TAIL = _table()
INV_LN2_N = float.fromhex("0x1.71547652b82fep7")   # N / ln 2, rounded
SHIFT = float.fromhex("0x1.8p52")                   # kd + SHIFT rounds kd to an integer
LN2_N_HI = float.fromhex("0x1.62e42fefa0000p-8")   # ln2/N in 36 bits: k * HI exact, |k| < 2**17
LN2_N_LO = float.fromhex("0x1.cf79abc9e3b3ap-47")  # ln2/N - HI, rounded
C3, C4, C5 = 1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0
C6 = 1.0 / 720.0                     # expm1 only: its error is relative to r, not to 1
MAIN_LIMIT = 700.0                    # |x| below: S and S * tmp are normal, no rescaling
OVERFLOW = 709.782712893384           # above: exp(x) > DBL_MAX (ln DBL_MAX, rounded)
UNDERFLOW = -745.1332191019412        # below: exp(x) < 2**-1075, rounds to 0
_BIAS_POS = (-(1009 << 52)) % 2**64   # S / 2**1009 ...
_SCALE_POS = float.fromhex("0x1p1009")   # ... times 2**1009
_BIAS_NEG = 1022 << 52                # S * 2**1022 ...
_SCALE_NEG = float.fromhex("0x1p-1022")  # ... times 2**-1022
_SH = np.uint64(52 - TABLE_BITS)
_MASK = np.uint64(N - 1)


# ------------------------------------------------------------------------------ NumPy
def reduce_numpy(x, degree=5):
    """(bits of S = 2**(k // N) s_i as uint64, tmp) for float64 array x (see the module);
    degree 6 adds r**6/720 (for expm1)."""
    kd = x * INV_LN2_N + SHIFT
    ki = kd.view(np.uint64)
    kd = kd - SHIFT
    r = (x - kd * LN2_N_HI) - kd * LN2_N_LO
    i = ki & _MASK
    r2 = r * r
    c45 = C4 + r * C5 if degree == 5 else C4 + r * (C5 + r * C6)
    tmp = ((TAIL[i] + r) + r2 * (0.5 + r * C3)) + (r2 * r2) * c45
    return SBITS[i] + (ki << _SH), tmp


def portable_exp_numpy(x, lo=None):
    """Elementwise e**x for float64 arrays or scalars; the same bits as ``portable_exp``.

    ``lo``: e**(x + lo) for a double-double argument (|lo| <= ulp(x)/2, e.g. the error of
    the sum that gave x): e**(r + lo) = (1 + tmp)(1 + lo), so the reduced polynomial becomes
    ``tmp + lo * (1 + tmp)`` and the result is rounded once (``erf.py`` uses it; Numba:
    ``emit_exp(builder, x, lo)``, C: ``bm_exp_dd``).

    >>> float(portable_exp_numpy(1.0)), float(portable_exp_numpy(0.0))
    (2.718281828459045, 1.0)
    >>> portable_exp_numpy(np.array([-np.inf, 710.0, np.nan]))
    array([ 0., inf, nan])
    """
    x = np.asarray(x, dtype=np.float64)
    scalar = x.ndim == 0
    x = np.atleast_1d(x)
    with np.errstate(all="ignore"):                     # inf/NaN lanes are replaced below
        sbits, tmp = reduce_numpy(x)
        if lo is not None:
            lo = np.atleast_1d(np.asarray(lo, dtype=np.float64))
            tmp = tmp + lo * (1.0 + tmp)
        inside, pos = np.abs(x) < MAIN_LIMIT, x > 0.0
        bias = np.where(inside, np.uint64(0), np.where(pos, np.uint64(_BIAS_POS),
                                                      np.uint64(_BIAS_NEG)))
        scale = np.where(inside, 1.0, np.where(pos, _SCALE_POS, _SCALE_NEG))
        s = (sbits + bias).view(np.float64)
        y = (s + s * tmp) * scale
    y = np.where(x > OVERFLOW, np.inf, y)
    y = np.where(x < UNDERFLOW, 0.0, y)
    y = np.where(np.isnan(x), x, y)
    return y[0] if scalar else y


# ------------------------------------------------------------------------------ Numba
def _global_table(module, name, ty, values):
    """A private constant array in the LLVM module (one per module, reused by each call)."""
    if name in module.globals:
        return module.globals[name]
    arr = ir.ArrayType(ty, len(values))
    g = ir.GlobalVariable(module, arr, name=name)
    g.initializer = ir.Constant(arr, [ir.Constant(ty, v) for v in values])
    g.global_constant = True
    g.linkage = "private"
    return g


def emit_reduction(builder: ir.IRBuilder, x: ir.Value, degree: int = 5):
    """LLVM IR of ``reduce_numpy`` for one double: (bits of S (i64), tmp, |x| < MAIN_LIMIT)."""
    f64, i64 = ir.DoubleType(), ir.IntType(64)

    def c(v):
        return ir.Constant(f64, v)

    mod = builder.module
    sbits_t = _global_table(mod, "bm_exp_sbits", i64, [int(v) for v in SBITS])
    tail_t = _global_table(mod, "bm_exp_tail", f64, [float(v) for v in TAIL])
    zero = ir.Constant(ir.IntType(32), 0)
    kd0 = builder.fadd(builder.fmul(x, c(INV_LN2_N)), c(SHIFT))
    ki = builder.bitcast(kd0, i64)
    kd = builder.fsub(kd0, c(SHIFT))
    r = builder.fsub(builder.fsub(x, builder.fmul(kd, c(LN2_N_HI))), builder.fmul(kd, c(LN2_N_LO)))
    i = builder.and_(ki, ir.Constant(i64, N - 1))
    sb = builder.load(builder.gep(sbits_t, [zero, i], inbounds=True))
    tail = builder.load(builder.gep(tail_t, [zero, i], inbounds=True))
    r2 = builder.fmul(r, r)
    p23 = builder.fmul(r2, builder.fadd(c(0.5), builder.fmul(r, c(C3))))
    c5 = c(C5) if degree == 5 else builder.fadd(c(C5), builder.fmul(r, c(C6)))
    p45 = builder.fmul(builder.fmul(r2, r2), builder.fadd(c(C4), builder.fmul(r, c5)))
    tmp = builder.fadd(builder.fadd(builder.fadd(tail, r), p23), p45)
    fabs = mod.declare_intrinsic("llvm.fabs", [f64])
    inside = builder.fcmp_ordered("<", builder.call(fabs, [x]), c(MAIN_LIMIT))
    sbits = builder.add(sb, builder.shl(ki, ir.Constant(i64, 52 - TABLE_BITS)))
    return sbits, tmp, inside


def emit_exp(builder: ir.IRBuilder, x: ir.Value, lo: ir.Value = None) -> ir.Value:
    """LLVM IR for e**x (double) at the builder's position: ``portable_exp_numpy`` line by line
    (with ``lo``: e**(x + lo), ``tmp + lo * (1 + tmp)``, as ``portable_exp_numpy(x, lo)``).

    No fast-math flags: LLVM neither contracts nor reassociates, so the roundings are those
    written. |x| < 700 takes a short path (its scale 1.0 changes no bit); the rest, a block
    of selects that LLVM lays out of the way.
    """
    f64, i64 = ir.DoubleType(), ir.IntType(64)

    def c(v):
        return ir.Constant(f64, v)

    sbits, tmp, inside = emit_reduction(builder, x)
    if lo is not None:
        tmp = builder.fadd(tmp, builder.fmul(lo, builder.fadd(c(1.0), tmp)))
    with builder.if_else(inside, likely=True) as (main, outside):
        with main:                              # the scale would be 1.0: left out
            s = builder.bitcast(sbits, f64)
            y_main = builder.fadd(s, builder.fmul(s, tmp))
            bb_main = builder.block
        with outside:
            pos = builder.fcmp_ordered(">", x, c(0.0))
            bias = builder.select(pos, ir.Constant(i64, _BIAS_POS), ir.Constant(i64, _BIAS_NEG))
            scale = builder.select(pos, c(_SCALE_POS), c(_SCALE_NEG))
            s = builder.bitcast(builder.add(sbits, bias), f64)
            y = builder.fmul(builder.fadd(s, builder.fmul(s, tmp)), scale)
            y = builder.select(builder.fcmp_ordered(">", x, c(OVERFLOW)), c(float("inf")), y)
            y = builder.select(builder.fcmp_ordered("<", x, c(UNDERFLOW)), c(0.0), y)
            y_out = builder.select(builder.fcmp_unordered("uno", x, x), x, y)
            bb_out = builder.block
    out = builder.phi(f64)
    out.add_incoming(y_main, bb_main)
    out.add_incoming(y_out, bb_out)
    return out


def float64_intrinsic(name: str, emit, doc: str):
    """A Numba intrinsic `name(x) -> float64` whose body is `emit(builder, x as double)`:
    the IR is written at each call site (no call, and nothing for Numba to type or inline)."""
    def typer(typingctx, x):
        if not isinstance(x, (types.Float, types.Integer, types.Boolean)):
            return None

        def codegen(context, builder, signature, args):
            return emit(builder, context.cast(builder, args[0], signature.args[0],
                                              types.float64))

        return types.float64(x), codegen

    typer.__name__ = typer.__qualname__ = name
    typer.__doc__ = doc
    return intrinsic(typer)


portable_exp = float64_intrinsic(
    "portable_exp", emit_exp,
    "e**x (float64) in njit code, emitted inline; the same bits as ``portable_exp_numpy``.")


# ------------------------------------------------------------------------------ C / CUDA
def c_source() -> str:
    """C99 / CUDA source of ``bm_exp``, ``bm_expm1``, ``bm_exprel``, ``bm_tanh``, ``bm_erf``
    and ``bm_erfc`` (double): the same bits as the NumPy and Numba functions when compiled
    with ``-ffp-contract=off``
    (gcc/clang) or ``--fmad=false`` (nvcc/NVRTC)."""
    from .erf import c_source as erf_c_source
    from .tanh import HUGE, TINY

    sbits = ",\n    ".join(", ".join(f"0x{int(v):016x}u" for v in SBITS[j:j + 4])
                           for j in range(0, N, 4))
    tail = ",\n    ".join(", ".join(float(v).hex() for v in TAIL[j:j + 4]) for j in range(0, N, 4))
    h = float.hex
    return f"""/* bm_exp: portable e**x, generated by brainmass_dsl/libm/exp.py (see its docstring).
 * Bitwise equal to portable_exp_numpy / portable_exp (Numba) when floating-point
 * expressions are evaluated as written: gcc/clang -ffp-contract=off (no -ffast-math),
 * nvcc/NVRTC --fmad=false (no --use_fast_math). */
#ifndef BRAINMASS_BM_EXP_H
#define BRAINMASS_BM_EXP_H
#ifdef __CUDACC__
#define BM_EXP_FN static __device__ __forceinline__
#define BM_EXP_TABLE static __device__ const
typedef unsigned long long bm_exp_u64;
#else
#include <stdint.h>
#include <string.h>
#define BM_EXP_FN static inline
#define BM_EXP_TABLE static const
typedef uint64_t bm_exp_u64;
#endif

BM_EXP_TABLE bm_exp_u64 bm_exp_sbits[{N}] = {{
    {sbits}}};
BM_EXP_TABLE double bm_exp_tail[{N}] = {{
    {tail}}};

BM_EXP_FN bm_exp_u64 bm_exp_as_bits(double x)
{{
#ifdef __CUDACC__
    return (bm_exp_u64)__double_as_longlong(x);
#else
    bm_exp_u64 i;
    memcpy(&i, &x, sizeof i);
    return i;
#endif
}}

BM_EXP_FN double bm_exp_from_bits(bm_exp_u64 i)
{{
#ifdef __CUDACC__
    return __longlong_as_double((long long)i);
#else
    double x;
    memcpy(&x, &i, sizeof x);
    return x;
#endif
}}

/* S = 2**(k // N) s_i (bits) and tmp, as reduce_numpy (degree 5, or 6 if deg6) */
BM_EXP_FN bm_exp_u64 bm_exp_reduce(double x, double *tmp, int deg6)
{{
    double kd = x * {h(INV_LN2_N)} + {h(SHIFT)};
    bm_exp_u64 ki = bm_exp_as_bits(kd);
    kd = kd - {h(SHIFT)};
    double r = (x - kd * {h(LN2_N_HI)}) - kd * {h(LN2_N_LO)};
    unsigned i = (unsigned)(ki & {N - 1}u);
    double r2 = r * r;
    double c5 = deg6 ? {h(C5)} + r * {h(C6)} : {h(C5)};
    *tmp = ((bm_exp_tail[i] + r) + r2 * (0.5 + r * {h(C3)})) + (r2 * r2) * ({h(C4)} + r * c5);
    return bm_exp_sbits[i] + (ki << {52 - TABLE_BITS});
}}

BM_EXP_FN double bm_exp(double x)
{{
    double tmp;
    bm_exp_u64 sbits = bm_exp_reduce(x, &tmp, 0);
    int inside = (x < 0.0 ? -x : x) < {h(MAIN_LIMIT)};
    int pos = x > 0.0;
    bm_exp_u64 bias = inside ? 0u : (pos ? 0x{_BIAS_POS:016x}u : 0x{_BIAS_NEG:016x}u);
    double scale = inside ? 1.0 : (pos ? {h(_SCALE_POS)} : {h(_SCALE_NEG)});
    double s = bm_exp_from_bits(sbits + bias);
    double y = (s + s * tmp) * scale;
    if (x > {h(OVERFLOW)}) y = bm_exp_from_bits(0x7ff0000000000000u);   /* inf */
    if (x < {h(UNDERFLOW)}) y = 0.0;
    if (x != x) y = x;
    return y;
}}

/* e**(x + lo), |lo| <= ulp(x)/2: bm_exp with tmp + lo (1 + tmp) (portable_exp_numpy(x, lo)) */
BM_EXP_FN double bm_exp_dd(double x, double lo)
{{
    double tmp;
    bm_exp_u64 sbits = bm_exp_reduce(x, &tmp, 0);
    tmp = tmp + lo * (1.0 + tmp);
    int inside = (x < 0.0 ? -x : x) < {h(MAIN_LIMIT)};
    int pos = x > 0.0;
    bm_exp_u64 bias = inside ? 0u : (pos ? 0x{_BIAS_POS:016x}u : 0x{_BIAS_NEG:016x}u);
    double scale = inside ? 1.0 : (pos ? {h(_SCALE_POS)} : {h(_SCALE_NEG)});
    double s = bm_exp_from_bits(sbits + bias);
    double y = (s + s * tmp) * scale;
    if (x > {h(OVERFLOW)}) y = bm_exp_from_bits(0x7ff0000000000000u);   /* inf */
    if (x < {h(UNDERFLOW)}) y = 0.0;
    if (x != x) y = x;
    return y;
}}

/* e**x - 1 (brainmass_dsl/libm/expm1.py) */
BM_EXP_FN double bm_expm1(double x)
{{
    double tmp;
    bm_exp_u64 sbits = bm_exp_reduce(x, &tmp, 1);
    if ((x < 0.0 ? -x : x) < {h(MAIN_LIMIT)}) {{
        double s = bm_exp_from_bits(sbits);
        return (s - 1.0) + s * tmp;
    }}
    return (x > 0.0 || x != x) ? bm_exp(x) : -1.0;
}}

/* (e**z - 1) / z, 1 at z = 0: the exponential Euler scheme's phi */
BM_EXP_FN double bm_exprel(double z)
{{
    return z == 0.0 ? 1.0 : bm_expm1(z) / z;
}}

/* tanh (brainmass_dsl/libm/tanh.py) */
BM_EXP_FN double bm_tanh(double x)
{{
    double a = x < 0.0 ? -x : x;
    double e = bm_expm1(a + a);
    double t = e / (e + 2.0);
    if (a > {h(HUGE)}) t = 1.0;
    if (x < 0.0) t = -t;
    return a < {h(TINY)} ? x : t;
}}
{erf_c_source()}
#endif
"""
