"""Tests of brainmass_dsl.rng: Philox4x32-10 + Box-Muller, Numba, NumPy and C paths."""
import ctypes
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numba import njit

from brainmass_dsl.rng import (
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
    fill_normals,
    fill_normals_parallel,
    normal,
    normal_pair,
    normals_numpy,
    philox4x32,
    philox4x32_numpy,
)

SEED = 0xDEADBEEF_12345678

# Random123 kat_vectors for philox4x32_10: (counter, key, expected words)
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@njit
def _philox_nb(c0, c1, c2, c3, k0, k1):
    return philox4x32(c0, c1, c2, c3, k0, k1)


@njit
def _philox_blocks(first, n, k0, k1):
    """Words of counters first, first+1, ... (128-bit integer, little-endian 32-bit words)."""
    out = np.empty(4 * n, np.uint64)
    c0, c1, c2, c3 = first
    for i in range(n):
        r = philox4x32(c0 + i, c1, c2, c3, k0, k1)  # the test keeps c0 + i < 2**32
        for j in range(4):
            out[4 * i + j] = r[j]
    return out


@njit
def _normals_nb(seed, steps, batch, node, stream):
    out = np.empty(steps.size)
    for i in range(steps.size):
        out[i] = normal(seed, steps[i], batch[i], node[i], stream[i])
    return out


@njit
def _pairs_nb(seed, steps, batch, node, pair):
    out = np.empty((steps.size, 2))
    for i in range(steps.size):
        out[i, 0], out[i, 1] = normal_pair(seed, steps[i], batch[i], node[i], pair[i])
    return out


