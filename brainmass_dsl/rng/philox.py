"""Counter-based Gaussian noise: Philox4x32-10 + Box-Muller (Numba and NumPy).

Every normal is a pure function of ``(seed, step, batch, node, stream)``; there is no
generator state, so results do not depend on chunking, threading or restarts.

Key (2 x uint32) from the 64-bit ``seed`` (taken mod 2**64)::

    k0 = seed & 0xffffffff            k1 = seed >> 32

Counter (4 x uint32) of the Philox call that serves noise stream ``stream``::

    c0 = step & 0xffffffff
    c1 = batch                        (< 2**32)
    c2 = node                         (< 2**32)
    c3 = (stream // 2) | ((step >> 32) << 16)    (pair index < 2**16, step < 2**48)

One call gives words ``r0..r3`` -> two 53-bit uniforms in [0, 1)::

    u1 = ((r0 >> 5) * 2**26 + (r1 >> 6)) * 2**-53
    u2 = ((r2 >> 5) * 2**26 + (r3 >> 6)) * 2**-53

-> Box-Muller (``1 - u1`` is in (0, 1], so the log is finite)::

    r = sqrt(-2 log(1 - u1)),   z0 = r cos(2 pi u2),   z1 = r sin(2 pi u2)

Stream ``k`` uses ``z0`` if ``k`` is even and ``z1`` if odd, both from pair index ``k // 2``:
two noise sources per node cost one Philox call per node per step.

Implementations:

* Numba (``philox4x32``, ``normal_pair``, ``normal``, ``fill_normals``,
  ``fill_normals_parallel``): 32-bit words are carried in uint64 variables (the 32x32->64
  product is then a plain multiply). log/cos/sin are the C library's (glibc libm), scalar;
  LLVM merges cos+sin of one angle into one ``sincos`` call (same bits as separate calls).
  ``fill_normals`` runs Philox over a whole node row first, which LLVM vectorises.
* NumPy (``philox4x32_numpy``, ``normals_numpy``): vectorised uint64 integer part.
  ``exact=True`` evaluates log/cos/sin with Python's ``math`` (same libm) per element and is
  bit-identical to the Numba functions; the default ``exact=False`` uses numpy's SIMD
  ``np.log/np.cos/np.sin`` and may differ by a few ulp (<= 2 ulp seen with AVX-512; none
  seen on AVX2, where numpy's float64 sin/cos are not SIMD).
  The integer words and the uniforms are bit-identical in all paths.

A GPU (libdevice) log/sin/cos is not correctly rounded either: compare CUDA normals with a
ulp/relative tolerance, the Philox words bitwise.

``fastmath`` (``fast_normal``, ``fast_fill_normals``, ..., also reachable as
``philox.fast_*``) has the same counter layout and uniforms with its own log/sincos: < 1 ulp,
vectorisable, and bitwise identical in Numba, NumPy and C/CUDA (``philox_fast.h``).
"""
import math

import numpy as np
from numba import njit, prange

from ..jitcache import njit_cached

_U = np.uint64
M32 = _U(0xFFFFFFFF)
PHILOX_M0 = _U(0xD2511F53)
PHILOX_M1 = _U(0xCD9E8D57)
PHILOX_W0 = _U(0x9E3779B9)
PHILOX_W1 = _U(0xBB67AE85)
_S5, _S6, _S16, _S26, _S32 = _U(5), _U(6), _U(16), _U(26), _U(32)
INV_2_53 = 1.0 / 9007199254740992.0  # 2**-53
TWO_PI = 2.0 * math.pi


# ------------------------------------------------------------------------------ Numba
@njit(inline="always")
def _round(c0, c1, c2, c3, k0, k1):
    p0 = PHILOX_M0 * c0  # both < 2**32: exact 64-bit product
    p1 = PHILOX_M1 * c2
    return (p1 >> _S32) ^ c1 ^ k0, p1 & M32, (p0 >> _S32) ^ c3 ^ k1, p0 & M32


