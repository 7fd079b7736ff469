"""Lower a checked `ResolvedBlock` to the SymPy IR (`ModelIR` / `CouplingIR`).

Literals become canonical numbers, names become real symbols, user functions are
inlined, `where` becomes `Piecewise`, `delay(x, lag)` becomes a fresh symbol recorded in
`ModelIR.delays`, and `d(x)/dt = f + g_1 xi_1 + ...` is split into drift f and
diffusion {xi_1: g_1, ...} (noise must enter linearly).
"""
from __future__ import annotations

import hashlib
import math
from typing import Dict, List, Optional, Tuple

import sympy as sp

from ..frontend import ast
from ..frontend.builtins import CONSTANTS, RANDOM_INIT, TIME_NAME, is_noise
from ..frontend.symbols import BlockContext, let_order
from ..frontend.diagnostics import DiagnosticBag, NmmError
from ..frontend.dimensions import ANY, BOOL, DimInference
from ..frontend.printer import format_expr
from ..frontend.resolve import ResolvedBlock
from ..frontend.units import DIMENSIONLESS, canonical_factor, canonical_unit_text
from .model import CouplingIR, DelayRef, Let, ModelIR, Output, Quantity


def sym(name: str) -> sp.Symbol:
    """The IR symbol of a model quantity (all real)."""
    return sp.Symbol(name, real=True)


def number(value: float) -> sp.Expr:
    """An exact SymPy number for a float: Integer when integral, else a 53-bit Float."""
    if math.isinf(value):
        return sp.oo if value > 0 else -sp.oo
    if float(value).is_integer() and abs(value) < 2 ** 53:
        return sp.Integer(int(value))
    return sp.Float(value, precision=53)


class _Lowerer:
    def __init__(self, ctx: BlockContext, symbols: Dict[str, sp.Expr]):
        self.ctx = ctx
        self.symbols = symbols
        self.delays: Dict[Tuple[str, str], DelayRef] = {}

    def expr(self, e: ast.Expr, local: Optional[Dict[str, sp.Expr]] = None) -> sp.Expr:
        local = local or {}
        if isinstance(e, ast.Num):
            return number(e.value * (canonical_factor(e.unit) if e.unit else 1.0))
        if isinstance(e, ast.Name):
            if e.id in local:
                return local[e.id]
            if e.id in self.symbols:
                return self.symbols[e.id]
            if e.id == "pi":
                return sp.pi
            if e.id in CONSTANTS:
                return number(CONSTANTS[e.id])
            if is_noise(e.id):
                return sym(e.id)
            raise KeyError(e.id)
        if isinstance(e, ast.UnaryOp):
            v = self.expr(e.operand, local)
            return {"-": lambda: -v, "+": lambda: v, "not": lambda: sp.Not(v)}[e.op]()
        if isinstance(e, ast.BinOp):
            a, b = self.expr(e.left, local), self.expr(e.right, local)
            ops = {"+": sp.Add, "*": sp.Mul, "and": sp.And, "or": sp.Or,
                   "-": lambda x, y: x - y, "/": lambda x, y: x / y, "**": lambda x, y: x ** y,
                   "<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge,
                   "==": sp.Eq,
                   "!=": sp.Ne}
            return ops[e.op](a, b)
        if isinstance(e, ast.Call):
            return self.call(e, local)
        raise TypeError(e)

    def call(self, e: ast.Call, local) -> sp.Expr:
        if e.func in self.ctx.functions:
            fn = self.ctx.functions[e.func]
            args = [self.expr(a, local) for a in e.args]
            return self.expr(fn.body, dict(zip(fn.params, args)))
        if e.func == "delay":
            state, lag = e.args[0].id, e.args[1].id
            key = (state, lag)
            if key not in self.delays:
                self.delays[key] = DelayRef(sym(f"{state}__delayed_{lag}"), state, lag)
            return self.delays[key].symbol
        args = [self.expr(a, local) for a in e.args]
        f = e.func
        simple = {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "tanh": sp.tanh, "sinh": sp.sinh,
                  "cosh": sp.cosh, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "arctan": sp.atan,
                  "abs": sp.Abs, "sign": sp.sign, "erf": sp.erf, "erfc": sp.erfc}
        if f in simple:
            return simple[f](args[0])
        if f == "log10":
            return sp.log(args[0]) / sp.log(10)
        if f == "sigmoid":
            return 1 / (1 + sp.exp(-args[0]))
        if f == "heaviside":
            return sp.Piecewise((sp.Integer(1), args[0] > 0), (sp.Integer(0), True))
        if f == "min":
            return sp.Min(*args)
        if f == "max":
            return sp.Max(*args)
        if f == "clip":
            return sp.Min(sp.Max(args[0], args[1]), args[2])
        if f == "where":
            return sp.Piecewise((args[1], args[0]), (args[2], True))
        raise KeyError(f"no lowering for function {f!r}")


