"""NMM201-NMM204: physical dimensions of every expression, and NMM203 for d(x)/dt = rhs,
whose right-hand side must have the dimension of x per time."""
from ..dimensions import ANY, BOOL, DimInference, describe
from ..units import TIME

CODES = ("NMM201", "NMM202", "NMM203", "NMM204")


def check(ctx):
    inference = DimInference(ctx)
    for where, member, expr, local in ctx.expressions():
        if where in ("function", "bounds"):
            continue  # functions are checked at each call; bounds by the bounds rule
        if where in ("pre", "post"):
            inference.of(expr, {p: ANY for p in local})
            continue
        d = inference.of(expr, zero_any=where not in ("default", "init", "input"))
        if where in ("let", "output", "couples") and d is BOOL:
            ctx.report("NMM201", f"{where} '{getattr(member, 'name', '')}' is a condition, not a "
                       "value", expr.span, "use where(condition, a, b)")
        if where != "equation" or d is None or d is ANY:
            continue
        state_dim = inference.of_name(member.state)
        if state_dim is None or state_dim is ANY:
            continue
        want = state_dim / TIME
        if d is BOOL or d != want:
            ctx.report("NMM203", f"d({member.state})/dt has {describe(d)} but "
                       f"{member.state}/time is {describe(want)}", expr.span,
                       f"every term must have the unit of {member.state} ({describe(state_dim)}) "
                       "divided by a time; check the units of the parameters in this equation")
