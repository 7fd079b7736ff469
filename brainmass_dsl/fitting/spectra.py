"""Power-spectrum objective: `psd_distance`, the RMS difference of log10 power spectra.

Spectra by Welch's method, as `scipy.signal.welch(x, fs, nperseg=L)` with its defaults: Hann
window (periodic), segments of L samples overlapping by L // 2, each segment's mean removed,
one-sided density scaling (power per Hz: |FFT(w y)|^2 / (fs sum w^2), doubled except at 0 Hz
and Nyquist), averaged over segments. `dt` is the sampling interval in ms (or a pint time),
frequencies are in Hz.

    S_i(f) = Welch power of region i;  (relative: S_i(f) / sum over the band of S_i)
    loss = sqrt( mean over regions i and frequencies f in [fmin, fmax] of
                 (log10(S_pred_i(f) + epsilon) - log10(S_target_i(f) + epsilon))^2 )

in decades (bels). The gradient is closed form: dP/d(w y) = 2 Re(FFT(Z)) with Z the one-sided
dL/dP * scale * conj(FFT(w y)) (zero above Nyquist), then through the window, the segment
mean and the overlapping segments (summed).
"""
from __future__ import annotations

import numbers
from functools import partial

import numpy as np

from .core import Objective, chunks
from ..runtime.values import is_quantity, pint_quantity


def _in_unit(x, unit: str, what: str):
    if x is None:
        return None
    if is_quantity(x):
        q = pint_quantity(x)
        try:
            return float(q.to(unit).magnitude)
        except Exception:
            raise ValueError(f"psd_distance: {what} must be in units of {unit}, got "
                             f"{q.units:~}") from None
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"psd_distance: {what} must be a number ({unit}), got {x!r}")
    return float(x)


def _welch_setup(L):
    n = np.arange(L)
    w = 0.5 - 0.5 * np.cos(2 * np.pi * n / L)          # periodic Hann, as scipy's get_window
    nf = L // 2 + 1
    double = np.full(nf, 2.0)
    double[0] = 1.0
    if L % 2 == 0:
        double[-1] = 1.0
    return w, double


def _segments(T, L, what, name):
    if T < L:
        raise ValueError(f"{name}: nperseg {L} is larger than the {what}'s {T} time points")
    step = L - L // 2
    return np.arange(0, T - L + 1, step)


