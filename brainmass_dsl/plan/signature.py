"""The compiled kernels' arguments, declared once.

Templates render their `def` lines from these tuples and the runtime passes its arrays by
name through `pack`, so an argument added, renamed or reordered here is added, renamed or
reordered everywhere. Shapes: S states, P parameters, I inputs, O outputs, R recorded rows,
B batch elements, N nodes, D delayed states, L ring-buffer rows, C coupling parameters.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Mapping, Sequence, Tuple

import numpy as np

#: steps between the independent-nodes kernel's tests for non-finite states (at most)
CHECK_EVERY = 64
#: temporal blocking of the network kernel: edges with lag >= COUPLING_BLOCK are summed
#: once per COUPLING_BLOCK steps
COUPLING_BLOCK = 8
#: the network kernel draws its normals for NOISE_BLOCK steps at a time
NOISE_BLOCK = 64
#: steps per network kernel call: its history windows hold max lag + 1 + SUB_STEPS rows
SUB_STEPS = 2048


@dataclass(frozen=True)
class Arg:
    """One kernel argument: `name` in the kernel, numpy `dtype` ('f8', 'i8', 'u8'; '' for
    an array whose dtype follows its role), `shape` (text; '' for a scalar) and meaning."""

    name: str
    dtype: str
    shape: str
    doc: str

    @property
    def scalar(self) -> bool:
        return not self.shape


NODE_ARGS: Tuple[Arg, ...] = (
    Arg("_state", "f8", "(S, B, N)", "states, updated in place"),
    Arg("_params", "f8", "(P, B, N)", "parameters (canonical units)"),
    Arg("_inputs", "f8", "(T_in, I, B, N)", "inputs; step s reads row s * _in_tstride"),
    Arg("_in_tstride", "i8", "", "1: inputs per step, 0: one row for every step"),
    Arg("_seed", "u8", "", "the noise's key"),
    Arg("_batch0", "i8", "", "batch index of element 0 in the noise counters"),
    Arg("_step0", "i8", "", "global index of the first step"),
    Arg("_n_steps", "i8", "", "steps to take"),
    Arg("_dt", "f8", "", "time step (ms)"),
    Arg("_rec", "f8", "(T_out, R, B, N)", "recorded values, one slot per sample"),
    Arg("_rec_pos", "i8", "(S + O,)", "each state's/output's row in _rec (-1: not recorded)"),
    Arg("_n_transient", "i8", "", "first global step whose end is sampled"),
    Arg("_sample_every", "i8", "", "steps between samples"),
    Arg("_lags", "i8", "(D, B, N)", "delay lengths in steps"),
    Arg("_hist", "f8", "(D, L, B, N)", "ring buffers of the delayed states"),
    Arg("_status", "i8", "(B, N, 2)", "(step + 1, state index) of the first non-finite value"),
    Arg("_nsub", "i8", "", "normals per step drawn on a finer counter grid (1: none)"),
    Arg("_mean", "i8", "", "the recording monitor's kind: 0 every k-th step's value, 1 the sum "
                           "of the values over each window of k steps (the runtime divides)"),
)

#: the fused forward monitor (plan/forward.py): arguments of every network kernel (empty
#: arrays when it has none) and of an independent-nodes kernel compiled with one
FORWARD_ARGS: Tuple[Arg, ...] = (
    Arg("_fstate", "f8", "(F, B, N)", "forward model states, updated in place"),
    Arg("_fparams", "f8", "(FP, B, N)", "forward model parameters (canonical units)"),
    Arg("_facc", "f8", "(B, N)", "sum of the drive over the current forward step"),
    Arg("_fevery", "i8", "", "node steps per forward step"),
    Arg("_frec", "f8", "(T_f, FO, B, N)", "forward outputs, one slot per sample"),
    Arg("_fsample", "i8", "", "forward steps per sample (the TR)"),
    Arg("_f0", "i8", "", "samples skipped at the start (the transient)"),
    Arg("_fproj", "f8", "(N, M)", "projection of the outputs onto M sensors (projected "
                                  "monitors; then _frec is one slot of scratch)"),
    Arg("_fprec", "f8", "(T_f, FO, B, M)", "projected outputs, one slot per sample"),
)

NETWORK_ARGS: Tuple[Arg, ...] = NODE_ARGS + (
    Arg("_cparams", "f8", "(C, B, N)", "coupling parameters (canonical units)"),
    Arg("_fill", "i8", "", "1 on a run's first call: history before t = 0 is the initial state"),
) + FORWARD_ARGS

#: per coupling term k (names get the suffix k)
TERM_ARGS: Tuple[Arg, ...] = (
    Arg("_lptr", "i8", "(N + 1,)", "CSR row pointers of the long edges (lag >= block)"),
    Arg("_lw", "f8", "(E_long,)", "their weights"),
    Arg("_loff", "i8", "(E_long,)", "their history offsets j - lag_ij * N"),
    Arg("_sptr", "i8", "(N + 1,)", "CSR row pointers of the short edges (all edges of a "
                                    "per-edge coupling)"),
    Arg("_sw", "f8", "(E_short,)", "their weights"),
    Arg("_soff", "i8", "(E_short,)", "their history offsets"),
    Arg("_rowsum", "f8", "(N,)", "row sums of the weights"),
    Arg("_cwin", "f8", "(B, (maxlag + 1 + n_steps) * N)", "history window of the sent values"),
    Arg("_maxlag", "i8", "", "the longest lag in steps"),
)


def kernel_args(kind: str, n_terms: int = 0, forward: bool = False) -> Tuple[Arg, ...]:
    """The arguments of a 'nodes' or 'network' kernel with `n_terms` coupling terms;
    `forward`: a nodes kernel with a fused forward monitor (a network kernel always has
    its arguments)."""
    if kind == "nodes":
        return NODE_ARGS + FORWARD_ARGS if forward else NODE_ARGS
    if kind != "network":
        raise ValueError(f"kernel kind must be 'nodes' or 'network', not {kind!r}")
    per_term = tuple(Arg(f"{a.name}{k}", a.dtype, a.shape, a.doc)
                     for k in range(n_terms) for a in TERM_ARGS)
    return NETWORK_ARGS + per_term


def arg_names(kind: str, n_terms: int = 0, forward: bool = False) -> Tuple[str, ...]:
    return tuple(a.name for a in kernel_args(kind, n_terms, forward))


_SCALAR = {"f8": float, "i8": int, "u8": lambda v: np.uint64(int(v) & (2 ** 64 - 1))}


def pack(kind: str, values: Mapping[str, object],
         terms: Sequence[Mapping[str, object]] = (), forward: bool = False) -> tuple:
    """The positional arguments of a kernel from `values` (by name, without the leading
    underscore) and `terms` (one mapping per coupling term); `forward`: a nodes kernel with
    a fused forward monitor. Scalars are converted to their declared type. A missing or
    unknown name is a bug in the caller: KeyError.

    >>> args = pack("nodes", {a.name[1:]: 0 for a in NODE_ARGS})
    >>> len(args), type(args[4]).__name__, type(args[8]).__name__
    (18, 'uint64', 'float')
    """
    return _pack(kernel_args(kind, len(terms), forward), values, terms, f"the {kind} kernel")


def _pack(args: Tuple[Arg, ...], values: Mapping[str, object],
          terms: Sequence[Mapping[str, object]], what: str) -> tuple:
    given: Dict[str, object] = {"_" + k: v for k, v in values.items()}
    for k, term in enumerate(terms):
        given.update({f"_{n}{k}": v for n, v in term.items()})
    unknown = set(given) - {a.name for a in args}
    if unknown:
        raise KeyError(f"not arguments of {what}: {sorted(unknown)}")
    return tuple(_SCALAR[a.dtype](given[a.name]) if a.scalar else given[a.name] for a in args)


def ring_rows(max_lag: int, check_every: int) -> int:
    """Rows of a node kernel's delay ring buffer: the longest lag plus the steps a re-run
    from a checkpoint may go back (`check_every` - 1), plus the current row."""
    return max_lag + check_every


def window_rows(max_lag: int, n_steps: int) -> int:
    """Rows of a network kernel's history window for a call of `n_steps` steps."""
    return max_lag + 1 + n_steps


