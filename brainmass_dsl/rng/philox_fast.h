/*
 * philox_fast.h -- Philox4x32-10 + Box-Muller with portable log / sincos(2 pi u).
 *
 * C99 (host) and CUDA (device) version of brainmass_dsl/rng/fastmath.py. Given the same
 * (seed, step, batch, node, stream) it returns BITWISE the same double as the Numba
 * functions fast_normal / fast_fill_normals and the NumPy function fast_normals_numpy,
 * provided that floating-point expressions are evaluated as written:
 *
 *   gcc/clang:  -ffp-contract=off, no -ffast-math / -Ofast, SSE2 or better (x86-64; no x87:
 *               FLT_EVAL_METHOD must be 0)
 *   nvcc:       --fmad=false, no --use_fast_math (keeps IEEE '/' and sqrt)
 *
 * Only + - * /, sqrt (correctly rounded everywhere) and integer/bit operations are used.
 *
 * Counter layout (see brainmass_dsl/rng/philox.py):
 *   key     k0 = seed & 0xffffffff, k1 = seed >> 32
 *   counter c0 = step & 0xffffffff, c1 = batch, c2 = node,
 *           c3 = (stream >> 1) | ((step >> 32) << 16)      (pair < 2**16, step < 2**48)
 *   words   r0..r3 = Philox4x32-10(counter, key)
 *   u1 = ((r0 >> 5) * 2**26 + (r1 >> 6)) * 2**-53,  u2 likewise from r2, r3
 *   r  = sqrt(-2 * bm_fast_log_open(1 - u1));  (s, c) = bm_fast_sincos_2pi(u2)
 *   z0 = r * c (even stream), z1 = r * s (odd stream)
 *
 * Accuracy (vs mpmath, 10**6 inputs + edge cases): bm_fast_log_open max 0.80 ulp,
 * bm_fast_sincos_2pi max 0.77 ulp (sin), 0.76 ulp (cos); exact at quarter turns and log(1).
 * The polynomial coefficients are fdlibm's:
 *   Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *   Developed at SunSoft, a Sun Microsystems, Inc. business.
 *   Permission to use, copy, modify, and distribute this software is freely granted,
 *   provided that this notice is preserved.
 */
#ifndef BRAINMASS_PHILOX_FAST_H
#define BRAINMASS_PHILOX_FAST_H

#ifdef __CUDACC_RTC__ /* NVRTC has no system headers */
typedef int int32_t;
typedef unsigned int uint32_t;
typedef unsigned long long uint64_t;
#else
#include <stdint.h>
#endif

#ifdef __CUDACC__
#define BM_FN static __host__ __device__ __forceinline__
#else
#include <float.h>
#include <math.h> /* sqrt only */
#include <string.h>
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD != 0
#error "philox_fast.h needs FLT_EVAL_METHOD == 0 (SSE2 double arithmetic, no x87)"
#endif
#define BM_FN static inline
#endif

BM_FN uint64_t bm_double_bits(double x)
{
#ifdef __CUDA_ARCH__
    return (uint64_t)__double_as_longlong(x);
#else
    uint64_t i;
    memcpy(&i, &x, sizeof i);
    return i;
#endif
}

BM_FN double bm_bits_double(uint64_t i)
{
#ifdef __CUDA_ARCH__
    return __longlong_as_double((long long)i);
#else
    double x;
    memcpy(&x, &i, sizeof x);
    return x;
#endif
}

/* ------------------------------------------------------------------ Philox4x32-10 */
BM_FN void bm_philox4x32(uint32_t c[4], uint32_t k0, uint32_t k1)
{
    int i;
    for (i = 0; i < 10; ++i) {
        uint64_t p0, p1;
        uint32_t n0, n2;
        if (i) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        p0 = (uint64_t)0xD2511F53u * c[0];
        p1 = (uint64_t)0xCD9E8D57u * c[2];
        n0 = (uint32_t)(p1 >> 32) ^ c[1] ^ k0;
        n2 = (uint32_t)(p0 >> 32) ^ c[3] ^ k1;
        c[1] = (uint32_t)p1;
        c[3] = (uint32_t)p0;
        c[0] = n0;
        c[2] = n2;
    }
}

/* 53-bit uniform in [0, 1): ((a >> 5) * 2**26 + (b >> 6)) * 2**-53 (exact) */
BM_FN double bm_unit53(uint32_t a, uint32_t b)
{
    return ((double)(int32_t)(a >> 5) * 67108864.0 + (double)(int32_t)(b >> 6))
           * (1.0 / 9007199254740992.0);
}

