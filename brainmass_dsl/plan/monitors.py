"""Monitors: what a kernel records, as assignments, and on which clock.

A monitor has a clock (every `_sample_every` steps from step `_n_transient`: the sample is
taken at the end of those steps) and a list of values, each with its row in the record
buffer (`_rec_pos[row]`, -1 when the run does not record it). Its values are states and
outputs; the lets the outputs read are recomputed from the recorded state (as `_ol_<let>`),
so a sample is a function of the state at its time only. Both kernels, nodes and network,
print their recording from the same `Sampling` object with the same template piece.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

import sympy as sp

from ..ir.analysis import Assign
from ..ir.lower import sym
from ..ir.model import ModelIR


@dataclass(frozen=True)
class Sampling:
    """Every-k decimation of states and outputs.

    `lets`: assignments computed before the values (output lets, white-noise samples);
    `values`: (row, expression) for each state, then each output, in `_rec_pos` order."""

    lets: Tuple[Assign, ...]
    values: Tuple[Tuple[int, sp.Expr], ...]


def output_values(model: ModelIR, *, sampled: bool, dt: sp.Symbol,
                  noise: Tuple[sp.Symbol, ...]) -> Tuple[List[Assign], List[sp.Expr]]:
    """(lets, one expression per output) of `model`'s outputs at the current state.

    The lets the outputs read are computed again as `_ol_<let>` (dependency order): inlining
    them would repeat shared lets and let SymPy merge powers of nested lets into overflowing
    ones. An output with white noise `xi` (a noise process run on its own) reads this step's
    normal as xi = z / sqrt(dt) when `sampled` (variance 1/dt, as the scheme's increment
    implies), else xi's mean, 0 (outputs at an instant, where no step has been drawn).
    """
    needed = set().union(*(o.expr.free_symbols for o in model.outputs)) if model.outputs else set()
    chosen = []
    for let in reversed(model.lets):               # users after uses
        if let.symbol in needed:
            chosen.append(let)
            needed |= let.expr.free_symbols
    chosen.reverse()
    rename = {}
    lets: List[Assign] = []
    for k, name in enumerate(model.noises):
        xi = sym(name)
        if xi in needed:
            if sampled:
                w = sym(f"_w{k}")
                lets.append(Assign(w, noise[k] / sp.sqrt(dt), f"{name} = z / sqrt(dt)"))
                rename[xi] = w
            else:
                rename[xi] = sp.Integer(0)
    for let in chosen:
        target = sym(f"_ol_{let.symbol.name}")
        lets.append(Assign(target, let.expr.xreplace(rename), f"let {let.name}"))
        rename[let.symbol] = target
    return lets, [o.expr.xreplace(rename) for o in model.outputs]


def sampling(model: ModelIR, *, dt: sp.Symbol, noise: Tuple[sp.Symbol, ...]) -> Sampling:
    """The decimation monitor of `model`'s states and outputs."""
    lets, outs = output_values(model, sampled=True, dt=dt, noise=noise)
    values = [(i, q.symbol) for i, q in enumerate(model.states)]
    values += [(len(model.states) + i, e) for i, e in enumerate(outs)]
    return Sampling(tuple(lets), tuple(values))
