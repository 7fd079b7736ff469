"""The portable exp, expm1, exprel, tanh, erf and erfc (brainmass_dsl.libm): accuracy against
mpmath, the same bits from Numba, NumPy and C, and their use by the generated kernels."""
import ctypes
import math
import re
import shutil
import subprocess

import mpmath
import numpy as np
import pytest
from numba import njit

from brainmass_dsl.libm import erf as ERF
from brainmass_dsl.libm import exp as E
from brainmass_dsl.libm import (exp_c_source, portable_erf, portable_erf_numpy, portable_erfc,
                                portable_erfc_numpy, portable_exp, portable_exp_numpy,
                                portable_expm1, portable_expm1_numpy, portable_exprel,
                                portable_exprel_numpy, portable_tanh, portable_tanh_numpy)

SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-320, -1e-320, 5e-324,
                    2.0**-54, -(2.0**-54), 699.9999999999999, 700.0, -700.0, -700.0000000000001,
                    708.0, 709.0, 709.782712893384, 709.7827128933841, 710.0, 1e308,
                    -708.3964185322641, -708.4, -740.0, -745.0, -745.1332191019411,
                    -745.1332191019412, -745.2, -1e308])
_ERF_EDGES = np.array([ERF.SMALL, ERF.MID, ERF.TAIL, ERF.ERF_ONE, ERF.ERFC_ZERO, ERF.TINY_ERF,
                       ERF.TINY_SUB, ERF.TINY_ERFC, ERF.QUARTER, 0.5, 1.0, 26.5, 27.2, 27.3])
ERF_EDGES = np.concatenate([e for v in (_ERF_EDGES, -_ERF_EDGES)
                            for e in (v, np.nextafter(v, 0.0), np.nextafter(v, 2 * v))])


@njit(cache=True)
def _exp_nb(x):
    out = np.empty((6, x.size))
    for i in range(x.size):
        out[0, i] = portable_exp(x[i])
        out[1, i] = portable_expm1(x[i])
        out[2, i] = portable_exprel(x[i])
        out[3, i] = portable_tanh(x[i])
        out[4, i] = portable_erf(x[i])
        out[5, i] = portable_erfc(x[i])
    return out


def _numpy_all(x):
    return np.stack([portable_exp_numpy(x), portable_expm1_numpy(x), portable_exprel_numpy(x),
                     portable_tanh_numpy(x), portable_erf_numpy(x), portable_erfc_numpy(x)])