def _source_hash(rb: ResolvedBlock) -> str:
    from ..frontend.printer import format_member

    text = "\n".join(format_member(m) for m in rb.members)
    return hashlib.sha256(f"{rb.kind} {rb.name}\n{text}".encode()).hexdigest()


def _quantities(ctx: BlockContext, inference: DimInference, low: _Lowerer, kind: str):
    table = {"parameter": ctx.params, "state": ctx.states, "input": ctx.inputs}[kind]
    out = []
    for name, m in table.items():
        value_expr = m.init if kind == "state" else m.default
        d = inference.of_name(name)
        d = DIMENSIONLESS if d in (None, ANY, BOOL) else d
        random = None
        if kind == "state" and isinstance(value_expr, ast.Call) and value_expr.func in RANDOM_INIT:
            a, b = (float(low.expr(x)) for x in value_expr.args)
            random = (value_expr.func, a, b)
            # the unit written on its arguments is the state's declared unit
            value_expr = next((x for x in value_expr.args if _declared_unit(x)),
                              value_expr.args[0])
        unit = _declared_unit(value_expr)
        factor = canonical_factor(unit) if unit else 1.0
        default = float(low.expr(value_expr))
        if random is not None:
            default = (random[1] + random[2]) / 2 if random[0] == "uniform" else random[1]
        lo = hi = None
        bounds = getattr(m, "bounds", None)
        if bounds is not None:
            lo, hi = float(low.expr(bounds.lo)), float(low.expr(bounds.hi))
            lo = None if math.isinf(lo) else lo
            hi = None if math.isinf(hi) else hi
        if unit is None and not d.dimensionless:
            unit = canonical_unit_text(d)  # e.g. an expression default: show canonical unit
        out.append(Quantity(name, kind, low.symbols[name], default, unit, factor, d,
                            getattr(m, "doc", None), lo, hi, random))
    return tuple(out)


def _declared_unit(e: ast.Expr) -> Optional[str]:
    """The unit a declaration is written in: that of its literal (`-65 mV` -> 'mV')."""
    if isinstance(e, ast.Num):
        return e.unit
    if isinstance(e, ast.UnaryOp):
        return _declared_unit(e.operand)
    return None


def _split_noise(rhs: sp.Expr, state: str, span=None) -> Tuple[sp.Expr, Dict[str, sp.Expr]]:
    noise_syms = sorted((s for s in rhs.free_symbols if is_noise(s.name)), key=lambda s: s.name)
    diffusion = {}
    for xi in noise_syms:
        g = sp.diff(rhs, xi)
        if any(x in g.free_symbols for x in noise_syms):
            bag = DiagnosticBag()
            bag.add("NMM203", f"d({state})/dt: noise must enter linearly (a coefficient times "
                    f"{xi.name}), not through a function of it", *([span] if span else []),
                    hint="write the equation as drift + g * xi")
            raise NmmError(bag)
        diffusion[xi.name] = g
    drift = rhs.xreplace({xi: 0 for xi in noise_syms})
    return drift, diffusion


