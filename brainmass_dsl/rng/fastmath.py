"""Portable, vectorisable Box-Muller: own ``log`` and ``sincos(2 pi u)``, bitwise reproducible.

The libm-based generator in ``philox`` spends ~90 % of its time in glibc's scalar
``log``/``sincos``. This module replaces them by functions made only of ``+ - * /``,
``sqrt`` and integer/bit operations, written so that every rounding is fixed by the source:

* no fused multiply-add (Numba does not contract without ``fastmath``; NumPy ufuncs never
  do; C must be compiled with ``-ffp-contract=off`` (gcc/clang), CUDA with ``--fmad=false``),
* no reassociation (no ``-ffast-math``/``--use_fast_math``), IEEE binary64 with
  round-to-nearest and no extended precision (SSE2/AVX, ``FLT_EVAL_METHOD == 0``; CUDA
  ``/`` and ``sqrt`` are correctly rounded unless ``-prec-div=false``/``-prec-sqrt=false``),

so the Numba scalar functions, the vectorised Numba fillers, the NumPy path and the C99
header ``philox_fast.h`` (host or CUDA device) give **bitwise identical** normals.

Counter layout and uniforms are exactly those of ``philox`` (see its docstring):
key ``(seed & 0xffffffff, seed >> 32)``, counter
``(step & 0xffffffff, batch, node, (stream // 2) | ((step >> 32) << 16))``, words
``r0..r3`` -> ``u1 = ((r0 >> 5) * 2**26 + (r1 >> 6)) * 2**-53``, ``u2`` likewise from
``r2, r3`` (both in [0, 1), multiples of 2**-53). Then::

    r = sqrt(-2 * fast_log_open(1 - u1))      # 1 - u1 in [2**-53, 1]: exact, log finite
    (s, c) = fast_sincos_2pi(u2)
    z0 = r * c   (even streams)      z1 = r * s   (odd streams)

Only the transcendental functions differ from ``philox.normal`` (see Accuracy).

``fast_log_open(u)`` (any positive normal finite double; used on (0, 1]): fdlibm/musl
``log`` algorithm: exponent/mantissa split by bit operations so that m is in
[sqrt(2)/2, sqrt(2)), f = m - 1, s = f / (2 + f), log(m) = f - hfsq + s (hfsq + R(s^2))
with hfsq = f^2 / 2 and fdlibm's degree-14 minimax ``R`` (Lg1..Lg7), + k ln2 split in
hi (exact k * ln2_hi for |k| < 2**11) and lo parts.

``fast_sincos_2pi(u)`` (u in [0, 1); valid for 0 <= u < 2**20): exact reduction
q = trunc(4u + 0.5), r = u - q/4 (exact, |r| <= 1/8); x + y = 2 pi r as a double-double
(Veltkamp split of r, 2 pi = T1 + T2 with a 26-bit T1, Fast2Sum); fdlibm's
``__kernel_sin(x, y)`` / ``__kernel_cos(x, y)`` minimax polynomials on [-pi/4, pi/4];
quadrant swap/sign from q & 3 (negation written ``0.0 - v``, so exact quarter turns give
+0.0, never -0.0). Polynomial coefficients: fdlibm (Sun Microsystems, "Permission to use,
copy, modify, and distribute this software is freely granted, provided that this notice is
preserved"), as in FreeBSD msun and musl.

Accuracy, measured against mpmath (200-bit) on 10**6 random inputs each (53-bit u in
[0, 1); for the log half uniform, half log-uniform multiples of 2**-53 in (0, 1]) plus the
edge cases 2**-53, 1 - 2**-53, 1, 0, 1/4, 1/2, 3/4 and the neighbours of quarter and
eighth turns (``tests/test_rng.py`` enforces < 0.9 ulp with a long-double reference)::

    fast_log_open      max 0.80 ulp    (glibc log: 0.52 ulp)
    fast_sincos_2pi    max 0.77 ulp sin, 0.76 ulp cos
                       (glibc sin/cos of the rounded angle 2 pi u, as in ``philox``:
                       median 0.7, 99th percentile ~60-70 ulp, unbounded near zeros,
                       since the rounding of 2 pi u is not reduced; absolute error
                       <= 4.5e-16 there)

Exact: fast_log_open(1) = +0.0, fast_sincos_2pi(0, 1/4, 1/2, 3/4) = (0, 1), (1, 0),
(0, -1), (-1, 0) with +0.0 zeros. The normals agree with ``philox.normal`` to
<= 1e-14 (1 + |z|) absolute (42 % bit-identical).

API
---
Numba (all ``inline="always"``, cacheable, no star-args):

* ``fast_log_open(u)``, ``fast_sincos_2pi(u) -> (s, c)``
* ``fast_normal_pair(seed, step, batch, node, pair) -> (z0, z1)``
* ``fast_normal(seed, step, batch, node, stream)``
* ``fast_fill_normals(out, seed, step0, n_batch, n_node, n_stream, batch0=0)`` and
  ``fast_fill_normals_parallel(...)`` (same contract as ``fill_normals``; vectorised by
  LLVM over nodes: packed vmulpd/vdivpd/vsqrtpd on ymm registers with AVX2)

Being plain arithmetic, ``fast_normal`` inlined in a user's node loop lets LLVM vectorise
that loop too (the libm calls of ``normal`` prevent it). The division is written
``np.true_divide`` (no ZeroDivisionError check, which would block vectorisation).
Timings: ``bench/bench_rng.py``.

NumPy: ``fast_log_open_numpy(u)``, ``fast_sincos_2pi_numpy(u)``,
``fast_normals_numpy(seed, steps, batch, node, stream)`` (broadcasting).

C99 / CUDA: ``philox_fast.h`` (``bm_fast_log_open``, ``bm_fast_sincos_2pi``,
``bm_fast_normal_pair``, ``bm_fast_normal``); path from ``c_header_path()``.
"""
import os