def _bits(a):
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def _inputs(seed=0, n=100_000):
    rng = np.random.default_rng(seed)
    k = np.arange(-140, 141, dtype=float)                      # multiples of ln2/N and halves
    grid = np.concatenate([k * math.log(2) / E.N, (k + 0.5) * math.log(2) / E.N])
    return np.concatenate([rng.uniform(-750, 712, n), rng.normal(0, 5, n),
                           rng.uniform(-1e-3, 1e-3, n // 10), rng.uniform(-30, 30, n // 2),
                           grid, np.nextafter(grid, 1), SPECIAL, ERF_EDGES])


def _ulp_errors(x, y, f=mpmath.exp):
    """|y - f(x)| in units of the last place of the exact result (subnormal spacing
    2**-1074 at the bottom), from mpmath with 40 digits."""
    out = np.empty(x.size)
    with mpmath.workdps(40):
        for j, (xi, yi) in enumerate(zip(x.tolist(), y.tolist())):
            t = f(mpmath.mpf(xi))
            ulp = max(math.ulp(float(t)), 5e-324) if float(t) != math.inf else math.ulp(1.7e308)
            out[j] = abs(float((mpmath.mpf(yi) - t) / ulp))
    return out


def test_table_is_its_definition():
    with mpmath.workdps(50):
        for i in range(E.N):
            s = (int(E.SBITS[i]) + (i << 45)) % 2**64
            s = np.uint64(s).view(np.float64)
            exact = mpmath.power(2, mpmath.mpf(i) / E.N)
            assert s == float(exact)                            # the nearest double
            assert abs((s * (1 + mpmath.mpf(float(E.TAIL[i]))) - exact) / exact) < 1e-30
        assert float(E.LN2_N_HI) + E.LN2_N_LO == float(mpmath.log(2) / E.N)
        assert abs(mpmath.mpf(E.LN2_N_HI) + E.LN2_N_LO - mpmath.log(2) / E.N) < 1e-30
    assert int(np.float64(E.LN2_N_HI).view(np.uint64)) & (2**17 - 1) == 0   # k * HI exact


@pytest.mark.parametrize("lo, hi", [(-1.0, 1.0), (-30.0, 30.0), (-708.39, 709.78),
                                    (-1e-6, 1e-6)])
def test_accuracy_normal_results(lo, hi):
    x = np.random.default_rng(int(hi * 7)).uniform(lo, hi, 4000)
    assert _ulp_errors(x, portable_exp_numpy(x)).max() < 0.51


def test_accuracy_subnormal_results_and_table_edges():
    x = np.random.default_rng(3).uniform(-745.13, -708.4, 2000)
    assert _ulp_errors(x, portable_exp_numpy(x)).max() < 1.0
    k = np.arange(-3000, 3000, dtype=float)
    for x in (k * math.log(2) / E.N, (k + 0.5) * math.log(2) / E.N):
        assert _ulp_errors(x, portable_exp_numpy(x)).max() < 0.51


def test_special_values():
    y = portable_exp_numpy(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 710.0, 1e308,
                                     -746.0, -1e308, 1e-300, -1e-300]))
    assert np.array_equal(y[:4], [1.0, 1.0, np.inf, 0.0]) and np.isnan(y[4])
    assert np.array_equal(y[5:], [np.inf, np.inf, 0.0, 0.0, 1.0, 1.0])
    assert portable_exp_numpy(E.OVERFLOW) < np.inf
    assert portable_exp_numpy(np.nextafter(E.OVERFLOW, 800)) == np.inf
    assert portable_exp_numpy(-745.0) == 5e-324                   # the smallest subnormal
    assert float(portable_exp_numpy(1.0)) == math.e


def test_numba_and_numpy_bitwise():
    x = _inputs()
    assert np.array_equal(_bits(_exp_nb(x)), _bits(_numpy_all(x)))


@pytest.mark.parametrize("lo, hi", [(-1e-9, 1e-9), (-0.02, 0.02), (-0.8, 0.8), (-5.0, 5.0),
                                    (-60.0, 60.0), (-699.0, 709.0)])
def test_expm1_and_exprel_accuracy(lo, hi):
    x = np.random.default_rng(int(hi * 11)).uniform(lo, hi, 4000)
    assert _ulp_errors(x, portable_expm1_numpy(x), mpmath.expm1).max() < 2.5
    exprel = lambda z: mpmath.expm1(z) / z                     # noqa: E731
    assert _ulp_errors(x, portable_exprel_numpy(x), exprel).max() < 3.0


@pytest.mark.parametrize("lo, hi", [(-1e-8, 1e-8), (-0.02, 0.02), (-0.7, 0.7), (-4.0, 4.0),
                                    (-25.0, 25.0)])
def test_tanh_accuracy(lo, hi):
    x = np.random.default_rng(int(hi * 13)).uniform(lo, hi, 4000)
    assert _ulp_errors(x, portable_tanh_numpy(x), mpmath.tanh).max() < 3.5


def test_tanh_special_values():
    x = np.array([0.0, -0.0, 1e-320, -1e-300, np.inf, -np.inf, 22.5, -40.0, np.nan])
    y = portable_tanh_numpy(x)
    assert np.array_equal(_bits(y[:8]), _bits([0.0, -0.0, 1e-320, -1e-300, 1.0, -1.0, 1.0, -1.0]))
    assert np.isnan(y[8])
    z = np.random.default_rng(9).uniform(-20, 20, 1000)
    assert np.array_equal(_bits(portable_tanh_numpy(-z)), _bits(-portable_tanh_numpy(z)))


def test_expm1_and_exprel_special_values():
    x = np.array([0.0, 1e-300, -1e-300, 5e-324, np.inf, -np.inf, np.nan, 800.0, -800.0, 700.0])
    m1 = portable_expm1_numpy(x)
    assert np.array_equal(m1[:6], [0.0, 1e-300, -1e-300, 5e-324, np.inf, -1.0])
    assert np.isnan(m1[6]) and m1[7] == np.inf and m1[8] == -1.0
    assert m1[9] == portable_exp_numpy(700.0)
    rel = portable_exprel_numpy(x)
    assert np.array_equal(rel[:4], [1.0, 1.0, 1.0, 1.0]) and rel[5] == 0.0
    assert rel[8] == 1.0 / 800.0 and np.isnan(rel[6])