def _random_draws(n, seed=0):
    rng = np.random.default_rng(seed)
    steps = rng.integers(0, 2**40, n, dtype=np.uint64)
    steps[: n // 4] %= 1000  # plenty of small steps too
    return (steps, rng.integers(0, 1000, n), rng.integers(0, 2**32, n, dtype=np.uint64),
            rng.integers(0, 10, n))


def _ulp_diff(a, b):
    return np.max(np.abs(a - b) / np.spacing(np.maximum(np.abs(a), np.abs(b))))


# ------------------------------------------------------------------------------ Philox words
@pytest.mark.parametrize("ctr,key,want", KAT)
def test_kat_numba(ctr, key, want):
    assert tuple(int(x) for x in _philox_nb(*ctr, *key)) == want


@pytest.mark.parametrize("ctr,key,want", KAT)
def test_kat_numpy(ctr, key, want):
    assert tuple(int(x) for x in philox4x32_numpy(*ctr, *key)) == want
    # broadcasting: the same vector three times in an array
    got = philox4x32_numpy(np.full(3, ctr[0]), *ctr[1:], *key)
    assert all(np.array_equal(g, np.full(3, w)) for g, w in zip(got, want))


def test_randomgen_oracle():
    randomgen = pytest.importorskip("randomgen")
    k0, k1 = 0x89ABCDEF, 0x01234567
    first = (0x11111111, 0x22222222, 0x33333333, 0x44444444)
    c_int = sum(w << (32 * i) for i, w in enumerate(first))
    # randomgen increments the 128-bit counter before each block: start one below `first`
    bg = randomgen.Philox(key=(k1 << 32) | k0, counter=c_int - 1, number=4, width=32)
    n = 1024
    ref = bg.random_raw(4 * n)
    assert np.array_equal(_philox_blocks(first, n, k0, k1), ref)
    ctr = np.arange(n, dtype=np.uint64) + first[0]
    got = np.stack(philox4x32_numpy(ctr, *first[1:], k0, k1), axis=1).reshape(-1)
    assert np.array_equal(got, ref)
    # counter 0, 1, 2, ... from counter=2**128 - 1
    bg0 = randomgen.Philox(key=(k1 << 32) | k0, counter=2**128 - 1, number=4, width=32)
    assert np.array_equal(_philox_blocks((0, 0, 0, 0), n, k0, k1), bg0.random_raw(4 * n))


# ------------------------------------------------------------------------------ normals
def test_numba_scalar_equals_numpy_exact_bitwise():
    steps, batch, node, stream = _random_draws(20000)
    for seed in (0, 1, SEED, 2**64 - 1):
        nb = _normals_nb(np.uint64(seed), steps, batch, node, stream)
        ref = normals_numpy(seed, steps, batch, node, stream, exact=True)
        assert np.array_equal(nb, ref)
        assert np.all(np.isfinite(nb))


def test_numba_vs_numpy_fast_within_4ulp():
    steps, batch, node, stream = _random_draws(200000, seed=1)
    nb = _normals_nb(np.uint64(SEED), steps, batch, node, stream)
    fast = normals_numpy(SEED, steps, batch, node, stream)
    assert _ulp_diff(nb, fast) <= 4


def test_pair_and_stream_parity():
    steps, batch, node, stream = _random_draws(5000, seed=2)
    pairs = _pairs_nb(np.uint64(SEED), steps, batch, node, stream)
    even = _normals_nb(np.uint64(SEED), steps, batch, node, 2 * stream)
    odd = _normals_nb(np.uint64(SEED), steps, batch, node, 2 * stream + 1)
    assert np.array_equal(pairs[:, 0], even) and np.array_equal(pairs[:, 1], odd)


def test_numpy_broadcasting_and_scalars():
    z = normals_numpy(SEED, np.arange(5)[:, None, None], np.arange(3)[None, :, None], 7,
                      np.arange(4)[None, None, :])
    assert z.shape == (5, 3, 4) and z.dtype == np.float64
    assert normals_numpy(SEED, 4, 2, 7, 3) == z[4, 2, 3]
    assert _ulp_diff(normals_numpy(SEED, 4, 2, 7, 3, exact=True), z[4, 2, 3]) <= 4
    w = philox4x32_numpy(0, np.arange(3), 0, 0, np.arange(2)[:, None], 0)
    assert all(x.shape == (2, 3) and x.dtype == np.uint64 for x in w)
    assert int(w[0][1, 2]) == int(philox4x32_numpy(0, 2, 0, 0, 1, 0)[0])


def test_step_high_bits_give_distinct_counters():
    s = np.array([0, 2**32, 2**33, 2**32 + 1, 1], dtype=np.uint64)
    z = _normals_nb(np.uint64(SEED), s, np.zeros(5, np.int64), np.zeros(5, np.int64),
                    np.zeros(5, np.int64))
    assert len(set(z.tolist())) == 5
    # and not the same as the next pair index of step 0
    z1 = normals_numpy(SEED, 0, 0, 0, 2, exact=True)
    assert z1 not in z.tolist()
    assert np.array_equal(z, normals_numpy(SEED, s, 0, 0, 0, exact=True))


# ------------------------------------------------------------------------------ fill
@pytest.mark.parametrize("n_stream", [1, 2, 3, 4])
def test_fill_equals_scalar(n_stream):
    n_steps, n_batch, n_node = 13, 3, 7
    out = np.empty((n_steps, n_batch, n_node, n_stream))
    fill_normals(out, SEED, 2**32 - 5, n_batch, n_node, n_stream, 11)
    s, b, n, k = (x.ravel() for x in np.indices(out.shape))
    ref = _normals_nb(np.uint64(SEED), (s + 2**32 - 5).astype(np.uint64), b + 11, n, k)
    assert np.array_equal(out.ravel(), ref)


def test_fill_chunking_independent():
    shape = (100, 2, 9, 3)
    whole = np.empty(shape)
    fill_normals(whole, SEED, 0, *shape[1:], 0)  # batch0 given: one compiled signature
    a = np.empty((37,) + shape[1:])
    b = np.empty((63,) + shape[1:])
    fill_normals(a, SEED, 0, *shape[1:], 0)
    fill_normals(b, SEED, 37, *shape[1:], 0)
    assert np.array_equal(whole, np.concatenate([a, b]))


def test_fill_partial_and_too_small_out():
    out = np.full((4, 3, 5, 4), np.nan)
    fill_normals(out, SEED, 0, 2, 4, 3)
    ref = np.empty((4, 2, 4, 3))
    fill_normals(ref, SEED, 0, 2, 4, 3)
    assert np.array_equal(out[:, :2, :4, :3], ref)
    assert np.isnan(out[:, 2:]).all() and np.isnan(out[..., 3]).all()
    with pytest.raises(ValueError):
        fill_normals(np.empty((2, 1, 3, 2)), SEED, 0, 1, 4, 2)


def test_parallel_equals_serial():
    for shape in [(50, 3, 11, 2), (3, 1, 80, 5), (1, 1, 1, 1)]:
        ser = np.empty(shape)
        par = np.empty(shape)
        fill_normals(ser, SEED, 123, *shape[1:], 4)
        fill_normals_parallel(par, SEED, 123, *shape[1:], 4)
        assert np.array_equal(ser, par)


# ------------------------------------------------------------------------------ statistics
def test_statistics():
    out = np.empty((2500, 4, 50, 2))  # 10**6 normals
    fill_normals_parallel(out, SEED, 0, 4, 50, 2, 0)  # batch0 given: one compiled signature
    z = out.ravel()
    assert abs(z.mean()) < 0.005
    assert abs(z.var() - 1.0) < 0.01
    assert abs(np.mean(z**3)) < 0.02 and abs(np.mean(z**4) - 3.0) < 0.05

    def corr(a, b):
        return abs(np.corrcoef(a.ravel(), b.ravel())[0, 1])

    assert corr(out[..., 0], out[..., 1]) < 0.005  # streams of one Philox call
    assert corr(out[:, :, :-1], out[:, :, 1:]) < 0.005  # neighbouring nodes
    assert corr(out[:, :-1], out[:, 1:]) < 0.005  # neighbouring batch elements
    assert corr(out[:-1], out[1:]) < 0.005  # consecutive steps
    assert corr(out[..., 0] ** 2, out[..., 1] ** 2) < 0.005  # radius shared, not dependent
    # Kolmogorov-Smirnov against N(0, 1), and the extreme tails are populated
    from scipy import stats
    assert stats.kstest(z[:200000], "norm").pvalue > 1e-4
    assert (np.abs(z) > 4.5).sum() > 0


def test_distinct_seeds_and_streams():
    a, b = np.empty((10, 1, 20, 4)), np.empty((10, 1, 20, 4))
    fill_normals(a, 1, 0, 1, 20, 4)
    fill_normals(b, 2, 0, 1, 20, 4)
    assert not np.any(a == b)
    assert not np.any(a[..., 0] == a[..., 2])


# ------------------------------------------------------------------------------ caching
@pytest.mark.slow
def test_cached_user_kernel(tmp_path):
    """A user's @njit(cache=True) kernel that inlines normal() caches and reloads."""
    (tmp_path / "userkern.py").write_text(textwrap.dedent("""
        import numpy as np
        from numba import njit
        from brainmass_dsl.rng import normal

        @njit(cache=True)
        def kern(seed, n):
            acc = 0.0
            for i in range(n):
                acc += normal(seed, i, 0, 1, 0)
            return acc
        """))
    code = ("import userkern; print(repr(userkern.kern(7, 100)), "
            "userkern.kern.stats.cache_hits)")
    runs = [subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                           text=True, check=True).stdout.split() for _ in range(2)]
    assert runs[0][0] == runs[1][0]
    assert runs[1][1] != "0"
    steps = np.arange(100)
    assert float(runs[0][0]) == pytest.approx(
        normals_numpy(7, steps, 0, 1, 0, exact=True).sum(), rel=1e-12)


