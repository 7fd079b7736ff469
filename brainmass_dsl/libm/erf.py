"""Portable ``erf`` and ``erfc``: the same bits from Numba, NumPy and C/CUDA, inline in kernels.

Transfer functions of mean-field models (Zerlaut et al. 2018, Amari-type rate models with
Gaussian noise) are written with the error function. This module follows fdlibm's
``s_erf.c`` (its intervals, its rational approximations and its splitting of exp(-x**2)),
with ``portable_exp`` for the exponentials, so that the only roundings are those written
here (rules of ``brainmass_dsl.rng.fastmath``: no fused multiply-add, no reassociation).

For a = |x| (erf(-x) = -erf(x), erfc(-x) = 2 - erfc(x))::

    k = 0   a < 0.84375        erf = x + x*R(x**2)             (R = P/Q, w = x**2)
            (a < 2**-28: x + efx*x; a < 2**-1015: (8x + 8 efx x)/8, no underflow)
            erfc = 1 - (x + x*R)               where x < 1/4
                 = 0.5 - (x*R + (x - 0.5))     where 1/4 <= x < 1/2  (1 - x: a < 2**-56)
                 = (1 - x) - x*R               where 1/2 <= x (1 - x exact; fdlibm's
                   form above rounds its sum in [1/4, 1/2) for results below 1/4: 2 ulp)
    k = 1   a < 1.25           erf = +-(erx + P/Q)             (w = a - 1; erx = erf(1)
                                                                 rounded to 24 bits)
            erfc = (1 - erx) - P/Q  (x > 0),   1 + (erx + P/Q)  (x < 0)
            For x > 0, (1 - erx) - y is exact and cancels half: the rounding errors of
            P's last Horner step, of Q's last addition and of the division are carried
            (Dekker's product without fma, Fast2Sum) and subtracted: 2.2 ulp -> 1.5 ulp.
    k = 2   a < 0x4006DB6E00000000 (~1/0.35)
    k = 3   a < 28             erfc(a) = r / a,  erf = +-(1 - r/a)     (w = 1/a**2)
            r = exp(-z*z - 0.5625) * exp((z - a)*(z + a) + P/Q)
            z = a with its low 32 bits cleared: z*z and -z*z - 0.5625 are exact,
            (z - a)*(z + a) is small, so exp(-a**2) carries no rounding of a**2.
    erf = +-1 where a >= 6; erfc = 0 (x >= 28), 2 (x <= -6); NaN gives NaN.

The four rational functions are evaluated by one Horner scheme whose coefficients are
taken from a table row ``k`` (P of degree <= 7, Q = 1 + w*(...) of degree <= 8; fdlibm's
lower degrees are padded with zeros at the top, which changes no bit: ``c + w*0 = c``),
so the NumPy, Numba and C versions share the same operations without per-interval code.
fdlibm uses 0x4006DB6E for erf and 0x4006DB6D for erfc between the third and fourth
intervals; both functions here use 0x4006DB6E00000000 (either approximation holds there).

Coefficients: fdlibm ``s_erf.c`` (Copyright (C) 1993 by Sun Microsystems, Inc. All rights
reserved. Developed at SunPro, a Sun Microsystems, Inc. business. Permission to use, copy,
modify, and distribute this software is freely granted, provided that this notice is
preserved.)

Accuracy against mpmath (40 digits), in ulp of the exact value, measured on a grid of
1.2 million points of [-6, 6] (every 1e-5), 20,000 random points, the interval edges and
their neighbours: **erf max 0.90 ulp, erfc max 1.83 ulp** (at x = 1.357, in [1.25, 2.86]);
erfc on [6, 27.3] (25,000 points, results down to the subnormal range): max 1.34 ulp for
normal results, 0.65 of the subnormal spacing below them; erfc(x) = 0 from x ~ 27.23.
``tests/test_libm.py`` checks erf < 1 and erfc < 2 ulp on random points of each interval.
glibc's ``erf``/``erfc`` (fdlibm's algorithm, modified) on the same kind of sample: erf
0.77, erfc 2.5 ulp on [1.25, 6] and 3.3 ulp on [0.84, 1.25]. Without the corrections
below, fdlibm's formulas with this module's exp gave erfc 2.5 ulp (two exponentials
multiplied) and 2.2 ulp (near x = 1.2 and x = 0.82).
Exact: erf(+-0) = +-0, erf(+-inf) = +-1, erfc(0) = 1, erfc(inf) = 0, erfc(-inf) = 2.

Numba: ``portable_erf``, ``portable_erfc`` (intrinsics: LLVM IR at each call site, no
branch but the exponential's own); NumPy: ``portable_erf_numpy``, ``portable_erfc_numpy``;
C99/CUDA: ``bm_erf``, ``bm_erfc`` in ``exp.c_source()``.
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir

from .exp import _global_table, emit_exp, float64_intrinsic, portable_exp_numpy

# ------------------------------------------------------------------ constants (fdlibm)
ERX = 8.45062911510467529297e-01        # 0x3FEB0AC1 60000000: erf(1) in 24 bits
ONE_MINUS_ERX = 1.0 - ERX               # exact (erx has 24 significant bits)
EFX = 1.28379167095512586316e-01        # 2/sqrt(pi) - 1
EFX8 = 1.02703333676410069053e+00       # 8 * EFX

SMALL = 0.84375                         # 0x3FEB0000: the first interval's end
MID = 1.25                              # 0x3FF40000
TAIL = float(np.uint64(0x4006DB6E00000000).view(np.float64))   # ~ 1/0.35 = 2.857...
ERF_ONE = 6.0                           # above: erf = +-1 (1 - erfc(6) rounds to 1)
ERFC_ZERO = 28.0                        # above: erfc = 0 (fdlibm's tiny*tiny)
TINY_ERF = 2.0**-28                     # below: erf = x + efx x
TINY_SUB = 2.0**-1015                   # below: erf = (8 x + efx8 x) / 8 (no underflow)
TINY_ERFC = 2.0**-56                    # below: erfc = 1 - x
QUARTER = 0.25
HIGH_MASK = 0xFFFFFFFF00000000

#: P_k(w) = c0 + w*(c1 + ... + w*c7), one row per interval k (zeros pad lower degrees)
P_TABLE = np.array([
    # k = 0, [0, 0.84375): pp0..pp4
    [1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
     -5.77027029648944159157e-03, -2.37630166566501626084e-05, 0.0, 0.0, 0.0],
    # k = 1, [0.84375, 1.25): pa0..pa6
    [-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
     3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
     -2.16637559486879084300e-03, 0.0],
    # k = 2, [1.25, 1/0.35): ra0..ra7
    [-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
     -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
     -8.12874355063065934246e+01, -9.81432934416914548592e+00],
    # k = 3, [1/0.35, 28): rb0..rb6
    [-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
     -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
     -4.83519191608651397019e+02, 0.0],
])
#: Q_k(w) = 1 + w*(q1 + w*(q2 + ... + w*q8)): the row holds q1..q8
Q_TABLE = np.array([
    # qq1..qq5
    [3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
     1.32494738004321644526e-04, -3.96022827877536812320e-06, 0.0, 0.0, 0.0],
    # qa1..qa6
    [1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
     1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02,
     0.0, 0.0],
    # sa1..sa8
    [1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
     6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
     6.57024977031928170135e+00, -6.04244152148580987438e-02],
    # sb1..sb7
    [3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
     3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
     -2.24409524465858183362e+01, 0.0],
])
DEGREE = P_TABLE.shape[1] - 1           # 7: Horner steps for P and for Q
PA0 = float(P_TABLE[1, 0])
SPLIT = 134217729.0                     # 2**27 + 1 (Veltkamp)


# ------------------------------------------------------------------------------ NumPy
def _split(v):
    """Veltkamp: v = hi + lo exactly, hi with 26 significant bits."""
    t = SPLIT * v
    hi = t - (t - v)
    return hi, v - hi


def _two_prod(u, v):
    """(u*v rounded, its error) exactly, without fused multiply-add (Dekker)."""
    prod = u * v
    uh, ul = _split(u)
    vh, vl = _split(v)
    return prod, ((uh * vh - prod) + uh * vl + ul * vh) + ul * vl


def _erfc_mid_numpy(w, p1, p, t, y):
    """erfc(x) for 0.84375 <= x < 1.25: (1 - erx) - P/Q with P's last Horner step, Q and the
    division corrected (double-double): (1 - erx) - y is exact and cancels half of it."""
    sh, sl = _two_prod(w, p1)                    # P = PA0 + w*p1 = p + plo
    bb = p - PA0
    plo = ((PA0 - (p - bb)) + (sh - bb)) + sl
    q_ = 1.0 + t                                 # Q = q_ + qlo
    qlo = (1.0 - q_) + t
    ph, pl = _two_prod(y, q_)                    # P - y Q = the division's residual
    d = (((p - ph) - pl) + plo) - y * qlo
    return (ONE_MINUS_ERX - y) - d / q_


def _parts_numpy(x):
    """(a, k, w, p1, p = P_k, t = Q_k - 1, y = P_k/Q_k, r = the tail's exp(-a**2 ...)) for a
    float64 array x, p = P_k[0] + w*p1; everything is computed on every lane (each lane
    later takes what its interval needs)."""
    a = np.abs(x)
    k = ((a >= SMALL).astype(np.intp) + (a >= MID).astype(np.intp)
         + (a >= TAIL).astype(np.intp))
    w = np.where(a < SMALL, x * x, np.where(a < MID, a - 1.0, 1.0 / (a * a)))
    pc, qc = P_TABLE[k], Q_TABLE[k]
    p1, q = pc[..., DEGREE], qc[..., DEGREE]
    for j in range(DEGREE - 1, 0, -1):
        p1 = pc[..., j] + w * p1
    p = pc[..., 0] + w * p1
    for j in range(DEGREE - 1, -1, -1):
        q = qc[..., j] + w * q
    t = w * q
    y = p / (1.0 + t)
    z = (a.view(np.uint64) & np.uint64(HIGH_MASK)).view(np.float64)
    big, small = -z * z - 0.5625, (z - a) * (z + a) + y
    s = big + small
    r = portable_exp_numpy(s, (big - s) + small)
    return a, k, w, p1, p, t, y, r


def _prepare(x):
    """(x as a 1-d float64 array, whether x was a scalar)."""
    x = np.asarray(x, dtype=np.float64)
    return np.atleast_1d(x), x.ndim == 0


def portable_erf_numpy(x):
    """Elementwise erf (float64); the same bits as ``portable_erf``.

    >>> [float(portable_erf_numpy(v)) for v in (0.0, 0.5, -2.0, 7.0)]
    [0.0, 0.5204998778130465, -0.9953222650189527, 1.0]
    """
    x, scalar = _prepare(x)
    with np.errstate(all="ignore"):
        a, k, _, _, _, _, y, r = _parts_numpy(x)
        e0 = x + x * y
        e0 = np.where(a < TINY_ERF, x + EFX * x, e0)
        e0 = np.where(a < TINY_SUB, 0.125 * (8.0 * x + EFX8 * x), e0)
        t = np.where(k == 1, ERX + y, np.where(a >= ERF_ONE, 1.0, 1.0 - r / a))
        t = np.where(x < 0.0, -t, t)
    out = np.where(k == 0, e0, t)
    out = np.where(np.isnan(x), x, out)
    return out[0] if scalar else out


def portable_erfc_numpy(x):
    """Elementwise erfc = 1 - erf (float64); the same bits as ``portable_erfc``.

    >>> [float(portable_erfc_numpy(v)) for v in (0.0, 1.0, 10.0, -7.0, 30.0)]
    [1.0, 0.15729920705028513, 2.088487583762545e-45, 2.0, 0.0]
    """
    x, scalar = _prepare(x)
    with np.errstate(all="ignore"):
        a, k, w, p1, p, t, y, r = _parts_numpy(x)
        pos = x > 0.0
        c0 = np.where(x < QUARTER, 1.0 - (x + x * y),
                      np.where(x < 0.5, 0.5 - (x * y + (x - 0.5)), (1.0 - x) - x * y))
        c0 = np.where(a < TINY_ERFC, 1.0 - x, c0)
        c1 = np.where(pos, _erfc_mid_numpy(w, p1, p, t, y), 1.0 + (ERX + y))
        ra = r / a
        c2 = np.where(pos, np.where(a >= ERFC_ZERO, 0.0, ra),
                      np.where(a >= ERF_ONE, 2.0, 2.0 - ra))
    out = np.where(k == 0, c0, np.where(k == 1, c1, c2))
    out = np.where(np.isnan(x), x, out)
    return out[0] if scalar else out


# ------------------------------------------------------------------------------ Numba
def _emit_parts(builder: ir.IRBuilder, x: ir.Value):
    """LLVM IR of ``_parts_numpy`` for one double: (a, k (i64), w, p1, p, t, y, r), all
    computed on every call, with selects and no branch: on random arguments a branch
    around the exponential mispredicts and costs more than the exponential (erf in a loop
    over [-3, 3]: 39 ns with the branch, 23 ns without)."""
    f64, i64 = ir.DoubleType(), ir.IntType(64)

    def c(v):
        return ir.Constant(f64, v)

    mod = builder.module
    ptab = _global_table(mod, "bm_erf_p", f64, [float(v) for v in P_TABLE.ravel()])
    qtab = _global_table(mod, "bm_erf_q", f64, [float(v) for v in Q_TABLE.ravel()])
    zero = ir.Constant(ir.IntType(32), 0)
    fabs = mod.declare_intrinsic("llvm.fabs", [f64])
    a = builder.call(fabs, [x])
    ge = [builder.zext(builder.fcmp_ordered(">=", a, c(v)), i64) for v in (SMALL, MID, TAIL)]
    k = builder.add(builder.add(ge[0], ge[1]), ge[2])
    w = builder.select(builder.fcmp_ordered("<", a, c(SMALL)), builder.fmul(x, x),
                       builder.select(builder.fcmp_ordered("<", a, c(MID)),
                                      builder.fsub(a, c(1.0)),
                                      builder.fdiv(c(1.0), builder.fmul(a, a))))
    row = builder.mul(k, ir.Constant(i64, DEGREE + 1))

    def coef(tab, j):
        idx = builder.add(row, ir.Constant(i64, j))
        return builder.load(builder.gep(tab, [zero, idx], inbounds=True))

    p1, q = coef(ptab, DEGREE), coef(qtab, DEGREE)
    for j in range(DEGREE - 1, 0, -1):
        p1 = builder.fadd(coef(ptab, j), builder.fmul(w, p1))
    p = builder.fadd(coef(ptab, 0), builder.fmul(w, p1))
    for j in range(DEGREE - 1, -1, -1):
        q = builder.fadd(coef(qtab, j), builder.fmul(w, q))
    t = builder.fmul(w, q)
    y = builder.fdiv(p, builder.fadd(c(1.0), t))
    bits = builder.and_(builder.bitcast(a, i64), ir.Constant(i64, HIGH_MASK))
    z = builder.bitcast(bits, f64)
    big = builder.fsub(builder.fmul(builder.fneg(z), z), c(0.5625))
    small = builder.fadd(builder.fmul(builder.fsub(z, a), builder.fadd(z, a)), y)
    s = builder.fadd(big, small)
    r = emit_exp(builder, s, builder.fadd(builder.fsub(big, s), small))
    return a, k, w, p1, p, t, y, r


def _emit_two_prod(builder: ir.IRBuilder, u: ir.Value, v: ir.Value):
    """LLVM IR of ``_two_prod``."""
    f64 = ir.DoubleType()

    def split(z):
        tt = builder.fmul(ir.Constant(f64, SPLIT), z)
        hi = builder.fsub(tt, builder.fsub(tt, z))
        return hi, builder.fsub(z, hi)

    prod = builder.fmul(u, v)
    (uh, ul), (vh, vl) = split(u), split(v)
    err = builder.fadd(builder.fsub(builder.fmul(uh, vh), prod), builder.fmul(uh, vl))
    err = builder.fadd(builder.fadd(err, builder.fmul(ul, vh)), builder.fmul(ul, vl))
    return prod, err


def _emit_erfc_mid(builder: ir.IRBuilder, w, p1, p, t, y):
    """LLVM IR of ``_erfc_mid_numpy``."""
    f64 = ir.DoubleType()

    def c(v):
        return ir.Constant(f64, v)

    fadd, fsub, fmul = builder.fadd, builder.fsub, builder.fmul
    sh, sl = _emit_two_prod(builder, w, p1)
    bb = fsub(p, c(PA0))
    plo = fadd(fadd(fsub(c(PA0), fsub(p, bb)), fsub(sh, bb)), sl)
    q_ = fadd(c(1.0), t)
    qlo = fadd(fsub(c(1.0), q_), t)
    ph, pl = _emit_two_prod(builder, y, q_)
    d = fsub(fadd(fsub(fsub(p, ph), pl), plo), fmul(y, qlo))
    return fsub(fsub(c(ONE_MINUS_ERX), y), builder.fdiv(d, q_))


def emit_erf(builder: ir.IRBuilder, x: ir.Value) -> ir.Value:
    """LLVM IR for erf(x) (double): ``portable_erf_numpy`` line by line."""
    f64, i64 = ir.DoubleType(), ir.IntType(64)

    def c(v):
        return ir.Constant(f64, v)

    def lt(u, v):
        return builder.fcmp_ordered("<", u, c(v))

    a, k, _, _, _, _, y, r = _emit_parts(builder, x)
    e0 = builder.fadd(x, builder.fmul(x, y))
    e0 = builder.select(lt(a, TINY_ERF), builder.fadd(x, builder.fmul(c(EFX), x)), e0)
    small = builder.fmul(c(0.125), builder.fadd(builder.fmul(c(8.0), x),
                                                 builder.fmul(c(EFX8), x)))
    e0 = builder.select(lt(a, TINY_SUB), small, e0)
    tail = builder.select(builder.fcmp_ordered(">=", a, c(ERF_ONE)), c(1.0),
                          builder.fsub(c(1.0), builder.fdiv(r, a)))
    t = builder.select(builder.icmp_unsigned("==", k, ir.Constant(i64, 1)),
                       builder.fadd(c(ERX), y), tail)
    t = builder.select(lt(x, 0.0), builder.fneg(t), t)
    out = builder.select(builder.icmp_unsigned("==", k, ir.Constant(i64, 0)), e0, t)
    return builder.select(builder.fcmp_unordered("uno", x, x), x, out)


def emit_erfc(builder: ir.IRBuilder, x: ir.Value) -> ir.Value:
    """LLVM IR for erfc(x) (double): ``portable_erfc_numpy`` line by line."""
    f64, i64 = ir.DoubleType(), ir.IntType(64)

    def c(v):
        return ir.Constant(f64, v)

    def lt(u, v):
        return builder.fcmp_ordered("<", u, c(v))

    def ge(u, v):
        return builder.fcmp_ordered(">=", u, c(v))

    a, k, w, p1, p, t, y, r = _emit_parts(builder, x)
    pos = builder.fcmp_ordered(">", x, c(0.0))
    xy = builder.fmul(x, y)
    half = builder.fsub(c(0.5), builder.fadd(xy, builder.fsub(x, c(0.5))))
    c0 = builder.select(lt(x, 0.5), half, builder.fsub(builder.fsub(c(1.0), x), xy))
    c0 = builder.select(lt(x, QUARTER), builder.fsub(c(1.0), builder.fadd(x, xy)), c0)
    c0 = builder.select(lt(a, TINY_ERFC), builder.fsub(c(1.0), x), c0)
    c1 = builder.select(pos, _emit_erfc_mid(builder, w, p1, p, t, y),
                        builder.fadd(c(1.0), builder.fadd(c(ERX), y)))
    ra = builder.fdiv(r, a)
    c2 = builder.select(pos, builder.select(ge(a, ERFC_ZERO), c(0.0), ra),
                        builder.select(ge(a, ERF_ONE), c(2.0), builder.fsub(c(2.0), ra)))
    out = builder.select(builder.icmp_unsigned("==", k, ir.Constant(i64, 0)), c0,
                         builder.select(builder.icmp_unsigned("==", k, ir.Constant(i64, 1)),
                                        c1, c2))
    return builder.select(builder.fcmp_unordered("uno", x, x), x, out)


portable_erf = float64_intrinsic(
    "portable_erf", emit_erf,
    "erf (float64) in njit code, emitted inline; the same bits as ``portable_erf_numpy``.")
portable_erfc = float64_intrinsic(
    "portable_erfc", emit_erfc,
    "erfc (float64) in njit code, emitted inline; the same bits as ``portable_erfc_numpy``.")


# ------------------------------------------------------------------------------ C / CUDA
def c_source() -> str:
    """C99 / CUDA source of ``bm_erf`` and ``bm_erfc`` (needs ``bm_exp``: appended to
    ``exp.c_source()``, which includes it)."""
    h = float.hex

    def table(t):
        return ",\n    ".join(", ".join(h(float(v)) for v in row) for row in t)

    n = DEGREE + 1
    return f"""
/* bm_erf, bm_erfc: portable erf and erfc, generated by brainmass_dsl/libm/erf.py (see its
 * docstring; fdlibm s_erf.c's intervals and coefficients, Copyright (C) 1993 by Sun
 * Microsystems, Inc., freely distributable with this notice). Rows: the intervals. */
BM_EXP_TABLE double bm_erf_p[{4 * n}] = {{
    {table(P_TABLE)}}};
BM_EXP_TABLE double bm_erf_q[{4 * n}] = {{
    {table(Q_TABLE)}}};

/* a = |x|, the interval k, w, P_k = p = P_k[0] + w p1, Q_k = 1 + t, y = p/(1 + t) and,
 * where a >= 1.25, r = exp(-a*a ...) (erf.py: _parts_numpy) */
typedef struct {{ double a, w, p1, p, t, y, r; int k; }} bm_erf_parts_t;

BM_EXP_FN bm_erf_parts_t bm_erf_parts(double x)
{{
    bm_erf_parts_t o;
    double a = x < 0.0 ? -x : x;
    int k = (a >= {h(SMALL)}) + (a >= {h(MID)}) + (a >= {h(TAIL)});
    double w = a < {h(SMALL)} ? x * x : (a < {h(MID)} ? a - 1.0 : 1.0 / (a * a));
    const double *pc = bm_erf_p + {n} * k, *qc = bm_erf_q + {n} * k;
    double p1 = pc[{DEGREE}], q = qc[{DEGREE}];
    for (int j = {DEGREE - 1}; j >= 1; --j) p1 = pc[j] + w * p1;
    double p = pc[0] + w * p1;
    for (int j = {DEGREE - 1}; j >= 0; --j) q = qc[j] + w * q;
    double t = w * q;
    o.y = p / (1.0 + t);
    o.r = 0.0;
    if (a >= {h(MID)}) {{
        double z = bm_exp_from_bits(bm_exp_as_bits(a) & 0x{HIGH_MASK:016x}u);
        double big = -z * z - 0.5625, small = (z - a) * (z + a) + o.y, s = big + small;
        o.r = bm_exp_dd(s, (big - s) + small);
    }}
    o.a = a; o.w = w; o.p1 = p1; o.p = p; o.t = t; o.k = k;
    return o;
}}

/* (u*v rounded, its error), exactly, without fused multiply-add (Dekker, Veltkamp split) */
BM_EXP_FN double bm_erf_two_prod(double u, double v, double *err)
{{
    double prod = u * v;
    double tu = {h(SPLIT)} * u, uh = tu - (tu - u), ul = u - uh;
    double tv = {h(SPLIT)} * v, vh = tv - (tv - v), vl = v - vh;
    *err = ((uh * vh - prod) + uh * vl + ul * vh) + ul * vl;
    return prod;
}}

/* erfc for 0.84375 <= x < 1.25 with P, Q and the division corrected (_erfc_mid_numpy) */
BM_EXP_FN double bm_erfc_mid(double w, double p1, double p, double t, double y)
{{
    double sl, pl;
    double sh = bm_erf_two_prod(w, p1, &sl);
    double bb = p - {h(PA0)};
    double plo = (({h(PA0)} - (p - bb)) + (sh - bb)) + sl;
    double q_ = 1.0 + t;
    double qlo = (1.0 - q_) + t;
    double ph = bm_erf_two_prod(y, q_, &pl);
    double d = (((p - ph) - pl) + plo) - y * qlo;
    return ({h(ONE_MINUS_ERX)} - y) - d / q_;
}}

BM_EXP_FN double bm_erf(double x)
{{
    bm_erf_parts_t o = bm_erf_parts(x);
    double a = o.a, y = o.y, r = o.r;
    int k = o.k;
    double out;
    if (k == 0) {{
        out = x + x * y;
        if (a < {h(TINY_ERF)}) out = x + {h(EFX)} * x;
        if (a < {h(TINY_SUB)}) out = 0.125 * (8.0 * x + {h(EFX8)} * x);
    }} else {{
        double t = k == 1 ? {h(ERX)} + y : (a >= {h(ERF_ONE)} ? 1.0 : 1.0 - r / a);
        out = x < 0.0 ? -t : t;
    }}
    return x != x ? x : out;
}}

BM_EXP_FN double bm_erfc(double x)
{{
    bm_erf_parts_t o = bm_erf_parts(x);
    double a = o.a, y = o.y, r = o.r;
    int k = o.k;
    int pos = x > 0.0;
    double out;
    if (k == 0) {{
        double xy = x * y;
        out = x < {h(QUARTER)} ? 1.0 - (x + xy)
              : (x < 0.5 ? 0.5 - (xy + (x - 0.5)) : (1.0 - x) - xy);
        if (a < {h(TINY_ERFC)}) out = 1.0 - x;
    }} else if (k == 1) {{
        out = pos ? bm_erfc_mid(o.w, o.p1, o.p, o.t, y) : 1.0 + ({h(ERX)} + y);
    }} else {{
        double ra = r / a;
        out = pos ? (a >= {h(ERFC_ZERO)} ? 0.0 : ra) : (a >= {h(ERF_ONE)} ? 2.0 : 2.0 - ra);
    }}
    return x != x ? x : out;
}}
"""
