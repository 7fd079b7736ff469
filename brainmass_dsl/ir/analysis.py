"""Pure analysis functions over the IR: noise classification, the Jacobian diagonal,
common-subexpression elimination and hoisting of loop-invariant expressions.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Dict, Iterable, List, Sequence, Set, Tuple

import sympy as sp

from .functions import exprel
from .model import ModelIR

#: seconds a single SymPy transformation may take before the compiler falls back
SYMPY_BUDGET_S = 10.0


@dataclass(frozen=True)
class Assign:
    """`target = expr` in a generated kernel; `comment` maps it back to the source."""

    target: sp.Symbol
    expr: sp.Expr
    comment: str = ""


class BudgetExceeded(Exception):
    pass


@contextmanager
def time_budget(seconds: float = SYMPY_BUDGET_S):
    """Raise BudgetExceeded inside the block after `seconds` (main thread only; elsewhere
    the block runs unbounded). SymPy transformations are wrapped in this so that a
    pathological expression cannot hang the compiler."""
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return

    def _alarm(signum, frame):
        raise BudgetExceeded()

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ------------------------------------------------------------------ noise
def noise_kind(model: ModelIR) -> Tuple[str, Dict[str, Set[str]]]:
    """('none' | 'additive' | 'multiplicative', {state: states its noise depends on}).

    Noise is additive when no diffusion coefficient depends (through lets) on a state.
    """
    states = {q.symbol for q in model.states}
    deps: Dict[str, Set[str]] = {}
    any_noise = False
    for s, terms in model.diffusion.items():
        for g in terms.values():
            any_noise = True
            used = model.expand_lets(g).free_symbols & states
            if used:
                deps.setdefault(s, set()).update(x.name for x in used)
    if not any_noise:
        return "none", {}
    return ("multiplicative" if deps else "additive"), deps


# ------------------------------------------------------------------ Jacobian
def jacobian_diagonal(model: ModelIR) -> Dict[str, sp.Expr]:
    """d f_i / d x_i for every state, lets expanded: the NumPy reference path's form, written
    independently of the kernels' `jacobian_diagonal_through_lets`."""
    out = {}
    held = {let.symbol for let in model.lets if let.name in model.held}
    for q in model.states:
        f = model.expand_lets_except(model.drift[q.name], held)
        out[q.name] = sp.diff(f, q.symbol)
    return out


def jacobian_diagonal_through_lets(model: ModelIR) -> Tuple[List[Assign], Dict[str, sp.Expr]]:
    """(temporaries, d f_i / d x_i per state) by the chain rule through the lets.

    The result is written in the let symbols and temporaries `_d_<let>__<state>` = d let /
    d x_i (forward-mode differentiation over the lets, in their dependency order), so its
    size grows with the number of lets, where differentiating the expanded drift doubles
    with every level of lets that reuse each other. The temporaries need the lets' values,
    so they follow the lets in a step body.
    """
    temps: List[Assign] = []
    out: Dict[str, sp.Expr] = {}

    def total(e: sp.Expr, x: sp.Symbol, d_of: Dict[sp.Symbol, sp.Expr]) -> sp.Expr:
        d = sp.diff(e, x)
        for dep in e.free_symbols & d_of.keys():
            d += sp.diff(e, dep) * d_of[dep]
        return d

    for q in model.states:
        d_of: Dict[sp.Symbol, sp.Expr] = {}
        for let in model.lets:                       # dependency order
            if let.name in model.held:               # held over the step: a constant here
                continue
            d = total(let.expr, q.symbol, d_of)
            if d != 0:
                target = sp.Symbol(f"_d_{let.symbol.name}__{q.symbol.name}", real=True)
                temps.append(Assign(target, d, f"d({let.name})/d({q.name})"))
                d_of[let.symbol] = target
        out[q.name] = total(model.drift[q.name], q.symbol, d_of)
    used = set().union(*(j.free_symbols for j in out.values())) if out else set()
    kept = []
    for a in reversed(temps):                        # only what the Jacobian reads
        if a.target in used:
            kept.append(a)
            used |= a.expr.free_symbols
    return kept[::-1], out


