"""Print a tangent plan (`plan/sensitivity.py`) into a Numba module with
templates/numba/tangent.py.j2. Like `codegen`, this module only prints: every statement is
an assignment of the plan, the template lays out the loops."""
from __future__ import annotations

from typing import List

from ...ir.analysis import cse
from ...plan import signature
from ...plan.sensitivity import (TangentPlan, cparam_tangent, param_tangent,
                                 state_tangent)
from .codegen import _lines, _names, draw_lines, environment, meta_literal, wrap_names
from .printer import NumbaPrinter


def _body(assigns, printer: NumbaPrinter, prefix: str) -> List[str]:
    """The JVP's statements, common subexpressions shared (temporaries `<prefix>N`)."""
    _pre, body = cse(assigns, (), prefix=prefix)
    return _lines(_pre + body, printer)


def render_tangent_module(tplan: TangentPlan, *, cache_key: str, version: str) -> str:
    """The module text of the tangent kernels `tangent_serial`/`tangent_parallel`."""
    plan = tplan.forward
    m = plan.model
    names = _names(plan)
    printer = NumbaPrinter(names)
    pr = printer._print
    state_index = {q.name: i for i, q in enumerate(m.states)}
    param_index = {q.name: i for i, q in enumerate(m.parameters)}
    cparams, tcparams, offset = [], [], 0
    for c in plan.couplings:
        cparams += [(s.name, offset + i) for i, (_q, s) in enumerate(c.params)]
        tcparams += [(pr(cparam_tangent(s)), offset + i) for i, (_q, s) in enumerate(c.params)]
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
        tacc, trs, _txi = tplan.receiver_tangents[k]
        term = {
            "index": k, "name": c.name, "per_edge": c.reduction.per_edge,
            "sender_loads": loads, "sender": _lines(c.sender, printer), "stored": pr(c.stored),
            "sender_body": _body(tplan.sender[k], printer, f"_tsk{k}_"),
            "sender_value": pr(tplan.sender_value[k]),
            "receiver_first": _lines([c.receiver_first], printer),
            "first_body": _body(tplan.first[k], printer, f"_tfk{k}_"),
            "acc": pr(c.reduction.acc), "tacc": pr(tacc), "rowsum": pr(c.rowsum),
            "trs": pr(trs),
        }
        if c.reduction.per_edge:
            term.update(x_j=pr(c.reduction.x_j), txj=pr(tplan.edge_xj[k]),
                        edge_value=printer.doprint(c.reduction.value),
                        edge_body=_body(tplan.edge[k], printer, f"_tek{k}_"),
                        tval=pr(tplan.edge_value[k]))
        terms.append(term)
    noise = (draw_lines(plan.noise, "_g", "_i") if tplan.needs_noise and len(plan.noise)
             else [])
    meta = dict(plan.meta, kernel="tangent")
    return environment().get_template("numba/tangent.py.j2").render(
        version=version, source_file=m.source_file, model_name=m.name,
        source_hash=m.source_hash, scheme=plan.step.scheme, cache_key=cache_key,
        states=m.states, params=m.parameters, inputs=m.inputs, names=names,
        tstates=[pr(state_tangent(q.symbol)) for q in m.states],
        tparams=[pr(param_tangent(q.symbol)) for q in m.parameters],
        signature=wrap_names([a.name for a in signature.tangent_args(len(terms))]),
        meta_literal=meta_literal(meta), terms=terms, cparams=cparams, tcparams=tcparams,
        node_body=_body(tplan.node, printer, "_tnk"),
        new_tangents=[pr(s) for s in tplan.new_tangents],
        monitor_body=_body(tplan.monitor, printer, "_tmk"),
        monitor_rows=[(row, pr(s)) for row, s in tplan.monitor_rows],
        noise_lines=noise)
