"""Forward-mode differentiation of straight-line assignments (source to source).

`jvp(body, tangents, outputs)` reads a list of assignments `v_k = f_k(...)` (each target
assigned once, as the Step IR is) and writes the assignments of its Jacobian-vector product:
given the tangents of some input symbols (expressions, usually symbols the kernel loads), the
tangent of every target,

    dot(v_k) = sum over the symbols s that f_k reads of  d f_k / d s * dot(s)

walked from the first assignment to the last. Partial derivatives are those of `ir.reverse`
(SymPy; the branch taken at the kinks of Max, Min, Abs, Piecewise), so a tangent and an
adjoint of the same code agree to rounding: <adjoint, direction> == <seed, tangent>.
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Sequence

import sympy as sp

from .analysis import Assign
from .reverse import _derivative, _prune


def jvp(body: Sequence[Assign], tangents: Mapping[sp.Symbol, sp.Expr],
        outputs: Mapping[sp.Symbol, sp.Symbol], *, prefix: str = "_d") -> List[Assign]:
    """The assignments of the JVP of `body` (see the module docstring).

    `tangents`: input symbol -> its tangent; `outputs`: target (or input) -> the symbol its
    tangent is assigned to, last (0 where it does not depend on any tangent); `prefix`: of
    the tangent temporaries (`<prefix>_<target>`), chosen free in the caller's namespace.
    Returns the forward assignments the tangents read (pruned), then the tangents."""
    targets = [a.target for a in body]
    if len(set(targets)) != len(targets):
        raise ValueError("jvp(): every target must be assigned once")
    tan: Dict[sp.Symbol, sp.Expr] = {s: e for s, e in tangents.items() if e != 0}
    out: List[Assign] = []
    for a in body:
        parts = []
        for s in sorted(a.expr.free_symbols & set(tan), key=lambda x: x.name):
            d = _derivative(a.expr, s)
            if d != 0:
                parts.append(d * tan[s])
        if parts:
            t = sp.Symbol(f"{prefix}_{a.target.name}", real=True)
            out.append(Assign(t, sp.Add(*parts), f"tangent of {a.target.name}"))
            tan[a.target] = t
        else:
            tan.pop(a.target, None)      # a target reassigns nothing an input had
    final = [Assign(o, tan.get(s, sp.Integer(0)), f"d{s.name}") for s, o in outputs.items()]
    needed = set().union(*(a.expr.free_symbols for a in out + final)) if out or final else set()
    return _prune(body, needed) + out + final