# ------------------------------------------------------------------ temporaries
def fresh_symbols(prefix: str, body: Sequence[Assign], *more: Iterable[sp.Symbol]):
    """Temporaries `<prefix>0, <prefix>1, ...` numbered past every name that `body` (its
    targets and the symbols it reads) and `more` already use, so a temporary never takes
    the name of a quantity, whatever names reach the IR (the front end also refuses user
    names that begin with `_`: NMM122).

    >>> h0, x = sp.symbols("_h0 x", real=True)
    >>> next(fresh_symbols("_h", [Assign(x, h0 * x)]))
    _h1
    """
    taken = {str(s) for a in body for s in (a.target, *a.expr.free_symbols)}
    for group in more:
        taken |= {str(s) for s in group}
    n = 0
    while True:
        name = f"{prefix}{n}"
        n += 1
        if name not in taken:
            yield sp.Symbol(name, real=True)


# ------------------------------------------------------------------ CSE and hoisting
def hoist(body: Sequence[Assign], invariant: Iterable[sp.Symbol]) -> Tuple[List[Assign], List[Assign]]:
    """Split assignments into (loop-invariant prelude, per-step body), keeping order."""
    inv = set(invariant)
    prelude, rest = [], []
    for a in body:
        if a.expr.free_symbols <= inv:
            prelude.append(a)
            inv.add(a.target)
        else:
            rest.append(a)
    return prelude, rest


def _is_trivial(e: sp.Expr) -> bool:
    """Not worth a temporary: a symbol or number, possibly negated or scaled by a number."""
    if e.is_Atom:
        return True
    if isinstance(e, sp.Mul) and len(e.args) == 2 and e.args[0].is_Number and e.args[1].is_Atom:
        return True
    return False


def hoist_subexpressions(body: Sequence[Assign], invariant: Iterable[sp.Symbol],
                         prefix: str = "_h") -> Tuple[List[Assign], List[Assign]]:
    """Move loop-invariant parts of per-step expressions into prelude temporaries.

    In a sum or product, the invariant arguments are grouped (a*b*x*y with a, b invariant
    becomes _h0*x*y with _h0 = a*b, and so does 2*a*x); invariant function calls
    (exp(-dt/tau)) move whole.

    >>> a, b, x = sp.symbols("a b x", real=True)
    >>> pre, body = hoist_subexpressions([Assign(x, 2 * a * x + b)], [a, b])
    >>> [(p.target, p.expr) for p in pre], body[0].expr
    ([(_h0, 2*a)], _h0*x + b)
    """
    inv = set(invariant)
    prelude: List[Assign] = []
    memo: Dict[sp.Expr, sp.Symbol] = {}
    names = fresh_symbols(prefix, body, inv)

    def temp(e: sp.Expr, force: bool = False) -> sp.Expr:
        if e.is_Atom or not isinstance(e, sp.Expr) or (_is_trivial(e) and not force):
            return e
        if e not in memo:
            memo[e] = next(names)
            prelude.append(Assign(memo[e], e))
            inv.add(memo[e])
        return memo[e]

    def visit(e: sp.Expr) -> sp.Expr:
        if e.is_Atom:
            return e
        if isinstance(e, sp.Piecewise):
            return sp.Piecewise(*[(visit(x), visit(c)) for x, c in e.args])
        if e.free_symbols <= inv:
            return temp(e)
        if isinstance(e, (sp.Add, sp.Mul)):
            fixed = [a for a in e.args if a.free_symbols <= inv]
            moving = [visit(a) for a in e.args if not (a.free_symbols <= inv)]
            if len(fixed) > 1 or (fixed and not _is_trivial(fixed[0])):
                # 2*a*x: one multiply per step with _h = 2*a, not two
                fixed = [temp(e.func(*fixed), force=isinstance(e, sp.Mul))]
            return e.func(*fixed, *moving)
        return e.func(*[visit(a) for a in e.args]) if e.args else e

    out = [Assign(a.target, visit(a.expr), a.comment) for a in body]
    return prelude, out


