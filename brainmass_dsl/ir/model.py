"""The Model IR: a checked block as SymPy expressions in canonical units.

Parameters, states and inputs are real SymPy symbols; every numeric literal is already
converted to canonical units (ms, mV, nA, ...), so the expressions are unit-free. Lets stay
named (for readable generated code); `expand_lets` substitutes them for analysis.
Nothing here depends on a backend or an integrator.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

import sympy as sp

from ..frontend.units import Dim


@dataclass(frozen=True)
class Quantity:
    """A parameter, state or input: its symbol, canonical default and declared unit."""

    name: str
    kind: str                 # "parameter" | "state" | "input"
    symbol: sp.Symbol
    default: float            # canonical units
    unit: Optional[str]       # the unit it was declared with (what users pass and read)
    factor: float             # declared unit -> canonical units (multiply)
    dim: Dim
    doc: Optional[str] = None
    lo: Optional[float] = None    # canonical bounds (None = unbounded)
    hi: Optional[float] = None
    #: a state's random initial value: ("uniform", lo, hi) or ("normal", mean, std), canonical;
    #: `default` is then its mean
    random: Optional[Tuple[str, float, float]] = None

    @property
    def unit_text(self) -> str:
        return self.unit or "1"


@dataclass(frozen=True)
class DelayRef:
    """`delay(state, lag)` inside a model: the state's value `lag` ago (lag a parameter)."""

    symbol: sp.Symbol
    state: str
    lag: str


@dataclass(frozen=True)
class Let:
    name: str
    symbol: sp.Symbol
    expr: sp.Expr
    doc: Optional[str] = None


@dataclass(frozen=True)
class Output:
    name: str
    expr: sp.Expr
    unit: str           # canonical unit text of the output
    factor: float       # canonical -> display factor (1 when shown in canonical units)
    doc: Optional[str] = None


@dataclass
class ModelIR:
    """One model, ready for an integrator."""

    name: str
    category: str
    source_file: str
    source_hash: str
    doc: Optional[str]
    aliases: Tuple[str, ...]
    references: Tuple[str, ...]
    use_case: str
    parameters: Tuple[Quantity, ...]
    states: Tuple[Quantity, ...]
    inputs: Tuple[Quantity, ...]
    lets: Tuple[Let, ...]                           # dependency order
    drift: Dict[str, sp.Expr]                       # state -> f (no noise)
    diffusion: Dict[str, Dict[str, sp.Expr]]        # state -> noise name -> g
    noises: Tuple[str, ...]                         # noise sources, in first-use order
    outputs: Tuple[Output, ...]
    couples: Optional[sp.Expr]
    delays: Tuple[DelayRef, ...]
    t: sp.Symbol
    equation_text: Dict[str, str] = field(default_factory=dict)  # state -> source text
    #: lets held over a step (`hold:`): evaluated once from the state at the step's start,
    #: the same in every stage, constants for exponential Euler's Jacobian
    held: Tuple[str, ...] = ()

    # ---------------------------------------------------------------- lookups
    def param(self, name: str) -> Quantity:
        return next(q for q in self.parameters if q.name == name)

    def quantity(self, name: str) -> Quantity:
        for q in (*self.parameters, *self.states, *self.inputs):
            if q.name == name:
                return q
        raise KeyError(name)

    @property
    def state_names(self) -> Tuple[str, ...]:
        return tuple(q.name for q in self.states)

    @property
    def param_names(self) -> Tuple[str, ...]:
        return tuple(q.name for q in self.parameters)

    @property
    def input_names(self) -> Tuple[str, ...]:
        return tuple(q.name for q in self.inputs)

    @property
    def has_noise(self) -> bool:
        return any(self.diffusion.get(s) for s in self.state_names)

    def let_map(self) -> Dict[sp.Symbol, sp.Expr]:
        return {let.symbol: let.expr for let in self.lets}

    def expand_lets(self, expr: sp.Expr) -> sp.Expr:
        """`expr` with every let replaced by its definition (recursively).

        Each let is expanded once, after the lets it uses, from their expansions: the results
        share their subtrees (a chain of lets that reuse each other stays small for SymPy,
        whose `cse` turns the sharing back into temporaries)."""
        defs = self.let_map()
        expanded: Dict[sp.Symbol, sp.Expr] = {}

        def expand(symbol):   # lets are acyclic (NMM105)
            if symbol not in expanded:
                for dep in defs[symbol].free_symbols & defs.keys():
                    expand(dep)
                expanded[symbol] = defs[symbol].xreplace(expanded)
            return expanded[symbol]

        for symbol in expr.free_symbols & defs.keys():
            expand(symbol)
        return expr.xreplace(expanded)

    def expand_lets_except(self, expr: sp.Expr, keep) -> sp.Expr:
        """`expr` with every let but those in `keep` (symbols) expanded; the kept lets stay
        symbols (the held lets of a step: `held`)."""
        keep = set(keep)
        if not keep:
            return self.expand_lets(expr)
        defs = {s: e for s, e in self.let_map().items() if s not in keep}
        for _ in range(len(defs) + 1):
            if not (expr.free_symbols & defs.keys()):
                break
            expr = expr.xreplace(defs)
        return expr


@dataclass
class CouplingIR:
    """A coupling block: per-edge `pre(x_i, x_j)` and `post(s)` of the weighted row sum."""

    name: str
    source_file: str
    source_hash: str
    doc: Optional[str]
    aliases: Tuple[str, ...]
    parameters: Tuple[Quantity, ...]
    lets: Tuple[Let, ...]
    x_i: sp.Symbol
    x_j: sp.Symbol
    pre: sp.Expr
    s: sp.Symbol
    post: sp.Expr
    n_nodes: sp.Symbol
