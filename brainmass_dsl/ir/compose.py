"""Wire source models (noise processes) into a node's inputs: one combined ModelIR.

`wire_inputs(node, {"x_inp": (ou_model, "noise_x")})` adds the OU model's states,
parameters and noise sources to the node under the prefix `noise_x.` (user-facing names
such as "noise_x.sigma"; symbols `noise_x__sigma`) and replaces the input `x_inp` by
`x_inp + factor * output`, where the source's first output is read in the input's declared
unit (as brainmass adds noise samples to inputs). A white-noise output (containing `xi`)
becomes a diffusion term of every equation the input enters, which must be linear in it.
"""
from __future__ import annotations

import dataclasses
from typing import Dict, Tuple

import sympy as sp

from ..frontend.builtins import is_noise
from .lower import sym
from .model import Let, ModelIR, Output, Quantity


def _renamed(q: Quantity, prefix: str) -> Quantity:
    return dataclasses.replace(q, name=f"{prefix}.{q.name}", symbol=sym(f"{prefix}__{q.name}"))


class WiringError(ValueError):
    """A source wired (from Python) into an input that cannot take it. `prefix` names the
    wire (e.g. "noise_E"), `input` the node input: the runtime names the Python call."""

    def __init__(self, message: str, prefix: str, input_name: str):
        super().__init__(message)
        self.prefix, self.input = prefix, input_name


def _split(expr: sp.Expr, noise_syms, state: str, wires: Dict[str, str]):
    """(drift, {noise: diffusion}) of `expr`; WiringError if a wired white noise enters it
    non-linearly (`wires`: prefix -> input)."""
    diffusion = {}
    for xi in noise_syms:
        if xi not in expr.free_symbols:
            continue
        g = sp.diff(expr, xi)
        if any(x in g.free_symbols for x in noise_syms):
            prefix = xi.name.split("__", 1)[0]
            input_name = wires.get(prefix, "?")
            raise WiringError(
                f"the white noise wired into the input {input_name!r} enters d({state})/dt "
                "non-linearly (the input passes through a nonlinearity such as a sigmoid), "
                "where a white-noise sample has no meaning; wire a coloured process (e.g. "
                "bm.OUProcess(1, sigma=..., tau=...)) into it, or white noise into an input "
                "that enters the equations linearly", prefix, input_name)
        diffusion[xi.name] = g
    return expr.xreplace({xi: 0 for xi in noise_syms}), diffusion


def wire_inputs(node: ModelIR, wiring: Dict[str, Tuple[ModelIR, str]]) -> ModelIR:
    """The node with each `input -> (source model, prefix)` wired in (see module doc)."""
    params, states, lets = list(node.parameters), list(node.states), list(node.lets)
    drift, diffusion = dict(node.drift), {k: dict(v) for k, v in node.diffusion.items()}
    noises = list(node.noises)
    texts = dict(node.equation_text)
    replace_inputs: Dict[sp.Symbol, sp.Expr] = {}
    new_noise_syms = []
    for input_name, (src, prefix) in wiring.items():
        target = node.quantity(input_name)
        if target.kind != "input":
            raise ValueError(f"{input_name!r} is not an input of {node.name}")
        if not src.outputs:
            raise ValueError(f"{src.name} has no output to wire into {input_name!r}")
        mapping: Dict[sp.Symbol, sp.Expr] = {}
        for q in (*src.parameters, *src.states, *src.inputs):
            r = _renamed(q, prefix)
            mapping[q.symbol] = r.symbol
            if q.kind == "parameter":
                params.append(r)
            elif q.kind == "state":
                states.append(r)
            else:  # inputs of a noise source stay at their defaults
                mapping[q.symbol] = sp.Float(q.default)
        for let in src.lets:
            mapping[let.symbol] = sym(f"{prefix}__{let.name}")
        names = list(src.noises) + sorted(
            {x.name for o in src.outputs for x in o.expr.free_symbols if is_noise(x.name)}
            - set(src.noises))
        for name in names:
            new = sym(f"{prefix}__{name}")
            mapping[sym(name)] = new
            noises.append(new.name)
            new_noise_syms.append(new)
        mapping[src.t] = node.t
        for let in src.lets:
            lets.append(Let(f"{prefix}.{let.name}", mapping[let.symbol], let.expr.xreplace(mapping)))
        for q in src.states:
            key = f"{prefix}.{q.name}"
            drift[key] = src.drift[q.name].xreplace(mapping)
            diffusion[key] = {mapping[sym(k)].name: g.xreplace(mapping)
                              for k, g in src.diffusion[q.name].items()}
            texts[key] = src.equation_text.get(q.name, "")
        out = src.outputs[0].expr.xreplace(mapping)
        replace_inputs[target.symbol] = replace_inputs.get(target.symbol, target.symbol) \
            + sp.Float(target.factor) * out if target.factor != 1 else \
            replace_inputs.get(target.symbol, target.symbol) + out
    if not replace_inputs:
        return node
    lets = [Let(let.name, let.symbol, let.expr.xreplace(replace_inputs), let.doc) for let in lets]
    let_map = {let.symbol: let.expr for let in lets}
    for q in node.states:
        rhs = drift[q.name].xreplace(replace_inputs)
        # white noise reaching the equation through a let (or a let of a let...) must be
        # split out as well: expand the lets completely before looking for it (the lets
        # themselves are evaluated with the noise at 0 below, so noise found in a let only
        # after a second substitution would otherwise be dropped without a word)
        expanded = rhs
        for _ in range(len(let_map) + 1):
            if not (expanded.free_symbols & set(let_map)):
                break
            expanded = expanded.xreplace(let_map)
        if not any(n in expanded.free_symbols for n in new_noise_syms):
            expanded = rhs
        d, g = _split(expanded, new_noise_syms, q.name,
                      {prefix: name for name, (_, prefix) in wiring.items()})
        drift[q.name] = d if g else rhs
        merged = {k: v.xreplace(replace_inputs) for k, v in diffusion[q.name].items()}
        merged.update(g)
        diffusion[q.name] = merged
    lets = [Let(let.name, let.symbol, let.expr.xreplace({n: 0 for n in new_noise_syms}), let.doc)
            for let in lets]
    outputs = [Output(o.name, o.expr.xreplace(replace_inputs).xreplace(
        {n: 0 for n in new_noise_syms}), o.unit, o.factor, o.doc) for o in node.outputs]
    return dataclasses.replace(node, parameters=tuple(params), states=tuple(states),
                               lets=tuple(lets), drift=drift, diffusion=diffusion,
                               noises=tuple(noises), outputs=tuple(outputs),
                               equation_text=texts)
