"""brainmass's `JansenRitTR`: a time-resolved Jansen-Rit network (Momi, Wang & Griffiths 2023).

    net = bm.JansenRitTR(N, delay=D, sc=SC, k=5.0, w_ll=0.0, w_ff=0.0, w_bb=0.0,
                         g_l=1.0, g_f=1.0, g_b=1.0)
    net.init_all_states()
    eeg = net.update(u)                 # one TR (tr / dt sub-steps); returns E - I (mV)

One `JansenRitStep` node per region, advanced `n = int(tr / dt)` steps per `update()` (a TR),
with three Laplacian pathways (brainmass's LaplacianConnectivity), for p in l, f, b:

    W_p = mask * (exp(w_pp) * sc) / ||exp(w_pp) * sc||_F,   dg_p = -rowsum(W_p)
    per TR (from M delayed by D_ij TRs, held for the TR):   LE_p(i) = sum_j W_p[i, j] M_j(delayed)
    per step (from the current state):
        M_inp = g_l LE_l + g_l dg_l M + k u        (mV)
        E_inp = g_f LE_f + g_f dg_f (E - I)        (Hz)
        I_inp = -g_b LE_b - g_b dg_b (E - I)       (mV)

The delay buffer holds M at the end of each TR (brainmass's delay_init before: `delay_init`,
default 0): a delay entry D_ij (in brainmass "steps", read here as TRs, which is what
brainmass's once-per-TR buffer does) reads M_j at the end of the TR D_ij + 1 TRs back.
Differences (docs/differences-from-brainmass.md): the lateral pathway is symmetrised
(0.5 (W + W^T)), which brainmass's code means but does not do; `tr` is in ms (plain numbers)
like every time here; `std_in` (white noise on the three inputs, two of them inside the
sigmoid) is refused.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .values import magnitude_in, to_ms
from . import environ


def _node_class():
    from .library import catalogue_class

    return catalogue_class("JansenRitStep")


def _matrix(value, name: str, n: int) -> np.ndarray:
    arr = np.asarray(magnitude_in(value, None, name), dtype=float)
    if arr.ndim == 0:
        return np.full((n, n), float(arr))
    if arr.shape != (n, n):
        raise ValueError(f"{name} must be a scalar or an ({n}, {n}) matrix, got shape "
                         f"{arr.shape}")
    return arr


class JansenRitTR:
    """brainmass's `JansenRitTR(in_size, delay, sc, k, w_ll, w_ff, w_bb, g_l, g_f, g_b,
    std_in=None, mask=None, state_saturation=True, input_saturation=True, state_init=0,
    delay_init=0, tr=1 ms)`; see the module doc. `method=` picks the node's integrator."""

    def __init__(self, in_size, delay, sc, k, w_ll, w_ff, w_bb, g_l=1.0, g_f=1.0, g_b=1.0,
                 std_in=None, mask=None, state_saturation: bool = True,
                 input_saturation: bool = True, state_init=0.0, delay_init=0.0, tr=1.0, *,
                 method: Optional[str] = None, **node_params):
        if std_in is not None:
            raise ValueError("std_in: white noise on JansenRitStep's M_inp and I_inp (inside "
                             "the sigmoid) is not a well-defined SDE here; wire a coloured "
                             "process into the node instead (noise_M=bm.OUProcess(...))")
        self.node = _node_class()(in_size, method=method, **node_params)
        n = self.n_node = self.node.n_nodes
        if self.node.in_size != (n,):
            raise ValueError(f"in_size must be an int (regions), got {in_size!r}")
        self.sc = _matrix(sc, "sc", n)
        self.delay = np.rint(_matrix(delay, "delay", n)).astype(np.int64)
        if (self.delay < 0).any():
            raise ValueError("delay must be non-negative (in TRs)")
        self.mask = None if mask is None else _matrix(mask, "mask", n)
        self.k = float(magnitude_in(k, None, "k"))
        self.w_ll, self.w_ff, self.w_bb = (_matrix(w, name, n) for w, name in
                                           ((w_ll, "w_ll"), (w_ff, "w_ff"), (w_bb, "w_bb")))
        self.g_l, self.g_f, self.g_b = (float(magnitude_in(g, None, name)) for g, name in
                                        ((g_l, "g_l"), (g_f, "g_f"), (g_b, "g_b")))
        self.tr = to_ms(tr, "tr")
        self.state_init, self.delay_init = state_init, delay_init
        # brainmass applies neither saturation in this class; kept for its signature
        self.state_saturation, self.input_saturation = state_saturation, input_saturation
        self._buffer = None

    # ------------------------------------------------------------ weights
    def _normalised(self, w: np.ndarray, symmetric: bool):
        wb = np.exp(w) * self.sc
        if symmetric:
            wb = 0.5 * (wb + wb.T)
        wn = wb / np.linalg.norm(wb)
        if self.mask is not None:
            wn = wn * self.mask
        return wn, -wn.sum(axis=1)

    def weights(self):
        """{'l': (W_l, dg_l), 'f': (W_f, dg_f), 'b': (W_b, dg_b)}."""
        return {"l": self._normalised(self.w_ll, True), "f": self._normalised(self.w_ff, False),
                "b": self._normalised(self.w_bb, False)}

    # ------------------------------------------------------------ states
    def init_all_states(self, batch_size: Optional[int] = None):
        n = self.n_node
        node = self.node
        for name in ("M", "E", "I"):
            node._inits[name] = self._init_value(self.state_init, batch_size)
        for name in ("Mv", "Ev", "Iv"):       # brainmass: state_init * mV/s
            node._inits[name] = self._init_value(self.state_init, batch_size)
        node.init_all_states(batch_size)
        B = batch_size or 1
        rows = int(self.delay.max()) + 1
        self._buffer = np.empty((rows, B, n))
        self._buffer[:] = self._init_value(self.delay_init, batch_size).reshape(-1, n)
        self._written = 0
        return self

    init_state = reset_state = init_all_states

    def _init_value(self, init, batch_size):
        shape = ((batch_size,) if batch_size else ()) + (self.n_node,)
        if callable(init) and not hasattr(init, "magnitude"):
            init = init(shape)
        return np.broadcast_to(np.asarray(magnitude_in(init, None, "state_init"), dtype=float),
                               shape).copy()

    def _delayed_M(self) -> np.ndarray:
        """(B, N, N): M_j as seen by region i (delay D_ij TRs; delay_init before)."""
        rows = self._buffer.shape[0]
        idx = (self._written - 1 - self.delay) % rows          # the newest row is written - 1
        cols = np.broadcast_to(np.arange(self.n_node), self.delay.shape)
        return self._buffer[idx, :, cols].transpose(2, 0, 1)

    # ------------------------------------------------------------ stepping
    def update(self, input, record_state: bool = False, iter_input: bool = False):
        """One TR: `int(tr / dt)` steps of the node; returns E - I (mV) after it (and
        {'M', 'E', 'I'} with `record_state`). `iter_input`: `input` has one row per step."""
        if self._buffer is None:
            self.init_all_states()
        dt = environ.get_dt()
        ratio = self.tr / dt
        n_step = int(round(ratio)) if abs(ratio - round(ratio)) < 1e-9 else int(ratio)
        if n_step < 1:
            raise ValueError(f"tr={self.tr} ms is shorter than dt={dt} ms")
        u = np.asarray(magnitude_in(input, None, "input"), dtype=float)
        if iter_input and (u.ndim == 0 or u.shape[0] != n_step):
            raise ValueError(f"input has {u.shape[0] if u.ndim else 0} rows but a TR has "
                             f"{n_step} steps (iter_input=True)")
        w = self.weights()
        delayed = self._delayed_M()
        le = {p: np.einsum("ij,bij->bi", w[p][0], delayed) for p in "lfb"}
        node = self.node
        shape = node._shape_out
        for s in range(n_step):
            ext = self.k * (u[s] if iter_input else u)
            M, E, I = node.M.value, node.E.value, node.I.value
            eeg = (E - I).reshape(-1, self.n_node)
            m = M.reshape(-1, self.n_node)
            inp_M = self.g_l * le["l"] + self.g_l * w["l"][1] * m
            inp_E = self.g_f * le["f"] + self.g_f * w["f"][1] * eeg
            inp_I = -self.g_b * le["b"] - self.g_b * w["b"][1] * eeg
            node.update(M_inp=shape(inp_M) + ext, E_inp=shape(inp_E), I_inp=shape(inp_I))
        M = node.M.value
        self._buffer[self._written % self._buffer.shape[0]] = M.reshape(-1, self.n_node)
        self._written += 1
        activity = node.E.value - node.I.value
        if record_state:
            return activity, {"M": M, "E": node.E.value, "I": node.I.value}
        return activity

    __call__ = update

    def __repr__(self):
        return f"JansenRitTR(in_size={self.n_node}, tr={self.tr} ms, method={self.node.method!r})"
