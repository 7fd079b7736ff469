"""`HRFBold`: BOLD as neural activity convolved with an HRF kernel (brainmass's observation).

Pipeline (brainmass semantics):
1. average the signal over windows of `downsample_period` (TemporalAverage);
2. sample the kernel at t_j = j * downsample_period, j = 0 .. K-1, K = ceil(duration /
   downsample_period);
3. prepend `history` (K rows; zeros by default);
4. convolve each column with the kernel ('valid', 'same' or 'full'; by FFT or directly);
5. bold = k_1 V_0 (conv - 1);
6. keep rows step, 2 step, ..., step = period / downsample_period: with 'valid' and K rows of
   history, row m step is the BOLD at m * period (it has seen the signal up to that time).
"""
from __future__ import annotations

import math

import numpy as np

from ..runtime.results import Result
from ._signal import finite_array, finite_number, read_signal, time_ms, whole_steps
from .averaging import window_means
from .kernels import FirstOrderVolterraHRFKernel, HRFKernel

MODES = ("valid", "same", "full")
METHODS = ("fft", "direct")


def convolve_columns(x: np.ndarray, h: np.ndarray, mode: str, method: str) -> np.ndarray:
    """Each column of x (L, M) convolved with h (K,), as numpy.convolve(column, h, mode)."""
    if method == "fft":
        from scipy.signal import fftconvolve

        return fftconvolve(x, h[:, None], mode=mode, axes=0)
    return np.stack([np.convolve(x[:, j], h, mode=mode) for j in range(x.shape[1])], axis=1)


class HRFBold:
    """Convolution BOLD: `HRFBold(...)(signal, dt)` -> (T_bold, *regions), dimensionless.

    `period` (the TR) and `downsample_period` are ms or time quantities; the TR must be a
    whole multiple of `downsample_period`, and `downsample_period` of the signal's `dt`.
    `signal` is an array (time on axis 0), a quantity (only its magnitude is used) or a
    `Result` (`var=` names the variable; its `ts` give dt); for a `Result` the answer is a
    `Result` holding "bold" at the TR times."""

    def __init__(self, k_1=5.6, V_0=0.02, period=1000.0, downsample_period=4.0, kernel=None,
                 convolution_mode="valid", method="fft", history=None):
        if convolution_mode not in MODES:
            raise ValueError(f"convolution_mode must be one of {', '.join(map(repr, MODES))}, "
                             f"got {convolution_mode!r}")
        if method not in METHODS:
            raise ValueError(f"method must be 'fft' or 'direct', got {method!r}")
        kernel = FirstOrderVolterraHRFKernel() if kernel is None else kernel
        if not isinstance(kernel, HRFKernel):
            raise TypeError(f"kernel must be an HRFKernel (e.g. GammaHRFKernel()), got "
                            f"{type(kernel).__name__}")
        self.k_1 = finite_number(k_1, "k_1")
        self.V_0 = finite_number(V_0, "V_0")
        self.period, self.downsample_period = period, downsample_period
        self.period_ms = time_ms(period, "period")
        self.downsample_ms = time_ms(downsample_period, "downsample_period")
        self.step = whole_steps(self.period_ms, self.downsample_ms, "period",
                                "downsample_period")
        self.kernel = kernel
        self.convolution_mode, self.method = convolution_mode, method
        self.history = None if history is None else finite_array(history, "history")

    @property
    def kernel_length(self) -> int:
        """K: the number of kernel samples (and of history rows)."""
        return max(1, math.ceil(self.kernel.duration_ms / self.downsample_ms - 1e-9))

    def hrf(self) -> np.ndarray:
        """The kernel sampled on the downsampled grid, j * downsample_period (ms)."""
        t = np.arange(self.kernel_length) * self.downsample_ms
        h = np.asarray(self.kernel(t), dtype=float)
        if h.shape != t.shape:
            raise ValueError(f"kernel: {type(self.kernel).__name__} returned shape {h.shape} "
                             f"for a grid of {t.shape}")
        return finite_array(h, f"kernel {type(self.kernel).__name__}")

    def __call__(self, signal, dt=None, *, var=None):
        sig = read_signal(signal, dt, var)
        w = whole_steps(self.downsample_ms, sig.dt, "downsample_period",
                        "dt" if not isinstance(signal, Result) else "the result's sampling step")
        ys = window_means(sig.values, w)
        rest = ys.shape[1:]
        h = self.hrf()
        K = len(h)
        if self.history is None:
            pad = np.zeros((K,) + rest)
        else:
            pad = self.history
            if pad.shape != (K,) + rest:
                raise ValueError(f"history must have shape {(K,) + rest} (kernel samples, "
                                 f"*regions), got {pad.shape}")
        x = np.concatenate([pad, ys], axis=0).reshape(K + len(ys), -1)
        conv = convolve_columns(x, h, self.convolution_mode, self.method)
        bold = self.k_1 * self.V_0 * (conv - 1.0)
        bold = bold[self.step::self.step].reshape((-1,) + rest)
        if len(bold) == 0:
            raise ValueError(f"signal covers {len(ys) * self.downsample_ms:g} ms, too short "
                             f"for one BOLD sample at period = {self.period_ms:g} ms")
        if not isinstance(signal, Result):
            return bold
        ts = sig.t0 + self.period_ms * np.arange(1, len(bold) + 1)
        meta = dict(signal.meta, observation=f"HRFBold of {var or next(iter(signal.data))}")
        return Result({"bold": bold}, ts, {"bold": "1"}, signal.labels, meta)