def test_monotone_across_table_entries():
    x = np.sort(np.concatenate([np.random.default_rng(5).uniform(-20, 20, 200_000),
                                np.arange(-2000, 2000) * math.log(2) / E.N]))
    assert np.all(np.diff(portable_exp_numpy(x)) >= 0)


def test_intrinsic_accepts_integers_and_is_inlined():
    @njit
    def f(n):
        return portable_exp(n)

    assert f(1) == math.e and f(0) == 1.0
    llvm = "".join(f.inspect_llvm().values())
    body = llvm[llvm.index("define"):llvm.index("\n}\n")]           # f's own function
    assert set(re.findall(r"call [^@]*@([\w.]+)\(", body)) <= {"llvm.fabs.f64"}


# ------------------------------------------------------------------------------ erf, erfc
def test_erf_coefficients_are_fdlibms():
    """The tables hold fdlibm's s_erf.c coefficients (checked against its hex words)."""
    words = {(0, 0): 0x3FC06EBA8214DB68, (0, 4): 0xBEF8EAD6120016AC,
             (1, 0): 0xBF6359B8BEF77538, (1, 6): 0xBF61BF380A96073F,
             (2, 0): 0xBF843412600D6435, (2, 7): 0xC023A0EFC69AC25C,
             (3, 0): 0xBF84341239E86F4A, (3, 6): 0xC07E384E9BDC383F}
    for (k, j), w in words.items():
        assert np.float64(ERF.P_TABLE[k, j]).view(np.uint64) == w
    qwords = {(0, 0): 0x3FD97779CDDADC09, (1, 5): 0x3F888B545735151D,
              (2, 7): 0xBFAEEFF2EE749A62, (3, 6): 0xC03670E242712D62}
    for (k, j), w in qwords.items():
        assert np.float64(ERF.Q_TABLE[k, j]).view(np.uint64) == w
    assert np.float64(ERF.ERX).view(np.uint64) == 0x3FEB0AC160000000
    assert ERF.ONE_MINUS_ERX + ERF.ERX == 1.0 and 0 < ERF.TAIL - 1 / 0.35 < 1e-6


@pytest.mark.parametrize("lo, hi", [(-1e-6, 1e-6), (-0.9, 0.9), (0.8, 1.3), (1.2, 2.9),
                                    (2.8, 6.0), (-6.0, -0.8)])
def test_erf_and_erfc_accuracy(lo, hi):
    """<= 2 ulp on [-6, 6] (measured on 1.2 million points: erf 0.90, erfc 1.83 ulp)."""
    x = np.concatenate([np.random.default_rng(int(hi * 17) % 1000).uniform(lo, hi, 3000),
                        ERF_EDGES[(ERF_EDGES >= lo) & (ERF_EDGES <= hi)]])
    assert _ulp_errors(x, portable_erf_numpy(x), mpmath.erf).max() < 1.0
    assert _ulp_errors(x, portable_erfc_numpy(x), mpmath.erfc).max() < 2.0


def test_erfc_tail_down_to_underflow():
    x = np.concatenate([np.random.default_rng(21).uniform(6.0, 27.3, 3000),
                        np.linspace(26.5, 27.3, 400)])
    y = portable_erfc_numpy(x)
    err = _ulp_errors(x, y, mpmath.erfc)                # subnormal spacing below DBL_MIN
    assert err.max() < 1.5
    assert y.min() == 0.0 and (y[y > 0] < 2.3e-308).any()     # through the subnormal range
    assert portable_erfc_numpy(27.3) == 0.0 and portable_erfc_numpy(27.2) > 0.0