#: the discrete adjoint of a network kernel (plan/adjoint.py), one call per segment
ADJOINT_ARGS: Tuple[Arg, ...] = (
    Arg("_xseg", "f8", "(n + 1, S, B, N)", "states at the segment's times _t0 ... _t0 + n"),
    Arg("_params", "f8", "(P, B, N)", "parameters (canonical units)"),
    Arg("_cparams", "f8", "(C, B, N)", "coupling parameters (canonical units)"),
    Arg("_inputs", "f8", "(T_in, I, B, N)", "inputs of the segment: step _t0 + s reads row s * _in_tstride"),
    Arg("_in_tstride", "i8", "", "1: inputs per step, 0: one row for every step"),
    Arg("_seed", "u8", "", "the noise's key"),
    Arg("_batch0", "i8", "", "batch index of element 0 in the noise counters"),
    Arg("_t0", "i8", "", "global index of the segment's first step"),
    Arg("_n", "i8", "", "steps in the segment"),
    Arg("_dt", "f8", "", "time step (ms)"),
    Arg("_grec", "f8", "(T_out, R, B, N)", "the loss's gradient with respect to each sample"),
    Arg("_rec_pos", "i8", "(S + O,)", "each state's/output's row in _grec (-1: not recorded)"),
    Arg("_n_transient", "i8", "", "first global step whose end is sampled"),
    Arg("_sample_every", "i8", "", "steps between samples"),
    Arg("_mean", "i8", "", "1: every step of a window adds to its sample (a sum)"),
    Arg("_fill", "i8", "", "1: the segment starts the run (history = the first sent value)"),
    Arg("_lam", "f8", "(S, B, N)", "adjoint of the state: in at _t0 + n, out at _t0"),
    Arg("_gp", "f8", "(P, B, N)", "gradient of the parameters, accumulated"),
    Arg("_gc", "f8", "(C, B, N)", "gradient of the coupling parameters, accumulated"),
)

