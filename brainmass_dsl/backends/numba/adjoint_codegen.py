"""Print an adjoint plan (`plan/adjoint.py`) into a Numba module with
templates/numba/adjoint.py.j2. Like `codegen`, this module only prints: every statement is
an assignment of the plan, the template lays out the loops."""
from __future__ import annotations

from typing import Dict, List, Tuple

from ...ir.analysis import cse
from ...plan import signature
from ...plan.adjoint import VJP, AdjointPlan
from .codegen import _lines, _names, draw_lines, environment, meta_literal, wrap_names
from .printer import NumbaPrinter

#: array kind of a VJP output -> the kernel array it is added to, per piece
_NODE = {"x": "_ln", "p": "_gp", "c": "_gc"}
_MONITOR = {"x": "_lm", "p": "_gp", "c": "_gc"}


def _outputs(v: VJP, arrays: Dict[str, str], printer: NumbaPrinter) -> List[Tuple[str, int, str]]:
    return [(arrays[k], r, printer._print(s)) for k, r, s in v.outputs if k in arrays]


def _body(v: VJP, printer: NumbaPrinter, prefix: str) -> List[str]:
    """The VJP's statements, common subexpressions shared (temporaries `<prefix>N`)."""
    _pre, body = cse(v.body, (), prefix=prefix)
    return _lines(_pre + body, printer)


def render_adjoint_module(aplan: AdjointPlan, *, cache_key: str, version: str) -> str:
    """The module text of the adjoint kernels `adjoint_serial`/`adjoint_parallel`."""
    plan = aplan.forward
    m = plan.model
    names = _names(plan)
    printer = NumbaPrinter(names)
    state_index = {q.name: i for i, q in enumerate(m.states)}
    param_index = {q.name: i for i, q in enumerate(m.parameters)}
    cparams, offset = [], 0
    for c in plan.couplings:
        cparams += [(s.name, offset + i) for i, (_q, s) in enumerate(c.params)]
        offset += len(c.params)
    terms = []
    for c in plan.couplings:
        k = c.index
        states, params = c.sender_reads(m)
        used = set().union(*(a.expr.free_symbols for a in c.sender))
        loads = ([(names[q.name], f"_xseg[_s, {state_index[q.name]}, _b, _j]") for q in states]
                 + [(names[q.name], f"_params[{param_index[q.name]}, _b, _j]") for q in params]
                 + [(n, f"_cparams[{i}, _b, _j]") for n, i in cparams
                    if any(s.name == n for s in used)])
        acc, rs, xi = aplan.receiver_adjoints[k]
        term = {
            "index": k, "name": c.name, "per_edge": c.reduction.per_edge,
            "sender_loads": [(n, a, None) for n, a in loads],
            "sender_loads_g": [(n, a, None) for n, a in loads],
            "sender": _lines(c.sender, printer), "stored": printer._print(c.stored),
            "receiver_first": _lines([c.receiver_first], printer),
            "acc": printer._print(c.reduction.acc), "x_j": printer._print(c.reduction.x_j),
            "rowsum": printer._print(c.rowsum), "edge_value": printer.doprint(c.reduction.value),
            "adacc": printer._print(acc), "adrs": printer._print(rs), "adxi": printer._print(xi),
            "first_body": _body(aplan.first[k], printer, f"_afk{k}_"),
            "first_outputs": _outputs(aplan.first[k], _NODE, printer),
            "sender_body": _body(aplan.sender[k], printer, f"_ask{k}_"),
            "sender_outputs": _outputs(aplan.sender[k], _NODE, printer),
        }
        if c.reduction.per_edge:
            e = aplan.edge[k]
            term.update(
                edge_body=_body(e, printer, f"_aek{k}_"),
                edge_dj=f"_ae{k}ej_{c.reduction.x_j.name}",
                edge_di=f"_ae{k}ei_{c.x_i.name}",
                edge_outputs=[(a, r, s) for a, r, s in _outputs(e, _NODE, printer)
                              if a == "_gc"])
        terms.append(term)
    monitor = aplan.monitor
    mon = {"rows": [row for row, _e in plan.sampling.values],
           "body": _body(monitor, printer, "_amk"),
           "outputs": _outputs(monitor, _MONITOR, printer)}
    noise = (draw_lines(plan.noise, "_g", "_i") if aplan.needs_noise and len(plan.noise)
             else [])
    meta = dict(plan.meta, kernel="adjoint")
    return environment().get_template("numba/adjoint.py.j2").render(
        version=version, source_file=m.source_file, model_name=m.name,
        source_hash=m.source_hash, scheme=plan.step.scheme, cache_key=cache_key,
        states=m.states, params=m.parameters, inputs=m.inputs, names=names,
        signature=wrap_names([a.name for a in signature.adjoint_args(len(terms))]),
        meta_literal=meta_literal(meta), terms=terms, cparams=cparams,
        node={"body": _body(aplan.node, printer, "_adk"),
              "outputs": _outputs(aplan.node, _NODE, printer)},
        monitor=mon, noise_lines=noise, block=signature.COUPLING_BLOCK)