import numpy as np
from numba import njit, prange

from ..jitcache import njit_cached

from .philox import M32, _S16, _S32, _U, _counter, _unit, philox4x32, philox4x32_numpy

_S5, _S6, _S26, _S52 = _U(5), _U(6), _U(26), _U(52)
_INV_2_53 = 1.0 / 9007199254740992.0

# ---------------------------------------------------------------- log constants (fdlibm)
_LOG_SHIFT = _U((0x3FF00000 - 0x3FE6A09E) << 32)  # moves m >= sqrt(2) to the next binade
_LOG_MANT = _U(0x000FFFFFFFFFFFFF)
_LOG_BASE = _U(0x3FE6A09E << 32)
LN2_HI = 6.93147180369123816490e-01  # 0x3fe62e42 fee00000: k * LN2_HI exact, |k| < 2**11
LN2_LO = 1.90821492927058770002e-10  # 0x3dea39ef 35793c76
LG1 = 6.666666666666735130e-01
LG2 = 3.999999999940941908e-01
LG3 = 2.857142874366239149e-01
LG4 = 2.222219843214978396e-01
LG5 = 1.818357216161805012e-01
LG6 = 1.531383769920937332e-01
LG7 = 1.479819860511658591e-01

# ------------------------------------------------------------ sincos constants (fdlibm)
SPLIT = 134217729.0  # 2**27 + 1 (Veltkamp)
# 2 pi = TWO_PI_1 + TWO_PI_2 (+ 2**-80 relative): TWO_PI_1 has 26 significant bits, so
# rh * TWO_PI_1 and rl * TWO_PI_1 are exact; TWO_PI_2 = 2 pi - TWO_PI_1 rounded to double.
TWO_PI_1 = 6.283185243606567382812500  # 0x1.921fb5p+2
TWO_PI_2 = 6.357301909411278e-08  # 0x1.110b4611a6263p-24
S1 = -1.66666666666666324348e-01
S2 = 8.33333333332248946124e-03
S3 = -1.98412698298579493134e-04
S4 = 2.75573137070700676789e-06
S5 = -2.50507602534068634195e-08
S6 = 1.58969099521155010221e-10
C1 = 4.16666666666666019037e-02
C2 = -1.38888888888741095749e-03
C3 = 2.48015872894767294178e-05
C4 = -2.75573143513906633035e-07
C5 = 2.08757232129817482790e-09
C6 = -1.13596475577881948265e-11


# ------------------------------------------------------------------------------ Numba
@njit(inline="always")
def fast_log_open(u):
    """Natural log of a positive normal double (used on (0, 1]); < 1 ulp, bit-reproducible."""
    hx = np.float64(u).view(np.uint64) + _LOG_SHIFT
    dk = float(np.int32(hx >> _S52)) - 1023.0  # exponent k of m * 2**k, m in [.707, 1.414)
    x = np.uint64((hx & _LOG_MANT) + _LOG_BASE).view(np.float64)
    f = x - 1.0
    hfsq = (0.5 * f) * f
    s = np.true_divide(f, 2.0 + f)  # IEEE division without Numba's zero check: vectorises
    z = s * s
    w = z * z
    t1 = w * (LG2 + w * (LG4 + w * LG6))
    t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)))
    r = t2 + t1
    return ((((s * (hfsq + r)) + dk * LN2_LO) - hfsq) + f) + dk * LN2_HI


