"""NMM115 (delay() of something other than a state, or with a non-parameter lag) and
NMM206 (a lag that is not a time)."""
from .. import ast
from ..dimensions import DimInference
from ..units import TIME

CODES = ("NMM115", "NMM206")


def check(ctx):
    inference = DimInference(ctx)
    for where, member, expr, local in ctx.expressions():
        for e in ast.walk(expr):
            if not (isinstance(e, ast.Call) and e.func == "delay" and len(e.args) == 2):
                continue
            if where not in ("equation", "let", "function"):
                ctx.report("NMM115", "delay() can only be used in equations and lets", e.span,
                           "past values exist only while the model is integrated")
                continue
            target, lag = e.args
            if not (isinstance(target, ast.Name) and target.id in ctx.states):
                ctx.report("NMM115", "the first argument of delay() must be a state", target.span,
                           "write delay(STATE, LAG_PARAMETER), e.g. delay(rE, delay_EE)")
            if not (isinstance(lag, ast.Name) and lag.id in ctx.params):
                ctx.report("NMM115", "the lag of delay() must be a parameter", lag.span,
                           "declare it, e.g. 'parameter delay_EE = 2 ms', and write "
                           "delay(rE, delay_EE)")
                continue
            d = inference.of_name(lag.id)
            if d is not None and d != TIME:
                ctx.report("NMM206", f"the lag '{lag.id}' has dimension {d}, not a time",
                           lag.span, f"give '{lag.id}' a time unit, e.g. 'parameter {lag.id} = "
                           "2 ms'")
