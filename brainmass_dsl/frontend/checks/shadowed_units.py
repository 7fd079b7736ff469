"""NMM123: a unit after a number that is also a name of the block (`1 V` with a state `V`).

A word right after a number is read as a unit, so in a model with a state `V` the term
`(1 V - V_Ca)` is one volt, not `1 * V`. Where a name could stand (lets, equations,
functions, outputs, couplings) that reading is ambiguous, and it is refused; in a default,
an initial value or a bound only a constant may stand, so there the unit is meant.
"""
import re

from .. import ast
from ..builtins import COUPLING_NAMES, CONSTANTS, TIME_NAME
from ..units import UnitError, parse_unit

CODES = ("NMM123",)

#: unit symbols with a spelled-out name the checker also reads (units.py's standalone names)
LONG_NAMES = {"s": "second", "Hz": "hertz", "V": "volt", "A": "ampere", "S": "siemens",
              "F": "farad", "m": "meter", "K": "kelvin", "rad": "radian"}

_ATOM = re.compile(r"[A-Za-z_\u00b5\u03bc\u2126\u03a9][A-Za-z0-9_]*")
_CONSTANT_ONLY = ("default", "init", "input", "bounds")


def _declared(ctx):
    """{name: what declares it} for every value and function name of the block."""
    kinds = {}
    for kind, table in (("function", ctx.functions), ("let", ctx.lets), ("input", ctx.inputs),
                        ("state", ctx.states), ("parameter", ctx.params)):
        kinds.update({name: f"a {kind} of {ctx.rb.name}" for name in table})
    builtins = list(CONSTANTS) + [TIME_NAME] + (list(COUPLING_NAMES) if ctx.is_coupling else [])
    kinds.update({name: "a built-in name" for name in builtins})
    return kinds


def check(ctx):
    declared = _declared(ctx)
    for where, member, expr, local in ctx.expressions():
        if where in _CONSTANT_ONLY:
            continue
        names = dict(declared)
        names.update({p: f"an argument of {getattr(member, 'name', where)}" for p in local})
        for e in ast.walk(expr):
            if not (isinstance(e, ast.Num) and e.unit):
                continue
            try:
                parse_unit(e.unit)
            except UnitError:
                continue       # NMM003 reports it
            start = e.text.rfind(e.unit)
            number = e.text[:start].strip()
            for m in _ATOM.finditer(e.unit):
                atom = m.group(0)
                if atom not in names:
                    continue
                col = e.span.col + start + m.start()
                span = ast.Span(e.span.file, e.span.line, col, e.span.line, col + len(atom))
                what = names[atom]
                product = f"`{number} * {atom}`" if e.unit == atom else \
                    f"'*' between the number and '{atom}'"
                long = LONG_NAMES.get(atom)
                if long:
                    spelled = e.unit[:m.start()] + long + e.unit[m.end():]
                    unit_way = f"`{number} {spelled}` for the unit"
                else:
                    unit_way = f"rename '{atom}' to keep the unit"
                ctx.report("NMM123", f"'{number} {e.unit}' reads '{atom}' as a unit, but "
                           f"'{atom}' is also {what}", span,
                           f"write {product} for the product, or {unit_way}")
                break