def lower_block(rb: ResolvedBlock, program=None) -> ModelIR:
    """A checked model block -> ModelIR."""
    bag = DiagnosticBag()
    ctx = BlockContext.build(rb, bag, program)
    inference = DimInference(ctx)
    names = list(ctx.params) + list(ctx.states) + list(ctx.inputs) + list(ctx.lets)
    symbols: Dict[str, sp.Expr] = {n: sym(n) for n in names}
    t = sym(TIME_NAME)
    symbols[TIME_NAME] = t
    low = _Lowerer(ctx, symbols)
    params = _quantities(ctx, inference, low, "parameter")
    states = _quantities(ctx, inference, low, "state")
    inputs = _quantities(ctx, inference, low, "input")
    lets = tuple(Let(n, symbols[n], low.expr(ctx.lets[n].expr), ctx.lets[n].doc)
                 for n in let_order(ctx))
    drift, diffusion, texts = {}, {}, {}
    noises: List[str] = []
    for name in ctx.states:
        eq = ctx.equations[name]
        rhs = low.expr(eq.rhs)
        drift[name], diffusion[name] = _split_noise(rhs, name, getattr(eq, "span", None))
        for k in sorted(diffusion[name]):
            if k not in noises:
                noises.append(k)
        texts[name] = format_expr(eq.rhs)
    outputs = []
    for name, o in ctx.outputs.items():
        expr = low.expr(o.expr)
        d = inference.of(o.expr)
        d = DIMENSIONLESS if d in (None, ANY, BOOL) else d
        if isinstance(o.expr, ast.Name) and o.expr.id in ctx.states:
            q = next(s for s in states if s.name == o.expr.id)
            outputs.append(Output(name, expr, q.unit_text, 1.0 / q.factor, o.doc))
        else:
            outputs.append(Output(name, expr, canonical_unit_text(d), 1.0, o.doc))
    # white noise read by an output (a noise process such as GaussianNoise): drawn each step too
    for k in sorted({x.name for o in outputs for x in o.expr.free_symbols if is_noise(x.name)}
                    - set(noises)):
        noises.append(k)
    couples = rb.of_type(ast.Couples)
    couples_expr = low.expr(couples[-1].expr) if couples else None
    # keep only lets something uses (transitively)
    used = set()
    for e in [*drift.values(), *(g for d in diffusion.values() for g in d.values()),
              *(o.expr for o in outputs), *([couples_expr] if couples_expr is not None else [])]:
        used |= e.free_symbols
    for let in reversed(lets):
        if let.symbol in used:
            used |= let.expr.free_symbols
    lets = tuple(let for let in lets if let.symbol in used)
    use_case = rb.meta("use_case")
    return ModelIR(
        name=rb.name, category=rb.category, source_file=rb.file, source_hash=_source_hash(rb),
        doc=rb.docstring, aliases=rb.aliases, references=rb.meta("reference"),
        use_case=use_case[-1] if use_case else "", parameters=params, states=states,
        inputs=inputs, lets=lets, drift=drift, diffusion=diffusion, noises=tuple(noises),
        outputs=tuple(outputs), couples=couples_expr, delays=tuple(low.delays.values()), t=t,
        equation_text=texts, held=tuple(n for n in rb.meta("hold")
                                        if any(let.name == n for let in lets)))


def lower_coupling(rb: ResolvedBlock, program=None) -> CouplingIR:
    """A checked coupling block -> CouplingIR (x_i, x_j, s are symbols of the coupled value)."""
    bag = DiagnosticBag()
    ctx = BlockContext.build(rb, bag, program)
    inference = DimInference(ctx)
    names = list(ctx.params) + list(ctx.lets)
    symbols: Dict[str, sp.Expr] = {n: sym(n) for n in names}
    n_nodes = sym("n_nodes")
    symbols["n_nodes"] = n_nodes
    low = _Lowerer(ctx, symbols)
    params = _quantities(ctx, inference, low, "parameter")
    lets = tuple(Let(n, symbols[n], low.expr(ctx.lets[n].expr)) for n in let_order(ctx))
    pre = rb.of_type(ast.Pre)[-1]
    post = rb.of_type(ast.Post)[-1]
    x_i, x_j, s = sym("x_i"), sym("x_j"), sym("s_sum")
    pre_expr = low.expr(pre.body, {pre.params[0]: x_i, pre.params[1]: x_j})
    post_expr = low.expr(post.body, {post.params[0]: s})
    return CouplingIR(rb.name, rb.file, _source_hash(rb), rb.docstring, rb.aliases, params, lets,
                      x_i, x_j, pre_expr, s, post_expr, n_nodes)
