"""On a real NVIDIA GPU (CuPy + NVRTC): the portable C sources that the CUDA backend will
include give bitwise the same numbers as the Numba and NumPy paths.

- ``bm_exp``, ``bm_expm1``, ``bm_exprel``, ``bm_tanh``, ``bm_erf``, ``bm_erfc``
  (``brainmass_dsl.libm.exp_c_source()``)
  against the ``portable_*_numpy`` functions;
- ``bm_fast_normal`` (``brainmass_dsl/rng/philox_fast.h``) against ``fast_normals_numpy``;

both compiled by NVRTC with ``--fmad=false``. Skipped where CuPy or a GPU is missing (CI);
on such machines the same sources are compiled with gcc instead (test_libm, test_rng).
"""
import numpy as np
import pytest

from brainmass_dsl.libm import (exp_c_source, portable_erf_numpy, portable_erfc_numpy,
                                portable_exp_numpy, portable_expm1_numpy, portable_exprel_numpy,
                                portable_tanh_numpy)
from brainmass_dsl.rng import fast_normals_numpy
from brainmass_dsl.rng.fastmath import c_header_path

cupy = pytest.importorskip("cupy")
try:
    _N_GPU = cupy.cuda.runtime.getDeviceCount()
except Exception:                                   # no driver / no device
    _N_GPU = 0
pytestmark = pytest.mark.skipif(_N_GPU == 0, reason="no CUDA device")

_KERNELS = r"""
extern "C" __global__ void exps(const double *x, double *y, long long n)
{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        y[i] = bm_exp(x[i]);
        y[n + i] = bm_expm1(x[i]);
        y[2 * n + i] = bm_exprel(x[i]);
        y[3 * n + i] = bm_tanh(x[i]);
        y[4 * n + i] = bm_erf(x[i]);
        y[5 * n + i] = bm_erfc(x[i]);
    }
}

extern "C" __global__ void normals(unsigned long long seed, const unsigned long long *step,
                                   const unsigned int *batch, const unsigned int *node,
                                   const unsigned int *stream, double *out, long long n)
{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = bm_fast_normal(seed, step[i], batch[i], node[i], stream[i]);
}
"""


def _module(fmad):
    with open(c_header_path()) as f:
        philox = f.read()
    code = exp_c_source() + philox + _KERNELS
    return cupy.RawModule(code=code, options=(f"--fmad={'true' if fmad else 'false'}",
                                              "-std=c++17"))


def _launch(kernel, n, *args):
    kernel(((n + 255) // 256,), (256,), (*args, np.int64(n)))
    cupy.cuda.runtime.deviceSynchronize()


def _bits(a):
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def _exp_inputs():
    rng = np.random.default_rng(11)
    k = np.arange(-140, 141, dtype=float) * np.log(2) / 128
    return np.concatenate([rng.uniform(-750, 712, 1_000_000), rng.normal(0, 5, 1_000_000), k,
                           rng.uniform(-30, 30, 1_000_000), rng.uniform(0.8, 1.3, 100_000),
                           [0.0, -0.0, np.inf, -np.inf, np.nan, 700.0, -700.0, 709.78,
                            709.8, -745.0, -745.2, 1e-320]])


def _numpy_all(x):
    return np.stack([portable_exp_numpy(x), portable_expm1_numpy(x), portable_exprel_numpy(x),
                     portable_tanh_numpy(x), portable_erf_numpy(x), portable_erfc_numpy(x)])


def test_exp_on_gpu_is_bitwise_the_numpy_path():
    x = _exp_inputs()
    y = cupy.empty((6, x.size))
    _launch(_module(False).get_function("exps"), x.size, cupy.asarray(x), y)
    assert np.array_equal(_bits(y.get()), _bits(_numpy_all(x)))


def test_normals_on_gpu_are_bitwise_the_numpy_path():
    rng = np.random.default_rng(12)
    n = 1_000_000
    step = rng.integers(0, 2**40, n, dtype=np.uint64)
    batch, node = (rng.integers(0, 2**20, n, dtype=np.uint32) for _ in range(2))
    stream = rng.integers(0, 8, n, dtype=np.uint32)
    out = cupy.empty(n)
    seed = np.uint64(0x243F6A8885A308D3)
    _launch(_module(False).get_function("normals"), n, seed, *(cupy.asarray(a) for a in
                                                                (step, batch, node, stream)), out)
    ref = fast_normals_numpy(int(seed), step, batch, node, stream)
    assert np.array_equal(_bits(out.get()), _bits(ref))


def test_fused_multiply_add_would_change_bits():
    """Why the CUDA backend compiles with --fmad=false: with contraction the bits differ."""
    x = _exp_inputs()
    y = cupy.empty((6, x.size))
    _launch(_module(True).get_function("exps"), x.size, cupy.asarray(x), y)
    differ = (_bits(y.get()) != _bits(_numpy_all(x))).sum(axis=1)
    print(f"--fmad=true: of {x.size} results, {differ.tolist()} differ in their bits "
          "(exp, expm1, exprel, tanh, erf, erfc)")
    assert differ.sum() > 0
