"""ns per standard normal: the project's Philox4x32-10 + Box-Muller vs numpy.

Rows (a)-(g), (l): the libm version (``philox``); (h)-(k), (m): the portable own-log/sincos
version (``fastmath``, bitwise equal to NumPy and C), whose loops LLVM vectorises.

Run:  python bench/bench_rng.py [n_steps] [n_batch] [n_node] [n_stream]
(defaults 4000 1 80 2: the W2 network, 160 normals per step). Best of 7 runs after a warm-up;
the VM is noisy, so read the ratios of one sitting.
"""
import math
import sys
import time

import numba
import numpy as np
from numba import njit

from brainmass_dsl.rng import (
    fast_fill_normals,
    fast_fill_normals_parallel,
    fast_log_open,
    fast_normal_pair,
    fast_normal,
    fast_sincos_2pi,
    fill_normals,
    fill_normals_parallel,
    normal,
    normal_pair,
)
from brainmass_dsl.rng.philox import TWO_PI, _U, _unit, philox4x32

CHUNK = 64  # steps per refill, as a generated kernel would do


@njit(cache=True)
def scalar_pairs(out, seed, n_batch, n_node, n_stream):
    """(a) normal_pair called inline per (step, batch, node, pair); n_stream even."""
    for s in range(out.shape[0]):
        for b in range(n_batch):
            for n in range(n_node):
                for p in range(n_stream // 2):
                    z0, z1 = normal_pair(seed, s, b, n, p)
                    out[s, b, n, 2 * p] = z0
                    out[s, b, n, 2 * p + 1] = z1


@njit(cache=True)
def fast_scalar_pairs(out, seed, n_batch, n_node, n_stream):
    """(h) fast_normal_pair called inline per (step, batch, node, pair); n_stream even."""
    for s in range(out.shape[0]):
        for b in range(n_batch):
            for n in range(n_node):
                for p in range(n_stream // 2):
                    z0, z1 = fast_normal_pair(seed, s, b, n, p)
                    out[s, b, n, 2 * p] = z0
                    out[s, b, n, 2 * p + 1] = z1


@njit(cache=True)
def fast_box_muller_only(u, out):
    """(k) the own log/sincos part alone, on the inputs of (f) (u[:, 1] = angle / 2 pi)."""
    for s in range(u.shape[0]):
        for n in range(u.shape[2]):
            r = np.sqrt(-2.0 * fast_log_open(u[s, 0, n]))
            sn, cs = fast_sincos_2pi(u[s, 1, n])
            out[s, n, 0] = r * cs
            out[s, n, 1] = r * sn


@njit(cache=True)
def user_loop_libm(x, seed, n_steps, n_batch, n_stream):
    """(l) user-kernel pattern: x[b, k, n] += 0.1 * normal(...) inside the node loop."""
    for s in range(n_steps):
        for b in range(n_batch):
            for k in range(n_stream):
                for n in range(x.shape[2]):
                    x[b, k, n] += 0.1 * normal(seed, s, b, n, k)


@njit(cache=True)
def user_loop_fast(x, seed, n_steps, n_batch, n_stream):
    """(m) as (l) with fast_normal: plain arithmetic, so LLVM vectorises the node loop."""
    for s in range(n_steps):
        for b in range(n_batch):
            for k in range(n_stream):
                for n in range(x.shape[2]):
                    x[b, k, n] += 0.1 * fast_normal(seed, s, b, n, k)


def chunked(fill, out, seed, n_batch, n_node, n_stream):
    """(b)/(c) refill a CHUNK-step buffer until out.shape[0] steps are drawn."""
    buf = np.empty((CHUNK, n_batch, n_node, n_stream))
    for s0 in range(0, out.shape[0], CHUNK):
        fill(buf, seed, s0, n_batch, n_node, n_stream)


@njit(cache=True)
def philox_uniforms(u, seed):
    """(e) the integer part alone: Philox call -> (1 - u1, 2 pi u2) per pair (vectorised)."""
    k0, k1 = _U(seed) & _U(0xFFFFFFFF), _U(seed) >> _U(32)
    for s in range(u.shape[0]):
        for n in range(u.shape[2]):
            r0, r1, r2, r3 = philox4x32(_U(s), _U(0), _U(n), _U(0), k0, k1)
            u[s, 0, n] = 1.0 - _unit(r0, r1)
            u[s, 1, n] = TWO_PI * _unit(r2, r3)


@njit(cache=True)
def box_muller_only(u, out):
    """(f) the libm part alone: sqrt(-2 log v) * (cos t, sin t) per pair."""
    for s in range(u.shape[0]):
        for n in range(u.shape[2]):
            r = math.sqrt(-2.0 * math.log(u[s, 0, n]))
            out[s, n, 0] = r * math.cos(u[s, 1, n])
            out[s, n, 1] = r * math.sin(u[s, 1, n])


@njit(cache=True)
def numba_generator(rng, out):
    """(g) numpy Generator (PCG64, ziggurat) drawn inside a Numba kernel, per element."""
    flat = out.reshape(-1)
    for i in range(flat.size):
        flat[i] = rng.standard_normal()


def best_times(fs, reps=7):
    """Min wall time of each callable; rounds interleave the variants (noisy VM)."""
    for f in fs:
        f()
    t = [np.inf] * len(fs)
    for _ in range(reps):
        for i, f in enumerate(fs):
            t0 = time.perf_counter()
            f()
            t[i] = min(t[i], time.perf_counter() - t0)
    return t


def main(n_steps=4000, n_batch=1, n_node=80, n_stream=2):
    seed = 0x5EED_1234_ABCD
    shape = (n_steps, n_batch, n_node, n_stream)
    out = np.empty(shape)
    n = out.size
    gen = np.random.Generator(np.random.PCG64(1))
    genp = np.random.Generator(np.random.Philox(1))
    u = np.empty((n // 2 // n_node, 2, n_node))  # n/2 pairs = n normals
    u[:, 0] = np.random.default_rng(2).random(u[:, 0].shape) + 1e-300
    u[:, 1] = TWO_PI * np.random.default_rng(3).random(u[:, 1].shape)
    bm = np.empty((u.shape[0], n_node, 2))
    uf = u.copy()
    xs = np.zeros((n_batch, n_stream, n_node))
    uf[:, 1] = u[:, 1] / TWO_PI
    rows = [
        ("(a) normal_pair inline, scalar loop",
         lambda: scalar_pairs(out, seed, n_batch, n_node, n_stream)),
        (f"(b) fill_normals, {CHUNK}-step chunks",
         lambda: chunked(fill_normals, out, seed, n_batch, n_node, n_stream)),
        ("(b') fill_normals, one call",
         lambda: fill_normals(out, seed, 0, n_batch, n_node, n_stream)),
        (f"(c) fill_normals_parallel, {CHUNK}-step chunks",
         lambda: chunked(fill_normals_parallel, out, seed, n_batch, n_node, n_stream)),
        ("(c') fill_normals_parallel, one call",
         lambda: fill_normals_parallel(out, seed, 0, n_batch, n_node, n_stream)),
        ("(d) numpy PCG64 standard_normal(out=)", lambda: gen.standard_normal(out=out)),
        ("(d') numpy Philox4x64 standard_normal(out=)", lambda: genp.standard_normal(out=out)),
        ("(e) part of (b): Philox + uniforms only", lambda: philox_uniforms(u, seed)),
        ("(f) part of (b): sqrt/log/sin/cos only", lambda: box_muller_only(u, bm)),
        ("(g) numba in-kernel Generator.standard_normal", lambda: numba_generator(gen, out)),
        ("(h) fast_normal_pair inline, scalar loop",
         lambda: fast_scalar_pairs(out, seed, n_batch, n_node, n_stream)),
        (f"(i) fast_fill_normals, {CHUNK}-step chunks",
         lambda: chunked(fast_fill_normals, out, seed, n_batch, n_node, n_stream)),
        ("(i') fast_fill_normals, one call",
         lambda: fast_fill_normals(out, seed, 0, n_batch, n_node, n_stream)),
        (f"(j) fast_fill_normals_parallel, {CHUNK}-step chunks",
         lambda: chunked(fast_fill_normals_parallel, out, seed, n_batch, n_node, n_stream)),
        ("(j') fast_fill_normals_parallel, one call",
         lambda: fast_fill_normals_parallel(out, seed, 0, n_batch, n_node, n_stream)),
        ("(k) part of (h): own sqrt/log/sincos only", lambda: fast_box_muller_only(uf, bm)),
        ("(l) normal() inline in a node loop (1 per call)",
         lambda: user_loop_libm(xs, seed, n_steps, n_batch, n_stream)),
        ("(m) fast_normal() inline in a node loop",
         lambda: user_loop_fast(xs, seed, n_steps, n_batch, n_stream)),
    ]
    print(f"shape (steps, batch, node, stream) = {shape}: {n} normals; "
          f"numba {numba.__version__}, threads {numba.get_num_threads()}, "
          f"SVML {numba.config.USING_SVML}")
    times = best_times([f for _, f in rows])
    res = {name: t / n * 1e9 for (name, _), t in zip(rows, times)}
    ref, pcg = res[rows[1][0]], res[rows[5][0]]
    print(f"{'variant':50s} {'ns/normal':>10s} {'x (b)':>7s} {'x (d)':>7s}")
    for name, v in res.items():
        print(f"{name:50s} {v:10.2f} {v / ref:7.2f} {v / pcg:7.2f}")
    e, f, k = res[rows[7][0]], res[rows[8][0]], res[rows[15][0]]
    print(f"libm share of the serial cost (f / (e + f)): {100 * f / (e + f):.0f} %; "
          f"own log/sincos share (k / (e + k)): {100 * k / (e + k):.0f} %")
    for a, b in [(0, 10), (1, 11), (2, 12), (3, 13), (4, 14), (16, 17)]:
        print(f"speed-up {rows[b][0][:4]} over {rows[a][0][:4]}: "
              f"{res[rows[a][0]] / res[rows[b][0]]:.1f}x")
    return res


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