#: per coupling term k of the adjoint (names get the suffix k)
ADJOINT_TERM_ARGS: Tuple[Arg, ...] = (
    Arg("_ptr", "i8", "(N + 1,)", "CSR row pointers of the in-edges"),
    Arg("_w", "f8", "(E,)", "their weights"),
    Arg("_cols", "i8", "(E,)", "their source nodes"),
    Arg("_off", "i8", "(E,)", "their history offsets j - lag_ij * N"),
    Arg("_lag", "i8", "(E,)", "their lags in steps"),
    Arg("_rowsum", "f8", "(N,)", "row sums of the weights"),
    Arg("_hwin", "f8", "(B, maxlag * N)", "sent values at _t0 - maxlag ... _t0 - 1"),
    Arg("_pend", "f8", "(B, maxlag * N)", "adjoints of the last maxlag sent values, collected "
                                          "by later steps (carried between segments)"),
    Arg("_gw", "f8", "(B, E)", "gradient of the weights, accumulated"),
    Arg("_maxlag", "i8", "", "the longest lag in steps"),
)


def adjoint_args(n_terms: int) -> Tuple[Arg, ...]:
    """The arguments of an adjoint kernel with `n_terms` coupling terms."""
    return ADJOINT_ARGS + tuple(Arg(f"{a.name}{k}", a.dtype, a.shape, a.doc)
                                for k in range(n_terms) for a in ADJOINT_TERM_ARGS)