def welch(X, L, fs, keep=False, name="psd_distance", what="prediction"):
    """Welch spectra (B, N, F) of X (B, T, N), and what the backward pass needs."""
    B, T, N = X.shape
    starts = _segments(T, L, what, name)
    w, double = _welch_setup(L)
    scale = double / (fs * np.sum(w * w))               # (F,)
    idx = starts[:, None] + np.arange(L)
    S = np.empty((B, N, L // 2 + 1))
    spectra = []
    for sl in chunks(B, 4 * len(starts) * L * N):
        seg = X[sl][:, idx, :]                            # (b, K, L, N)
        seg = seg - seg.mean(axis=2, keepdims=True)
        F = np.fft.rfft(seg * w[None, None, :, None], axis=2)    # (b, K, F, N)
        S[sl] = np.swapaxes((F.real ** 2 + F.imag ** 2).mean(axis=1), 1, 2) * scale
        if keep:
            spectra.append((sl, F))
    return S, (starts, w, scale, spectra, (T, N, L))


def welch_backward(cache, gS):
    """dL/dX (B, T, N) from dL/dS = gS (B, N, F)."""
    starts, w, scale, spectra, (T, N, L) = cache
    K = len(starts)
    dX = np.zeros((gS.shape[0], T, N))
    for sl, F in spectra:
        a = np.swapaxes(gS[sl] * scale, 1, 2)[:, None, :, :] / K     # (b, 1, F, N)
        Z = np.zeros(F.shape[:2] + (L, N), dtype=complex)
        Z[:, :, :F.shape[2], :] = a * np.conj(F)
        dwy = 2 * np.fft.fft(Z, axis=2).real                          # (b, K, L, N)
        dy = dwy * w[None, None, :, None]
        dy = dy - dy.mean(axis=2, keepdims=True)
        for k in range(L):
            dX[sl, starts + k, :] += dy[:, :, k, :]
    return dX


def _psd_evaluate(P, Q, want_grad, fs, lo, hi, nperseg, relative, eps, name):
    L = int(nperseg) if nperseg is not None else min(256, P.shape[1], Q.shape[1])
    freqs = np.fft.rfftfreq(L, d=1.0 / fs)
    band = (freqs > 0) if lo is None else (freqs >= lo)
    if hi is not None:
        band &= freqs <= hi
    if not band.any():
        raise ValueError(f"{name}: no frequency of the Welch grid (step {fs / L:g} Hz, up "
                         f"to {freqs[-1]:g} Hz) lies in [{lo}, {hi}] Hz")
    Sp, cache = welch(P, L, fs, want_grad)
    St, _ = welch(Q, L, fs, False, what="target")

    def logs(S):
        S = S[..., band]
        tot = S.sum(axis=-1, keepdims=True)
        R = S / tot if relative else S
        return np.log10(R + eps), R, tot

    lp, Rp, tot = logs(Sp)
    D = lp - logs(St)[0]
    m = D.shape[1] * D.shape[2]
    values = np.sqrt(np.einsum("bnf,bnf->b", D, D) / m)
    if not want_grad:
        return values, None
    gR = np.where(values[:, None, None] > 0, D / (m * values[:, None, None]), 0.0) / (
        (Rp + eps) * np.log(10.0))
    if relative:
        gR = (gR - np.sum(gR * Rp, axis=-1, keepdims=True)) / tot
    gS = np.zeros_like(Sp)
    gS[..., band] = gR
    return values, welch_backward(cache, gS)


def psd_distance(dt, fmin=None, fmax=None, nperseg=None, relative: bool = False,
                 epsilon: float = 0.0) -> Objective:
    """RMS difference of the log10 Welch power spectra of prediction and target, over
    regions and the frequencies in [fmin, fmax] Hz (default: every frequency above 0 Hz, up
    to Nyquist). dt: the sampling interval of both series (ms, or a pint time); nperseg: the
    Welch segment length in samples (default min(256, the shorter series' length)); relative:
    compare spectral shapes (each spectrum divided by its power in the band); epsilon: added
    to the power before the log (a region with zero power otherwise gives an infinite loss).
    The series may differ in length (each must hold nperseg samples). Loss in decades.

    >>> t = np.arange(2000) * 0.5                 # ms
    >>> x = np.sin(2 * np.pi * 0.01 * t)[:, None] + np.random.default_rng(0).normal(size=(2000, 3))
    >>> loss = psd_distance(dt=0.5, fmax=100.0)
    >>> loss(x, x), loss(x, 10 * x)               # 10x the amplitude: 2 decades of power
    (0.0, 2.0)
    """
    name = "psd_distance"
    dt_ms = _in_unit(dt, "ms", "dt")
    if not dt_ms > 0:
        raise ValueError(f"{name}: dt must be > 0 ms, got {dt!r}")
    fs = 1000.0 / dt_ms
    lo, hi = _in_unit(fmin, "Hz", "fmin"), _in_unit(fmax, "Hz", "fmax")
    if lo is not None and hi is not None and not lo <= hi:
        raise ValueError(f"{name}: fmin {lo} Hz > fmax {hi} Hz")
    if nperseg is not None:
        if isinstance(nperseg, bool) or not isinstance(nperseg, numbers.Integral):
            raise TypeError(f"{name}: nperseg must be an integer, got {nperseg!r}")
        if nperseg < 2:
            raise ValueError(f"{name}: nperseg must be >= 2, got {nperseg}")
    if not isinstance(epsilon, numbers.Real) or not epsilon >= 0:
        raise ValueError(f"{name}: epsilon must be a number >= 0, got {epsilon!r}")
    eps = float(epsilon)

    label = f"{name}(dt={dt_ms} ms, fmin={lo}, fmax={hi}, nperseg={nperseg}, " \
            f"relative={bool(relative)})"
    evaluate = partial(_psd_evaluate, fs=fs, lo=lo, hi=hi, nperseg=nperseg,
                       relative=bool(relative), eps=eps, name=name)
    return Objective(label, evaluate, same_time=False, min_time=2)
