"""Print a forward monitor's adjoint plan (`plan/forward_adjoint.py`) into a Numba module
with templates/numba/forward_adjoint.py.j2 (the monitor's model run on given drive means,
its outputs, and its reverse sweep)."""
from __future__ import annotations

from ...ir.analysis import cse, schedule_calls_early
from ...ir.lower import sym
from ...plan.forward_adjoint import ForwardAdjointPlan
from .codegen import LIBM_CALLS, _lines, environment, meta_literal
from .printer import NumbaPrinter


def render_forward_adjoint_module(fa: ForwardAdjointPlan, *, cache_key: str,
                                  version: str) -> str:
    """The module text of `forward_states`, `forward_outputs` and `forward_reverse`."""
    f = fa.forward
    m = f.model
    printer = NumbaPrinter({})
    pr = printer._print

    def body(assigns, prefix):
        _pre, b = cse(assigns, (), prefix=prefix)
        return _lines(_pre + b, printer)

    states = [(pr(q.symbol), i) for i, q in enumerate(m.states)]
    meta = {"kernel": "forward_adjoint", "model": m.name,
            "states": [q.name for q in m.states],
            "outputs": [o.name for o in m.outputs]}
    return environment().get_template("numba/forward_adjoint.py.j2").render(
        version=version, source_file=m.source_file, model_name=m.name,
        source_hash=m.source_hash, scheme_name=f.step.scheme.name, cache_key=cache_key, meta_literal=meta_literal(meta),
        params=[(pr(q.symbol), i) for i, q in enumerate(m.parameters)], states=states,
        seeds=[pr(sym(f"_fal_{q.symbol.name}")) for q in m.states],
        inputs=[(pr(q.symbol), repr(float(q.default))) for q in m.inputs
                if q.symbol != f.target],
        target=pr(f.target), dt=pr(f.dt), prelude=_lines(f.step.prelude, printer),
        body=_lines(schedule_calls_early(f.step.body, functions=LIBM_CALLS, prefix="_fwf"),
                    printer),
        next=[(pr(q.symbol), pr(f.step.new_state[q.name]), i) for i, q in enumerate(m.states)],
        output_lets=_lines(f.output_lets, printer),
        outputs=[printer.doprint(e) for e in f.outputs],
        step_vjp=body(fa.step, "_fsk"), step_state=[pr(s) for s in fa.step_state],
        step_drive=pr(fa.step_drive),
        output_vjp=body(fa.output, "_fok"), output_state=[pr(s) for s in fa.output_state],
        output_drive=pr(fa.output_drive))