def pack_adjoint(values: Mapping[str, object], terms: Sequence[Mapping[str, object]]) -> tuple:
    """The positional arguments of an adjoint kernel (as `pack`)."""
    return _pack(adjoint_args(len(terms)), values, terms, "the adjoint kernel")


#: the forward sensitivities (tangents) of a network kernel (plan/sensitivity.py), one call
#: per segment, for D directions
TANGENT_ARGS: Tuple[Arg, ...] = (
    Arg("_xseg", "f8", "(n + 1, S, B, N)", "states at the segment's times _t0 ... _t0 + n"),
    Arg("_params", "f8", "(P, B, N)", "parameters (canonical units)"),
    Arg("_cparams", "f8", "(C, B, N)", "coupling parameters (canonical units)"),
    Arg("_inputs", "f8", "(T_in, I, B, N)", "inputs of the segment: step _t0 + s reads row s * _in_tstride"),
    Arg("_in_tstride", "i8", "", "1: inputs per step, 0: one row for every step"),
    Arg("_seed", "u8", "", "the noise's key"),
    Arg("_batch0", "i8", "", "batch index of element 0 in the noise counters"),
    Arg("_t0", "i8", "", "global index of the segment's first step"),
    Arg("_n", "i8", "", "steps in the segment"),
    Arg("_dt", "f8", "", "time step (ms)"),
    Arg("_trec", "f8", "(T_out, D, R, B, N)", "tangents of the samples, accumulated"),
    Arg("_rec_pos", "i8", "(S + O,)", "each state's/output's row in _trec (-1: not recorded)"),
    Arg("_n_transient", "i8", "", "first global step whose end is sampled"),
    Arg("_sample_every", "i8", "", "steps between samples"),
    Arg("_mean", "i8", "", "1: every step of a window adds to its sample (a sum)"),
    Arg("_fill", "i8", "", "1: the segment starts the run (history = the first sent value)"),
    Arg("_tx", "f8", "(D, S, B, N)", "tangent of the state: in at _t0, out at _t0 + n"),
    Arg("_tp", "f8", "(D, P, B, N)", "tangent of the parameters (the directions)"),
    Arg("_tc", "f8", "(D, C, B, N)", "tangent of the coupling parameters"),
)

#: per coupling term k of the tangent kernel (names get the suffix k)
TANGENT_TERM_ARGS: Tuple[Arg, ...] = (
    Arg("_ptr", "i8", "(N + 1,)", "CSR row pointers of the in-edges"),
    Arg("_w", "f8", "(E,)", "their weights"),
    Arg("_cols", "i8", "(E,)", "their source nodes"),
    Arg("_off", "i8", "(E,)", "their history offsets j - lag_ij * N"),
    Arg("_lag", "i8", "(E,)", "their lags in steps"),
    Arg("_rowsum", "f8", "(N,)", "row sums of the weights"),
    Arg("_hwin", "f8", "(B, maxlag * N)", "sent values at _t0 - maxlag ... _t0 - 1"),
    Arg("_thwin", "f8", "(D, B, maxlag * N)", "their tangents: in at _t0 - maxlag ... "
                                              "_t0 - 1, out at _t0 + n - maxlag ... _t0 + n - 1"),
    Arg("_tw", "f8", "(D, E)", "tangent of the weights (the directions)"),
    Arg("_trowsum", "f8", "(D, N)", "tangent of the row sums"),
    Arg("_maxlag", "i8", "", "the longest lag in steps"),
)


def tangent_args(n_terms: int) -> Tuple[Arg, ...]:
    """The arguments of a tangent kernel with `n_terms` coupling terms."""
    return TANGENT_ARGS + tuple(Arg(f"{a.name}{k}", a.dtype, a.shape, a.doc)
                                for k in range(n_terms) for a in TANGENT_TERM_ARGS)


def pack_tangent(values: Mapping[str, object], terms: Sequence[Mapping[str, object]]) -> tuple:
    """The positional arguments of a tangent kernel (as `pack`)."""
    return _pack(tangent_args(len(terms)), values, terms, "the tangent kernel")