@njit(inline="always")
def fast_sincos_2pi(u):
    """(sin(2 pi u), cos(2 pi u)) for u in [0, 1) (0 <= u < 2**20); < 1 ulp, reproducible."""
    q = np.int32(4.0 * u + 0.5)  # truncation (u >= 0: nearest quarter turn)
    r = u - float(q) * 0.25  # exact (Sterbenz), |r| <= 1/8
    c = SPLIT * r
    rh = c - (c - r)  # Veltkamp: rh 26 bits, rl = r - rh exact
    rl = r - rh
    p = rh * TWO_PI_1  # exact
    e = rl * TWO_PI_1 + r * TWO_PI_2  # rl * TWO_PI_1 exact
    x = p + e  # x + y = 2 pi r (Fast2Sum)
    y = (p - x) + e
    z = x * x
    w = z * z
    # fdlibm __kernel_sin(x, y, 1)
    rs = (S2 + z * (S3 + z * S4)) + (z * w) * (S5 + z * S6)
    v = z * x
    sn = x - (((z * (0.5 * y - v * rs)) - y) - v * S1)
    # fdlibm __kernel_cos(x, y)
    rc = z * (C1 + z * (C2 + z * C3)) + (w * w) * (C4 + z * (C5 + z * C6))
    hz = 0.5 * z
    w1 = 1.0 - hz
    cs = w1 + (((1.0 - w1) - hz) + (z * rc - x * y))
    # quadrant q & 3: (s, c) -> (c, -s) if odd, then -> (-s, -c) if q & 2
    if q & 1:
        s0 = cs
        c0 = 0.0 - sn
    else:
        s0 = sn
        c0 = cs
    if q & 2:
        return 0.0 - s0, 0.0 - c0
    return s0, c0


@njit(inline="always")
def _fast_uniforms(seed, step, batch, node, pair):
    """(1 - u1, u2) of one Philox call."""
    c0, c1, c2, c3, k0, k1 = _counter(seed, step, batch, node, pair)
    r0, r1, r2, r3 = philox4x32(c0, c1, c2, c3, k0, k1)
    return 1.0 - _unit(r0, r1), _unit(r2, r3)


@njit(inline="always")
def _fast_box_muller(v, u2):
    """(z0, z1) = sqrt(-2 log v) * (cos 2 pi u2, sin 2 pi u2)."""
    rad = np.sqrt(-2.0 * fast_log_open(v))
    s, c = fast_sincos_2pi(u2)
    return rad * c, rad * s


@njit(inline="always")
def fast_normal_pair(seed, step, batch, node, pair):
    """(z0, z1) of pair index ``pair`` (streams 2 pair, 2 pair + 1); own log/sincos."""
    v, u2 = _fast_uniforms(seed, step, batch, node, pair)
    return _fast_box_muller(v, u2)


@njit(inline="always")
def fast_normal(seed, step, batch, node, stream):
    """Standard normal of noise stream ``stream`` (z0 of pair stream//2 if even, else z1)."""
    stream = _U(stream)
    v, u2 = _fast_uniforms(seed, step, batch, node, stream >> _U(1))
    z0, z1 = _fast_box_muller(v, u2)
    if stream & _U(1):
        return z1
    return z0


@njit(inline="always")
def _fast_fill_one(out, s, b, seed, step, batch, n_node, n_stream, z):
    """out[s, b, :n_node, :n_stream] for one (step, batch); z: (>= 2 n_pair, >= n_node).

    The node loop holds Philox, uniforms, log, sincos and sqrt with contiguous stores:
    LLVM vectorises it whole. The transpose into ``out`` is a cheap second pass.
    """
    n_pair = (n_stream + 1) // 2
    for p in range(n_pair):
        c0, c1, _c2, c3, k0, k1 = _counter(seed, step, batch, 0, p)
        z_even = z[2 * p]
        z_odd = z[2 * p + 1]
        for n in range(n_node):
            r0, r1, r2, r3 = philox4x32(c0, c1, _U(n), c3, k0, k1)
            z0, z1 = _fast_box_muller(1.0 - _unit(r0, r1), _unit(r2, r3))
            z_even[n] = z0
            z_odd[n] = z1
    for n in range(n_node):
        for k in range(n_stream):
            out[s, b, n, k] = z[k, n]


@njit(inline="always")
def _check_out(out, n_batch, n_node, n_stream):
    if out.shape[1] < n_batch or out.shape[2] < n_node or out.shape[3] < n_stream:
        raise ValueError("fast_fill_normals: out is smaller than (n_batch, n_node, n_stream)")


