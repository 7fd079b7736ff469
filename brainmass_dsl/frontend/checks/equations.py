"""NMM103 (state without an equation), NMM104 (equation for a non-state),
NMM109 (assigning to a parameter)."""
from .. import ast

CODES = ("NMM103", "NMM104", "NMM109")


def check(ctx):
    if ctx.is_coupling:
        return
    eq_states = set()
    for m in ctx.rb.members:
        if not isinstance(m, ast.Equation):
            continue
        eq_states.add(m.state)
        if m.state in ctx.states:
            continue
        if m.state in ctx.params:
            ctx.report("NMM109", f"cannot assign to parameter '{m.state}'", m.name_span,
                       f"parameters are constants of a run; declare 'state {m.state} = ...' "
                       "to give it dynamics")
        else:
            kind = ("input" if m.state in ctx.inputs else "let" if m.state in ctx.lets else None)
            ctx.report("NMM104", f"d({m.state})/dt: '{m.state}' is "
                       + (f"an {kind}" if kind == "input" else f"a {kind}" if kind else "not declared")
                       + ", not a state", m.name_span,
                       f"declare it with 'state {m.state} = INITIAL_VALUE'")
    for name, st in ctx.states.items():
        if name not in eq_states:
            ctx.report("NMM103", f"state '{name}' has no equation", st.name_span,
                       f"add 'd({name})/dt = ...' (write 'd({name})/dt = 0' for a constant)")