@njit(inline="always")
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of counter (c0..c3) under key (k0, k1); uint32 values in uint64."""
    c0, c1, c2, c3 = _U(c0) & M32, _U(c1) & M32, _U(c2) & M32, _U(c3) & M32
    k0, k1 = _U(k0) & M32, _U(k1) & M32
    c0, c1, c2, c3 = _round(c0, c1, c2, c3, k0, k1)
    for _ in range(9):
        k0 = (k0 + PHILOX_W0) & M32
        k1 = (k1 + PHILOX_W1) & M32
        c0, c1, c2, c3 = _round(c0, c1, c2, c3, k0, k1)
    return c0, c1, c2, c3


@njit(inline="always")
def _unit(a, b):
    """53-bit uniform in [0, 1) from two words: ((a >> 5) * 2**26 + (b >> 6)) * 2**-53.

    Both halves fit an int32, so the int->double conversions vectorise (AVX2 has no
    64-bit one); every operation is exact.
    """
    return (float(np.int32(a >> _S5)) * 67108864.0 + float(np.int32(b >> _S6))) * INV_2_53


@njit(inline="always")
def _counter(seed, step, batch, node, pair):
    """(counter, key) words of one draw, all uint64 holding uint32 values."""
    seed = _U(seed)
    step = _U(step)
    return (step & M32, _U(batch), _U(node), _U(pair) | ((step >> _S32) << _S16),
            seed & M32, seed >> _S32)


@njit(inline="always")
def _radius_angle(seed, step, batch, node, pair):
    """Box-Muller radius r and angle t of one Philox call (see module docstring)."""
    c0, c1, c2, c3, k0, k1 = _counter(seed, step, batch, node, pair)
    r0, r1, r2, r3 = philox4x32(c0, c1, c2, c3, k0, k1)
    return math.sqrt(-2.0 * math.log(1.0 - _unit(r0, r1))), TWO_PI * _unit(r2, r3)


@njit(inline="always")
def normal_pair(seed, step, batch, node, pair):
    """The two standard normals (z0, z1) of pair index ``pair`` (= streams 2*pair, 2*pair+1)."""
    r, t = _radius_angle(seed, step, batch, node, pair)
    return r * math.cos(t), r * math.sin(t)


@njit(inline="always")
def normal(seed, step, batch, node, stream):
    """Standard normal of noise stream ``stream`` (z0 of pair stream//2 if even, else z1)."""
    stream = _U(stream)
    r, t = _radius_angle(seed, step, batch, node, stream >> _U(1))
    if stream & _U(1):
        return r * math.sin(t)
    return r * math.cos(t)


@njit(inline="always")
def _fill_one(out, s, b, seed, step, batch, n_node, n_stream, v, t):
    """out[s, b, :n_node, :n_stream] for one (step, batch); v, t: (n_pair, >= n_node) scratch.

    Two passes: the Philox/uniform pass runs over nodes with nothing opaque in the loop, so
    LLVM vectorises it; the second pass does the (scalar, libm) log and sincos.
    """
    n_pair = (n_stream + 1) // 2
    for p in range(n_pair):
        c0, c1, _c2, c3, k0, k1 = _counter(seed, step, batch, 0, p)
        for n in range(n_node):
            r0, r1, r2, r3 = philox4x32(c0, c1, _U(n), c3, k0, k1)
            v[p, n] = 1.0 - _unit(r0, r1)
            t[p, n] = TWO_PI * _unit(r2, r3)
    n_full = n_stream // 2
    for n in range(n_node):
        for p in range(n_full):
            r = math.sqrt(-2.0 * math.log(v[p, n]))
            out[s, b, n, 2 * p] = r * math.cos(t[p, n])
            out[s, b, n, 2 * p + 1] = r * math.sin(t[p, n])
        if n_stream & 1:
            r = math.sqrt(-2.0 * math.log(v[n_full, n]))
            out[s, b, n, n_stream - 1] = r * math.cos(t[n_full, n])


@njit(inline="always")
def _check_out(out, n_batch, n_node, n_stream):
    if out.shape[1] < n_batch or out.shape[2] < n_node or out.shape[3] < n_stream:
        raise ValueError("fill_normals: out is smaller than (n_batch, n_node, n_stream)")


@njit_cached
def fill_normals(out, seed, step0, n_batch, n_node, n_stream, batch0=0):
    """out[s, b, n, k] = normal(seed, step0 + s, batch0 + b, n, k) for s < out.shape[0].

    ``out``: float64 (n_steps, >= n_batch, >= n_node, >= n_stream). ``batch0`` offsets the
    counter's batch word (a batch split over processes). Bitwise equal to ``normal``.
    """
    _check_out(out, n_batch, n_node, n_stream)
    n_pair = (n_stream + 1) // 2
    v = np.empty((n_pair, n_node))
    t = np.empty((n_pair, n_node))
    for s in range(out.shape[0]):
        for b in range(n_batch):
            _fill_one(out, s, b, seed, _U(step0) + _U(s), _U(batch0) + _U(b),
                      n_node, n_stream, v, t)


@njit_cached(parallel=True)
def fill_normals_parallel(out, seed, step0, n_batch, n_node, n_stream, batch0=0):
    """``fill_normals`` split over threads by (step, batch) pairs; bitwise the same result."""
    _check_out(out, n_batch, n_node, n_stream)
    n_pair = (n_stream + 1) // 2
    n_sb = out.shape[0] * n_batch
    n_chunk = min(n_sb, 256)  # fixed: get_num_threads() would stop caching
    for c in prange(n_chunk):
        v = np.empty((n_pair, n_node))
        t = np.empty((n_pair, n_node))
        for i in range(c * n_sb // n_chunk, (c + 1) * n_sb // n_chunk):
            s = i // n_batch
            b = i - s * n_batch
            _fill_one(out, s, b, seed, _U(step0) + _U(s), _U(batch0) + _U(b),
                      n_node, n_stream, v, t)


# ------------------------------------------------------------------------------ NumPy
def philox4x32_numpy(c0, c1, c2, c3, k0, k1):
    """Vectorised Philox4x32-10 (broadcasting); returns 4 uint64 arrays of uint32 values."""
    c0, c1, c2, c3, k0, k1 = np.broadcast_arrays(
        *(np.asarray(x).astype(np.uint64) & M32 for x in (c0, c1, c2, c3, k0, k1)))
    c1, c3 = c1.copy(), c3.copy()  # c0, c2 are replaced before any in-place update
    for r in range(10):
        if r:
            k0 = (k0 + PHILOX_W0) & M32
            k1 = (k1 + PHILOX_W1) & M32
        p0 = PHILOX_M0 * c0
        p1 = PHILOX_M1 * c2
        c0 = p1 >> _S32
        c0 ^= c1
        c0 ^= k0
        c2 = p0 >> _S32
        c2 ^= c3
        c2 ^= k1
        p1 &= M32
        p0 &= M32
        c1, c3 = p1, p0
    return c0, c1, c2, c3


_exact_log = np.frompyfunc(math.log, 1, 1)
_exact_cos = np.frompyfunc(math.cos, 1, 1)
_exact_sin = np.frompyfunc(math.sin, 1, 1)


def normals_numpy(seed, steps, batch, node, stream, exact=False):
    """normal(seed, step, batch, node, stream) for broadcast integer arrays -> float64 array.

    ``exact=True``: libm log/cos/sin per element (via ``math``), bitwise equal to the Numba
    functions, slow (~0.5 us/normal). ``exact=False``: numpy's vectorised log/cos/sin, within
    a few ulp of the Numba result.
    """
    seed = int(seed) & 0xFFFFFFFFFFFFFFFF
    steps, batch, node, stream = np.broadcast_arrays(
        *(np.asarray(x).astype(np.uint64) for x in (steps, batch, node, stream)))
    r0, r1, r2, r3 = philox4x32_numpy(
        steps & M32, batch, node, (stream >> _U(1)) | ((steps >> _S32) << _S16),
        seed & 0xFFFFFFFF, seed >> 32)
    u1 = (((r0 >> _S5) << _S26) | (r1 >> _S6)).astype(np.float64) * INV_2_53  # exact
    u2 = (((r2 >> _S5) << _S26) | (r3 >> _S6)).astype(np.float64) * INV_2_53
    odd = (stream & _U(1)).astype(bool)
    t = TWO_PI * u2
    log, cos, sin = (_exact_log, _exact_cos, _exact_sin) if exact else (np.log, np.cos, np.sin)
    trig = np.empty(t.shape)
    trig[odd] = sin(t[odd])
    trig[~odd] = cos(t[~odd])
    return np.sqrt(-2.0 * np.asarray(log(1.0 - u1), dtype=np.float64)) * trig


# ------------------------------------------------------------------------------ fast path
def __getattr__(name):
    """``philox.fast_*``: the portable own-log/sincos functions of ``fastmath`` (lazy, since
    ``fastmath`` imports this module)."""
    if name.startswith("fast_"):
        from . import fastmath
        if hasattr(fastmath, name):
            return getattr(fastmath, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