def cse(body: Sequence[Assign], invariant: Iterable[sp.Symbol], prefix: str = "_c",
        budget_s: float = SYMPY_BUDGET_S) -> Tuple[List[Assign], List[Assign]]:
    """Common subexpressions of `body` become temporaries; invariant ones go to the prelude.

    Temporaries are placed right before their first use. If SymPy exceeds its time budget
    the body is returned unchanged (correct, only less optimised).
    """
    inv = set(invariant)
    if not body:
        return [], []
    try:
        with time_budget(budget_s):
            repl, reduced = sp.cse([a.expr for a in body],
                                   symbols=fresh_symbols(prefix, body, inv),
                                   optimizations=None)
    except BudgetExceeded:
        return [], list(body)
    trivial = {tmp: e for tmp, e in repl if _is_trivial(e)}
    if trivial:
        for _ in range(len(trivial)):
            repl = [(tmp, e.xreplace(trivial)) for tmp, e in repl if tmp not in trivial]
            reduced = [e.xreplace(trivial) for e in reduced]
    prelude: List[Assign] = []
    pending: Dict[sp.Symbol, sp.Expr] = {}
    for tmp, e in repl:
        if e.free_symbols <= inv:
            prelude.append(Assign(tmp, e))
            inv.add(tmp)
        else:
            pending[tmp] = e
    order = [tmp for tmp, _ in repl if tmp in pending]
    out: List[Assign] = []
    emitted: Set[sp.Symbol] = set()

    def need(expr):
        wanted = set()
        stack = [s for s in expr.free_symbols if s in pending and s not in emitted]
        while stack:
            s = stack.pop()
            if s in wanted:
                continue
            wanted.add(s)
            stack.extend(x for x in pending[s].free_symbols if x in pending and x not in emitted)
        for tmp in order:
            if tmp in wanted:
                out.append(Assign(tmp, pending[tmp]))
                emitted.add(tmp)

    for a, e in zip(body, reduced):
        need(e)
        out.append(Assign(a.target, e, a.comment))
    return prelude, out


# ------------------------------------------------------------------ scheduling
#: functions a CPU backend evaluates by a library call (which clobbers every register)
CALLS = (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.asin, sp.acos, sp.atan, sp.atan2,
         sp.sinh, sp.cosh, sp.tanh, sp.asinh, sp.acosh, sp.atanh, sp.erf, sp.erfc, exprel)


def _is_call(e: sp.Expr, functions: tuple) -> bool:
    if isinstance(e, sp.Pow):
        x = e.exp
        return not (x.is_Integer or x in (sp.Rational(1, 2), -sp.Rational(1, 2)))
    return isinstance(e, functions)


def schedule_calls_early(body: Sequence[Assign], prefix: str = "_f",
                         functions: tuple = CALLS) -> List[Assign]:
    """Move library calls (exp, log, sin, x**0.7, ...) into temporaries computed as soon
    as their arguments are known, ahead of the arithmetic that uses them.

    A call clobbers every floating-point register, so each value alive across it is
    saved and reloaded; with the calls first only their results are. The numbers are
    unchanged (the same operations on the same values). Calls inside a `where`/Piecewise
    stay where they are: they run only when their branch is taken. `functions`: those the
    backend calls (default `CALLS`; non-integer powers always count).

    >>> x, y, k1, k2 = sp.symbols("x y k1 k2", real=True)
    >>> out = schedule_calls_early([Assign(k1, 2 / (1 + sp.exp(x))),
    ...                             Assign(k2, 3 / (1 + sp.exp(y)))])
    >>> [(str(a.target), str(a.expr)) for a in out]
    [('_f0', 'exp(x)'), ('_f1', 'exp(y)'), ('k1', '2/(_f0 + 1)'), ('k2', '3/(_f1 + 1)')]
    >>> w = sp.Piecewise((sp.log(x), x > 0), (0, True))
    >>> [str(a.expr) for a in schedule_calls_early([Assign(k1, w + sp.sin(k2))])]
    ['sin(k2)', '_f0 + Piecewise((log(x), x > 0), (0, True))']
    """
    names = fresh_symbols(prefix, body)
    memo: Dict[sp.Expr, sp.Symbol] = {}
    calls: List[Assign] = []

    def visit(e):
        if e.is_Atom or isinstance(e, sp.Piecewise) or not isinstance(e, sp.Basic):
            return e
        e = e.func(*[visit(a) for a in e.args])
        if _is_call(e, functions) and e.free_symbols:
            if e not in memo:
                memo[e] = next(names)
                calls.append(Assign(memo[e], e))
            return memo[e]
        return e

    rest = [Assign(a.target, visit(a.expr), a.comment) for a in body]
    if not calls:
        return list(body)
    defined = {a.target for a in rest} | {c.target for c in calls}
    known: Set[sp.Symbol] = set()
    waiting = list(calls)
    out: List[Assign] = []

    def flush():
        first = True
        for c in list(waiting):
            if (c.expr.free_symbols & defined) <= known:
                out.append(Assign(c.target, c.expr,
                                  "library calls first: fewer values live across them"
                                  if first else ""))
                first = False
                known.add(c.target)
                waiting.remove(c)

    flush()
    for a in rest:
        out.append(a)
        known.add(a.target)
        flush()
    return out