/* ------------------------------------------------------------------ log, sincos */
/* Natural log of a positive normal double (used on (0, 1]); fdlibm algorithm. */
BM_FN double bm_fast_log_open(double u)
{
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    const double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                 Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                 Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                 Lg7 = 1.479819860511658591e-01;
    uint64_t hx = bm_double_bits(u) + ((uint64_t)(0x3ff00000 - 0x3fe6a09e) << 32);
    double dk = (double)(int32_t)(hx >> 52) - 1023.0;
    double x = bm_bits_double((hx & 0x000fffffffffffffULL) + ((uint64_t)0x3fe6a09e << 32));
    double f = x - 1.0;
    double hfsq = (0.5 * f) * f;
    double s = f / (2.0 + f);
    double z = s * s;
    double w = z * z;
    double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    double r = t2 + t1;
    return ((((s * (hfsq + r)) + dk * ln2_lo) - hfsq) + f) + dk * ln2_hi;
}

/* sin(2 pi u), cos(2 pi u) for u in [0, 1) (0 <= u < 2**20): exact quarter-turn
 * reduction, double-double 2 pi r, fdlibm kernels. */
BM_FN void bm_fast_sincos_2pi(double u, double *sin_out, double *cos_out)
{
    const double split = 134217729.0;
    const double two_pi_1 = 6.283185243606567382812500;  /* 0x1.921fb5p+2, 26 bits */
    const double two_pi_2 = 6.357301909411278e-08;       /* 0x1.110b4611a6263p-24 */
    const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
                 S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
                 S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
    const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
                 C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
                 C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
    int32_t q = (int32_t)(4.0 * u + 0.5);
    double r = u - (double)q * 0.25;
    double c = split * r;
    double rh = c - (c - r);
    double rl = r - rh;
    double p = rh * two_pi_1;
    double e = rl * two_pi_1 + r * two_pi_2;
    double x = p + e;
    double y = (p - x) + e;
    double z = x * x;
    double w = z * z;
    double rs = (S2 + z * (S3 + z * S4)) + (z * w) * (S5 + z * S6);
    double v = z * x;
    double sn = x - (((z * (0.5 * y - v * rs)) - y) - v * S1);
    double rc = z * (C1 + z * (C2 + z * C3)) + (w * w) * (C4 + z * (C5 + z * C6));
    double hz = 0.5 * z;
    double w1 = 1.0 - hz;
    double cs = w1 + (((1.0 - w1) - hz) + (z * rc - x * y));
    double s0 = (q & 1) ? cs : sn;
    double c0 = (q & 1) ? 0.0 - sn : cs;
    *sin_out = (q & 2) ? 0.0 - s0 : s0;
    *cos_out = (q & 2) ? 0.0 - c0 : c0;
}

/* ------------------------------------------------------------------ normals */
/* (z0, z1) of pair index `pair` (noise streams 2 pair and 2 pair + 1). */
BM_FN void bm_fast_normal_pair(uint64_t seed, uint64_t step, uint32_t batch, uint32_t node,
                               uint32_t pair, double *z0, double *z1)
{
    uint32_t c[4];
    double v, u2, rad, s, co;
    c[0] = (uint32_t)step;
    c[1] = batch;
    c[2] = node;
    c[3] = (uint32_t)((uint64_t)pair | ((step >> 32) << 16));
    bm_philox4x32(c, (uint32_t)seed, (uint32_t)(seed >> 32));
    v = 1.0 - bm_unit53(c[0], c[1]);
    u2 = bm_unit53(c[2], c[3]);
    rad = sqrt(-2.0 * bm_fast_log_open(v));
    bm_fast_sincos_2pi(u2, &s, &co);
    *z0 = rad * co;
    *z1 = rad * s;
}

/* Standard normal of noise stream `stream` (z0 of pair stream/2 if even, else z1). */
BM_FN double bm_fast_normal(uint64_t seed, uint64_t step, uint32_t batch, uint32_t node,
                            uint32_t stream)
{
    double z0, z1;
    bm_fast_normal_pair(seed, step, batch, node, stream >> 1, &z0, &z1);
    return (stream & 1u) ? z1 : z0;
}

#endif /* BRAINMASS_PHILOX_FAST_H */