# ==================================================================== portable fast path
# brainmass_dsl.rng.fastmath: own log / sincos(2 pi u), bitwise equal in Numba, NumPy and C.
EDGE_LOG = np.array([2.0**-53, 2.0**-52, 3 * 2.0**-53, 0.5 - 2**-53, 0.5, 0.5 + 2**-53,
                     2**-0.5, 2**-0.5 - 2**-53, 2**-0.5 + 2**-53, 1 - 2.0**-53, 1 - 2.0**-52,
                     1.0])
QUARTERS = np.array([0.0, 0.25, 0.5, 0.75])
EDGE_TRIG = np.concatenate([
    QUARTERS, QUARTERS[1:] - 2**-53, QUARTERS + 2**-53, [1 - 2.0**-53, 2.0**-53],
    np.arange(1, 8, 2) / 8.0, np.arange(1, 8, 2) / 8.0 - 2**-53,
    np.arange(1, 8, 2) / 8.0 + 2**-53])


def _bits(a):
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def _bitwise_equal(a, b):
    """Equal bit patterns (unlike ==, tells -0.0 from 0.0)."""
    return np.array_equal(_bits(a), _bits(b))


def _ulp_err_ld(got, ref):
    """|got - ref| in ulps of the binade of ref (ref: np.longdouble, 64-bit mantissa)."""
    got = np.asarray(got, dtype=np.longdouble)
    _, e = np.frexp(ref)
    ulp = np.ldexp(np.longdouble(1.0), e - 53)
    err = np.abs(got - ref) / ulp
    return np.where(ref == 0, np.where(got == 0, 0.0, np.inf), err).astype(np.float64)