@njit_cached
def fast_fill_normals(out, seed, step0, n_batch, n_node, n_stream, batch0=0):
    """out[s, b, n, k] = fast_normal(seed, step0 + s, batch0 + b, n, k), s < out.shape[0].

    ``out``: float64 (n_steps, >= n_batch, >= n_node, >= n_stream). Bitwise equal to
    ``fast_normal`` and independent of how the steps are chunked.
    """
    _check_out(out, n_batch, n_node, n_stream)
    z = np.empty((2 * ((n_stream + 1) // 2), n_node))
    for s in range(out.shape[0]):
        for b in range(n_batch):
            _fast_fill_one(out, s, b, seed, _U(step0) + _U(s), _U(batch0) + _U(b),
                           n_node, n_stream, z)


@njit_cached(parallel=True)
def fast_fill_normals_parallel(out, seed, step0, n_batch, n_node, n_stream, batch0=0):
    """``fast_fill_normals`` split over threads by (step, batch); bitwise the same result."""
    _check_out(out, n_batch, n_node, n_stream)
    n_sb = out.shape[0] * n_batch
    n_chunk = min(n_sb, 256)  # fixed: get_num_threads() would stop caching
    for c in prange(n_chunk):
        z = np.empty((2 * ((n_stream + 1) // 2), n_node))
        for i in range(c * n_sb // n_chunk, (c + 1) * n_sb // n_chunk):
            s = i // n_batch
            b = i - s * n_batch
            _fast_fill_one(out, s, b, seed, _U(step0) + _U(s), _U(batch0) + _U(b),
                           n_node, n_stream, z)


# ------------------------------------------------------------------------------ NumPy
def fast_log_open_numpy(u):
    """Elementwise ``fast_log_open`` (float64 array in, same bits as the Numba function)."""
    u = np.asarray(u, dtype=np.float64)
    hx = u.view(np.uint64) + _LOG_SHIFT
    dk = (hx >> _S52).astype(np.int32).astype(np.float64) - 1023.0
    x = ((hx & _LOG_MANT) + _LOG_BASE).view(np.float64)
    f = x - 1.0
    hfsq = (0.5 * f) * f
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (LG2 + w * (LG4 + w * LG6))
    t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)))
    r = t2 + t1
    return ((((s * (hfsq + r)) + dk * LN2_LO) - hfsq) + f) + dk * LN2_HI


def fast_sincos_2pi_numpy(u):
    """Elementwise ``fast_sincos_2pi`` -> (sin, cos) arrays, same bits as the Numba function."""
    u = np.asarray(u, dtype=np.float64)
    q = (4.0 * u + 0.5).astype(np.int32)
    r = u - q.astype(np.float64) * 0.25
    c = SPLIT * r
    rh = c - (c - r)
    rl = r - rh
    p = rh * TWO_PI_1
    e = rl * TWO_PI_1 + r * TWO_PI_2
    x = p + e
    y = (p - x) + e
    z = x * x
    w = z * z
    rs = (S2 + z * (S3 + z * S4)) + (z * w) * (S5 + z * S6)
    v = z * x
    sn = x - (((z * (0.5 * y - v * rs)) - y) - v * S1)
    rc = z * (C1 + z * (C2 + z * C3)) + (w * w) * (C4 + z * (C5 + z * C6))
    hz = 0.5 * z
    w1 = 1.0 - hz
    cs = w1 + (((1.0 - w1) - hz) + (z * rc - x * y))
    odd = (q & 1) != 0
    neg = (q & 2) != 0
    s0 = np.where(odd, cs, sn)
    c0 = np.where(odd, 0.0 - sn, cs)
    return np.where(neg, 0.0 - s0, s0), np.where(neg, 0.0 - c0, c0)


def fast_normals_numpy(seed, steps, batch, node, stream):
    """fast_normal(seed, step, batch, node, stream) for broadcast integer arrays (bitwise)."""
    seed = int(seed) & 0xFFFFFFFFFFFFFFFF
    steps, batch, node, stream = np.broadcast_arrays(
        *(np.asarray(x).astype(np.uint64) for x in (steps, batch, node, stream)))
    r0, r1, r2, r3 = philox4x32_numpy(
        steps & M32, batch, node, (stream >> _U(1)) | ((steps >> _S32) << _S16),
        seed & 0xFFFFFFFF, seed >> 32)
    u1 = (((r0 >> _S5) << _S26) | (r1 >> _S6)).astype(np.float64) * _INV_2_53  # exact
    u2 = (((r2 >> _S5) << _S26) | (r3 >> _S6)).astype(np.float64) * _INV_2_53
    rad = np.sqrt(-2.0 * fast_log_open_numpy(1.0 - u1))
    s, c = fast_sincos_2pi_numpy(u2)
    odd = (stream & _U(1)).astype(bool)
    return rad * np.where(odd, s, c)  # a float64 scalar for scalar inputs


def c_header_path():
    """Absolute path of ``philox_fast.h`` (C99 / CUDA version of this module)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "philox_fast.h")