def test_erf_and_erfc_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, 6.0, -7.0, 1e-320, -1e-300, 40.0, 1e308])
    assert np.array_equal(_bits(portable_erf_numpy(x)),
                          _bits([0.0, -0.0, 1.0, -1.0, 1.0, -1.0, portable_erf_numpy(1e-320),
                                 portable_erf_numpy(-1e-300), 1.0, 1.0]))
    assert portable_erf_numpy(1e-320) == float(mpmath.erf(mpmath.mpf(1e-320)))
    assert np.array_equal(portable_erfc_numpy(x), [1.0, 1.0, 0.0, 2.0, portable_erfc_numpy(6.0),
                                                   2.0, 1.0, 1.0, 0.0, 0.0])
    assert np.isnan(portable_erf_numpy(np.nan)) and np.isnan(portable_erfc_numpy(np.nan))
    z = np.random.default_rng(8).uniform(-8, 8, 2000)
    assert np.array_equal(_bits(portable_erf_numpy(-z)), _bits(-portable_erf_numpy(z)))
    for f in (portable_erf_numpy, portable_erfc_numpy):          # any shape, as the others
        assert np.array_equal(_bits(f(z.reshape(40, 50))), _bits(f(z).reshape(40, 50)))
        assert isinstance(f(0.5), float) or np.ndim(f(0.5)) == 0


def test_erf_monotone_across_intervals():
    x = np.sort(np.concatenate([np.random.default_rng(6).uniform(-7, 7, 200_000), ERF_EDGES,
                                *(np.nextafter(ERF_EDGES, s) for s in (-30, 30))]))
    x = x[np.abs(x) < 27]
    assert np.all(np.diff(portable_erf_numpy(x)) >= 0)
    assert np.all(np.diff(portable_erfc_numpy(x)) <= 0)


def test_exp_of_a_double_double_argument():
    """``portable_exp_numpy(hi, lo)`` = e**(hi + lo), rounded once (erf's tail uses it)."""
    rng = np.random.default_rng(4)
    hi = rng.uniform(-700, 700, 3000)
    lo = rng.uniform(-0.5, 0.5, 3000) * np.array([math.ulp(v) for v in hi])
    y = portable_exp_numpy(hi, lo)
    with mpmath.workdps(40):
        err = [abs(float((mpmath.mpf(yi) - mpmath.exp(mpmath.mpf(h) + mpmath.mpf(l)))
                         / math.ulp(yi))) for h, l, yi in zip(hi, lo, y)]
    assert max(err) < 0.52
    assert np.array_equal(portable_exp_numpy(hi, np.zeros_like(hi)), portable_exp_numpy(hi))


# ------------------------------------------------------------------------------ C
_C_WRAPPER = """
#include <stdint.h>
#include "bm_exp.h"
void exps(int64_t n, const double *x, double *y)
{
    for (int64_t i = 0; i < n; ++i) {
        y[i] = bm_exp(x[i]);
        y[n + i] = bm_expm1(x[i]);
        y[2 * n + i] = bm_exprel(x[i]);
        y[3 * n + i] = bm_tanh(x[i]);
        y[4 * n + i] = bm_erf(x[i]);
        y[5 * n + i] = bm_erfc(x[i]);
    }
}
"""


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not found")
@pytest.mark.parametrize("flags", [["-O2"], ["-O3", "-march=native"]])
def test_c_source_bitwise(tmp_path, flags):
    (tmp_path / "bm_exp.h").write_text(exp_c_source())
    (tmp_path / "wrap.c").write_text(_C_WRAPPER)
    lib = tmp_path / "libexp.so"
    subprocess.run(["gcc", *flags, "-ffp-contract=off", "-std=c99", "-Wall", "-Werror",
                    "-shared", "-fPIC", "-I", str(tmp_path), str(tmp_path / "wrap.c"),
                    "-o", str(lib)], check=True, capture_output=True)
    c = ctypes.CDLL(str(lib))
    x = _inputs(seed=1)
    y = np.empty((6, x.size))
    ptr = np.ctypeslib.as_ctypes
    c.exps(ctypes.c_int64(x.size), ptr(x), ptr(y))
    assert np.array_equal(_bits(y), _bits(_numpy_all(x)))


# ------------------------------------------------------------------------------ kernels
def test_generated_kernels_call_the_portable_exp():
    import brainmass_dsl as bm

    src = bm.WilsonCowanStep(1).kernel.source()           # default: exponential Euler
    assert "portable_exp(" in src and "portable_exprel(" in src
    assert "math.exp" not in src                              # neither exp nor expm1
