"""Tests of brainmass_dsl.rng: Philox4x32-10 + Box-Muller, Numba and NumPy paths."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numba import njit

from brainmass_dsl.rng import (
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
    fill_normals(whole, SEED, 0, *shape[1:])
    a = np.empty((37,) + shape[1:])
    b = np.empty((63,) + shape[1:])
    fill_normals(a, SEED, 0, *shape[1:])
    fill_normals(b, SEED, 37, *shape[1:])
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
    fill_normals_parallel(out, SEED, 0, 4, 50, 2)
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
