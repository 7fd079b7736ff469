"""NMM003: a unit written after a number that is not a unit pint can read."""
from .. import ast
from ..units import UnitError, parse_unit

CODES = ("NMM003",)


def check(ctx):
    for _where, _member, expr, _locals in ctx.expressions():
        for e in ast.walk(expr):
            if isinstance(e, ast.Num) and e.unit:
                try:
                    parse_unit(e.unit)
                except UnitError as err:
                    col = e.span.col + e.text.rfind(e.unit)
                    span = ast.Span(e.span.file, e.span.line, col, e.span.line, col + len(e.unit))
                    ctx.report("NMM003", str(err), span,
                               "units are symbols such as mV, ms, s, Hz, nA, mm, m/s, /ms, 1/mV, "
                               "ms**-1.5; to multiply a number by a name write '*' between them")