def _log_inputs(n, seed):
    """Multiples of 2**-53 in (0, 1]: half uniform (like 1 - u1), half log-uniform."""
    rng = np.random.default_rng(seed)
    ku = rng.integers(1, 2**53 + 1, n // 2, dtype=np.int64).astype(np.float64)
    kl = np.floor(np.exp2(rng.uniform(0.0, 53.0, n - n // 2)))
    return np.concatenate([EDGE_LOG, np.concatenate([ku, kl]) * 2.0**-53])


def _trig_inputs(n, seed):
    rng = np.random.default_rng(seed)
    u = rng.integers(0, 2**53, n, dtype=np.int64).astype(np.float64) * 2.0**-53
    return np.concatenate([EDGE_TRIG, u])


_LD_2PI = 2 * np.arccos(np.longdouble(-1.0))


def _sincos_2pi_ref(u):
    """sin/cos(2 pi u) in long double: exact quarter-turn reduction, then sinl/cosl."""
    u = np.asarray(u, dtype=np.longdouble)
    q = np.floor(4 * u + 0.5)
    x = _LD_2PI * (u - q / 4)  # u - q/4 exact; |x| <= pi/4
    s, c = np.sin(x), np.cos(x)
    q = q.astype(np.int64) & 3
    sin = np.choose(q, [s, c, -s, -c])
    cos = np.choose(q, [c, -s, -c, s])
    return sin, cos


@njit(cache=True)
def _fast_log_nb(u):
    out = np.empty_like(u)
    for i in range(u.size):
        out[i] = fast_log_open(u[i])
    return out


@njit(cache=True)
def _fast_sincos_nb(u):
    s = np.empty_like(u)
    c = np.empty_like(u)
    for i in range(u.size):
        s[i], c[i] = fast_sincos_2pi(u[i])
    return s, c


@njit(cache=True)
def _fast_normals_nb(seed, steps, batch, node, stream):
    out = np.empty(steps.size)
    for i in range(steps.size):
        out[i] = fast_normal(seed, steps[i], batch[i], node[i], stream[i])
    return out


@njit(cache=True)
def _fast_pairs_nb(seed, steps, batch, node, pair):
    out = np.empty((steps.size, 2))
    for i in range(steps.size):
        out[i, 0], out[i, 1] = fast_normal_pair(seed, steps[i], batch[i], node[i], pair[i])
    return out


# ------------------------------------------------------------------------------ accuracy
def test_fast_log_ulp():
    u = _log_inputs(10**6, seed=10)
    got = _fast_log_nb(u)
    err = _ulp_err_ld(got, np.log(u.astype(np.longdouble)))
    assert err.max() < 0.9  # measured 0.80 (mpmath); fdlibm bound < 1 ulp
    edge = got[:EDGE_LOG.size]
    assert _bits(edge[-1]) == 0  # log(1) = +0.0
    assert edge[0] == -53 * math.log(2.0) and edge[4] == -math.log(2.0)
    assert np.all(np.isfinite(got)) and np.all(got[u < 1] < 0)
    # vs libm (glibc log is within ~0.5 ulp): at most one representable step apart
    libm = np.log(u)
    assert np.max(np.abs(got - libm) / np.spacing(np.abs(libm) + 1e-300)) <= 1.0


def test_fast_sincos_ulp():
    u = _trig_inputs(10**6, seed=11)
    s, c = _fast_sincos_nb(u)
    sref, cref = _sincos_2pi_ref(u)
    assert _ulp_err_ld(s, sref).max() < 0.9  # measured 0.71 / 0.73 (mpmath)
    assert _ulp_err_ld(c, cref).max() < 0.9
    # exact quarter turns, with +0.0 zeros
    sq, cq = _fast_sincos_nb(QUARTERS)
    assert _bitwise_equal(sq, [0.0, 1.0, 0.0, -1.0])
    assert _bitwise_equal(cq, [1.0, 0.0, -1.0, 0.0])
    assert np.all(s * s + c * c - 1.0 < 4e-16)


def test_fast_accuracy_mpmath():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.prec = 120

    def ulp_err(got, ref):
        if ref == 0:
            return 0.0 if got == 0 else math.inf
        _, e = mpmath.frexp(ref)
        return float(abs(mpmath.mpf(float(got)) - ref) / mpmath.ldexp(1, e - 53))

    u = _log_inputs(1500, seed=12)
    got = _fast_log_nb(u)
    assert max(ulp_err(g, mpmath.log(mpmath.mpf(float(x)))) for g, x in zip(got, u)) < 0.9
    u = _trig_inputs(1500, seed=13)
    s, c = _fast_sincos_nb(u)
    assert max(ulp_err(g, mpmath.sinpi(2 * mpmath.mpf(float(x)))) for g, x in zip(s, u)) < 0.9
    assert max(ulp_err(g, mpmath.cospi(2 * mpmath.mpf(float(x)))) for g, x in zip(c, u)) < 0.9


# ------------------------------------------------------------------------------ bitwise
def test_fast_numba_equals_numpy_bitwise():
    u = _log_inputs(100000, seed=14)
    assert _bitwise_equal(_fast_log_nb(u), fast_log_open_numpy(u))
    u = _trig_inputs(100000, seed=15)
    s, c = _fast_sincos_nb(u)
    sn, cn = fast_sincos_2pi_numpy(u)
    assert _bitwise_equal(s, sn) and _bitwise_equal(c, cn)
    steps, batch, node, stream = _random_draws(20000, seed=16)
    for seed in (0, 1, SEED, 2**64 - 1):
        nb = _fast_normals_nb(np.uint64(seed), steps, batch, node, stream)
        assert _bitwise_equal(nb, fast_normals_numpy(seed, steps, batch, node, stream))
        assert np.all(np.isfinite(nb))


def test_fast_pair_parity_and_close_to_libm():
    steps, batch, node, stream = _random_draws(20000, seed=17)
    pairs = _fast_pairs_nb(np.uint64(SEED), steps, batch, node, stream)
    even = _fast_normals_nb(np.uint64(SEED), steps, batch, node, 2 * stream)
    odd = _fast_normals_nb(np.uint64(SEED), steps, batch, node, 2 * stream + 1)
    assert _bitwise_equal(pairs[:, 0], even) and _bitwise_equal(pairs[:, 1], odd)
    # same uniforms as the libm path; libm's error there is dominated by rounding 2 pi u
    libm = _normals_nb(np.uint64(SEED), steps, batch, node, 2 * stream)
    assert np.all(np.abs(even - libm) <= 1e-14 * (1.0 + np.abs(libm)))
    assert np.mean(even == libm) > 0.3  # measured 0.42 identical
    z = fast_normals_numpy(SEED, np.arange(5)[:, None], 2, np.arange(3)[None, :], 1)
    assert z.shape == (5, 3) and fast_normals_numpy(SEED, 4, 2, 2, 1) == z[4, 2]


_C_WRAPPER = r"""
#include <stdint.h>
#include "philox_fast.h"
void normals(uint64_t seed, int64_t n, const uint64_t *step, const int64_t *batch,
             const int64_t *node, const int64_t *stream, double *out)
{
    for (int64_t i = 0; i < n; ++i)
        out[i] = bm_fast_normal(seed, step[i], (uint32_t)batch[i], (uint32_t)node[i],
                                (uint32_t)stream[i]);
}
void pairs(uint64_t seed, int64_t n, const uint64_t *step, const int64_t *batch,
           const int64_t *node, const int64_t *pair, double *out)
{
    for (int64_t i = 0; i < n; ++i)
        bm_fast_normal_pair(seed, step[i], (uint32_t)batch[i], (uint32_t)node[i],
                            (uint32_t)pair[i], out + 2 * i, out + 2 * i + 1);
}
void logs(int64_t n, const double *u, double *out)
{
    for (int64_t i = 0; i < n; ++i) out[i] = bm_fast_log_open(u[i]);
}
void sincos2pi(int64_t n, const double *u, double *s, double *c)
{
    for (int64_t i = 0; i < n; ++i) bm_fast_sincos_2pi(u[i], s + i, c + i);
}
"""


def _build_c(tmp_path, flags):
    src = tmp_path / "wrap.c"
    src.write_text(_C_WRAPPER)
    lib = tmp_path / f"libwrap{len(list(tmp_path.glob('*.so')))}.so"
    subprocess.run(["gcc", *flags, "-ffp-contract=off", "-std=c99", "-shared", "-fPIC",
                    "-I", os.path.dirname(c_header_path()), str(src), "-o", str(lib), "-lm"],
                   check=True, capture_output=True)
    return ctypes.CDLL(str(lib))


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not found")
@pytest.mark.parametrize("flags", [["-O2"], ["-O3", "-march=native"]])
def test_fast_c_header_bitwise(tmp_path, flags):
    lib = _build_c(tmp_path, flags)
    ptr = np.ctypeslib.as_ctypes

    steps, batch, node, stream = (np.ascontiguousarray(x) for x in _random_draws(4000, 18))
    batch, node, stream = (x.astype(np.int64) for x in (batch, node, stream))
    for seed in (0, SEED, 2**64 - 1):
        out = np.empty(steps.size)
        lib.normals(ctypes.c_uint64(seed), ctypes.c_int64(steps.size), ptr(steps), ptr(batch),
                    ptr(node), ptr(stream), ptr(out))
        assert _bitwise_equal(out, _fast_normals_nb(np.uint64(seed), steps, batch, node,
                                                    stream))
    out = np.empty((steps.size, 2))
    lib.pairs(ctypes.c_uint64(SEED), ctypes.c_int64(steps.size), ptr(steps), ptr(batch),
              ptr(node), ptr(stream), ptr(out))
    assert _bitwise_equal(out, _fast_pairs_nb(np.uint64(SEED), steps, batch, node, stream))
    u = _log_inputs(20000, seed=19)
    out = np.empty(u.size)
    lib.logs(ctypes.c_int64(u.size), ptr(u), ptr(out))
    assert _bitwise_equal(out, _fast_log_nb(u))
    u = _trig_inputs(20000, seed=20)
    s, c = np.empty(u.size), np.empty(u.size)
    lib.sincos2pi(ctypes.c_int64(u.size), ptr(u), ptr(s), ptr(c))
    sn, cn = _fast_sincos_nb(u)
    assert _bitwise_equal(s, sn) and _bitwise_equal(c, cn)


# ------------------------------------------------------------------------------ fill
@pytest.mark.parametrize("n_stream", [1, 2, 3, 4])
def test_fast_fill_equals_scalar(n_stream):
    n_steps, n_batch, n_node = 13, 3, 7
    out = np.empty((n_steps, n_batch, n_node, n_stream))
    fast_fill_normals(out, SEED, 2**32 - 5, n_batch, n_node, n_stream, 11)
    s, b, n, k = (x.ravel() for x in np.indices(out.shape))
    ref = _fast_normals_nb(np.uint64(SEED), (s + 2**32 - 5).astype(np.uint64), b + 11, n, k)
    assert _bitwise_equal(out.ravel(), ref)
    assert _bitwise_equal(ref, fast_normals_numpy(SEED, s + 2**32 - 5, b + 11, n, k))


def test_fast_fill_chunking_and_parallel():
    shape = (100, 2, 37, 3)
    whole = np.empty(shape)
    fast_fill_normals(whole, SEED, 5, *shape[1:], 0)
    a, b = np.empty((37,) + shape[1:]), np.empty((63,) + shape[1:])
    fast_fill_normals(a, SEED, 5, *shape[1:], 0)
    fast_fill_normals(b, SEED, 42, *shape[1:], 0)
    assert _bitwise_equal(whole, np.concatenate([a, b]))
    for shp in [shape, (3, 1, 80, 5), (1, 1, 1, 1)]:
        ser, par = np.empty(shp), np.empty(shp)
        fast_fill_normals(ser, SEED, 123, *shp[1:], 4)
        fast_fill_normals_parallel(par, SEED, 123, *shp[1:], 4)
        assert _bitwise_equal(ser, par)
    out = np.full((4, 3, 5, 4), np.nan)
    fast_fill_normals(out, SEED, 0, 2, 4, 3, 0)
    assert _bitwise_equal(out[:, :2, :4, :3], _fast_fill(SEED, 4, 2, 4, 3))
    assert np.isnan(out[:, 2:]).all() and np.isnan(out[..., 3]).all()
    with pytest.raises(ValueError):
        fast_fill_normals(np.empty((2, 1, 3, 2)), SEED, 0, 1, 4, 2, 0)


def _fast_fill(seed, n_steps, n_batch, n_node, n_stream):
    out = np.empty((n_steps, n_batch, n_node, n_stream))
    fast_fill_normals(out, seed, 0, n_batch, n_node, n_stream, 0)
    return out


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                    reason="checks x86 assembly")
def test_fast_fill_is_vectorised_without_fma():
    fresh = njit(fast_fill_normals.py_func)  # code loaded from the cache has no asm
    fresh(np.empty((1, 1, 8, 2)), SEED, 0, 1, 8, 2)
    asm = "\n".join(fresh.inspect_asm().values())
    for op in ("mulpd", "addpd", "divpd", "sqrtpd"):  # packed (xmm with SSE2, ymm with AVX2)
        assert re.search(rf"\bv?{op}\b", asm), op
    assert not re.search(r"\bvfn?m(add|sub)", asm)  # no contraction into FMA


# ------------------------------------------------------------------------------ statistics
def test_fast_statistics():
    out = np.empty((2500, 4, 50, 2))  # 10**6 normals
    fast_fill_normals_parallel(out, SEED, 0, 4, 50, 2, 0)
    z = out.ravel()
    assert abs(z.mean()) < 0.005
    assert abs(z.var() - 1.0) < 0.005
    assert abs(np.mean(z**3)) < 0.01 and abs(np.mean(z**4) - 3.0) < 0.03

    def corr(a, b):
        return abs(np.corrcoef(a.ravel(), b.ravel())[0, 1])

    assert corr(out[..., 0], out[..., 1]) < 0.005  # streams of one Philox call
    assert corr(out[:, :, :-1], out[:, :, 1:]) < 0.005  # neighbouring nodes
    assert corr(out[:, :-1], out[:, 1:]) < 0.005  # neighbouring batch elements
    assert corr(out[:-1], out[1:]) < 0.005  # consecutive steps
    assert corr(out[..., 0] ** 2, out[..., 1] ** 2) < 0.005
    from scipy import stats
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert (np.abs(z) > 4.5).sum() > 0
