"""Print a kernel plan (`brainmass_dsl.plan`) into a Numba module with the Jinja2 templates
in templates/numba/. This module prints; it decides nothing about the model, the coupling
or the scheme: those are assignments in the plan, and the templates lay out loops and memory.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Dict, List

import jinja2
import sympy as sp

from ..._resources import data_dir
from ...ir.analysis import CALLS, schedule_calls_early
from ...ir.functions import exprel
from ...plan import signature
from ...plan.kernel import KernelPlan
from ...plan.noise import NoiseDraw
from .printer import NumbaPrinter, identifier

#: the functions printed as libm calls (`exp`, `exprel`, `tanh`, `erf`, `erfc` are inline
#: code: libm/)
LIBM_CALLS = tuple(f for f in CALLS if f not in (sp.exp, exprel, sp.tanh, sp.erf, sp.erfc))

#: steps between the independent-nodes kernel's tests for non-finite states (at most)
CHECK_EVERY = signature.CHECK_EVERY


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True)


def _names(plan: KernelPlan) -> Dict[str, str]:
    """IR symbol name -> identifier in the generated code."""
    m = plan.model
    names = {}
    for q in (*m.parameters, *m.states, *m.inputs):
        ident = identifier(q.symbol.name)
        names[q.name] = names[q.symbol.name] = ident
        names[q.name + "__next"] = names[q.symbol.name + "__next"] = ident + "__next"
    for let in m.lets:
        names[let.name] = names[let.symbol.name] = identifier(let.symbol.name)
    for d in m.delays:
        names[d.symbol.name] = identifier(d.symbol.name)
    for c in plan.couplings:
        for _q, s in c.params:
            names[s.name] = s.name
        names[c.term.input_symbol.name] = c.term.input_symbol.name
    return names


def _lines(assigns, printer: NumbaPrinter) -> List[str]:
    out = []
    for a in assigns:
        if a.comment:
            out.append(f"# {a.comment}")
        out.append(f"{printer._print(a.target)} = {printer.doprint(a.expr)}")
    return out


#: the noise counter's batch index of batch element `_b`: `_batch0 + _b`, or, when `_batch0`
#: is negative, `-1 - _batch0` for every element (all share one realisation: fitting
#: compares candidates on the noise of a single run)
NOISE_BATCH = "(_batch0 + _b if _batch0 >= 0 else -1 - _batch0)"


def draw_lines(draw: NoiseDraw, step: str, node: str, targets=None) -> List[str]:
    """One Philox call per pair of the step's normals (`targets`: other names for them)."""
    names = targets or [z.name for z in draw.targets]
    lines = []
    k = 0
    for stream, pair in draw.pairs():
        if len(pair) == 2:
            lines.append(f"{names[k]}, {names[k + 1]} = fast_normal_pair(_seed, {step}, "
                         f"{NOISE_BATCH}, {node}, {stream})")
        else:
            lines.append(f"{names[k]} = fast_normal(_seed, {step}, {NOISE_BATCH}, {node}, "
                         f"{stream})")
        k += len(pair)
    return lines


def substep_lines(draw: NoiseDraw, node: str) -> List[str]:
    """The normals as normalised sums over `_nsub` steps of a finer counter grid."""
    zs = [z.name for z in draw.targets]
    tmp = [f"_a{k}" for k in range(len(zs))]
    lines = [f"{z} = 0.0" for z in zs]
    lines += ["for _j in range(_nsub):"]
    lines += ["    " + x for x in draw_lines(draw, "_g * _nsub + _j", node, tmp)]
    lines += [f"    {z} += {a}" for z, a in zip(zs, tmp)]
    lines += ["_sq = math.sqrt(_nsub)"]
    lines += [f"{z} /= _sq" for z in zs]
    return lines


def noise_lines(draw: NoiseDraw, node: str = "_n") -> List[str]:
    """Draw the step's normals: on the step's counter, or (`_nsub > 1`) on a finer grid."""
    if not len(draw):
        return []
    lines = ["if _nsub == 1:"]
    lines += ["    " + x for x in draw_lines(draw, "_g", node)]
    lines += ["else:"]
    lines += ["    " + x for x in substep_lines(draw, node)]
    return lines


def finite_check(plan: KernelPlan, names: Dict[str, str]) -> List[str]:
    """`_bad = i` for the first state whose next value is not finite (NaN-safe test)."""
    lines = []
    for i, q in enumerate(plan.model.states):
        lines.append(f"{'el' if i else ''}if not (abs({names[q.name + '__next']}) < math.inf):")
        lines.append(f"    _bad = {i}")
    return lines


def meta_literal(meta: dict) -> str:
    """The metadata as a readable Python literal (checked to evaluate back to itself)."""
    import math
    import pprint

    def clean(x):
        if isinstance(x, float) and not math.isfinite(x):
            raise ValueError(f"non-finite value {x} in kernel metadata")
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        return x

    text = pprint.pformat(clean(meta), width=96, sort_dicts=False)
    assert eval(text) == clean(meta)  # noqa: S307 - our own literal
    return text


def signature_lines(plan: KernelPlan, indent: str = "        ") -> str:
    """The kernel's parameter list from `plan.args`, wrapped for reading."""
    return wrap_names([a.name for a in plan.args], indent)


def wrap_names(names: List[str], indent: str = "        ") -> str:
    """`names` as a comma-separated list wrapped at about 80 characters."""
    rows, row = [], []
    for n in names:
        row.append(n)
        if len(", ".join(row)) > 80:
            rows.append(", ".join(row))
            row = []
    if row:
        rows.append(", ".join(row))
    return (",\n" + indent).join(rows)


def _common(plan: KernelPlan, *, cache_key: str, version: str) -> dict:
    m = plan.model
    names = _names(plan)
    printer = NumbaPrinter(names)
    s = plan.sampling
    return dict(
        version=version, source_file=m.source_file, model_name=m.name,
        source_hash=m.source_hash, scheme=plan.step.scheme, cache_key=cache_key,
        states=m.states, params=m.parameters, inputs=m.inputs, outputs=m.outputs,
        noises=m.noises, delays=m.delays, names=names, signature=signature_lines(plan),
        prelude=_lines(plan.step.prelude, printer),
        prelude_targets=[printer._print(a.target) for a in plan.step.prelude],
        body=_lines(schedule_calls_early(plan.step.body, functions=LIBM_CALLS), printer),
        record_lets=_lines(s.lets, printer),
        record_values=[(row, printer.doprint(e)) for row, e in s.values],
        now_lets=_lines(plan.outputs_now[0], printer),
        now_values=[printer.doprint(e) for e in plan.outputs_now[1]],
        n_states=len(m.states), check_every=plan.check_every,
        meta_literal=meta_literal(plan.meta), printer=printer)


def render_nodes_module(plan: KernelPlan, *, cache_key: str, version: str) -> str:
    """The module text of the independent-nodes kernel `run` for `plan`."""
    ctx = _common(plan, cache_key=cache_key, version=version)
    return environment().get_template("numba/module.py.j2").render(
        kernel_kind="independent nodes" + (" + forward monitor" if plan.forward else ""),
        noise_lines=noise_lines(plan.noise), forward=_forward_context(plan, ctx["names"]),
        **ctx)


def _term_context(plan: KernelPlan, printer: NumbaPrinter, names: Dict[str, str]) -> List[dict]:
    """Per coupling term: what the network template prints (loads, assignments, values)."""
    state_index = {q.name: i for i, q in enumerate(plan.model.states)}
    param_index = {q.name: i for i, q in enumerate(plan.model.parameters)}
    out, offset = [], 0
    for c in plan.couplings:
        states, params = c.sender_reads(plan.model)
        cparams = [(s.name, offset + i) for i, (_q, s) in enumerate(c.params)]
        offset += len(c.params)
        used = set().union(*(a.expr.free_symbols for a in c.sender))
        out.append({
            "index": c.index, "name": c.name, "coupling": c.term.coupling.name,
            "coupled_text": c.term.coupled_text, "target": c.term.target,
            "per_edge": c.reduction.per_edge,
            "sender_loads": [(names[q.name], "_xs", state_index[q.name]) for q in states]
            + [(names[q.name], "_ps", param_index[q.name]) for q in params]
            + [(n, "_cps", i) for n, i in cparams if any(s.name == n for s in used)],
            "cparams": cparams,
            "sender": _lines(c.sender, printer), "stored": printer._print(c.stored),
            "receiver_first": _lines([c.receiver_first], printer),
            "edge_value": printer.doprint(c.reduction.value),
            "acc": printer._print(c.reduction.acc), "x_j": printer._print(c.reduction.x_j),
            "rowsum": printer._print(c.rowsum),
        })
    return out


def _forward_context(plan: KernelPlan, names: Dict[str, str]):
    """What the network template prints for the fused forward monitor (None if none)."""
    f = plan.forward
    if f is None:
        return None
    printer = NumbaPrinter({})
    after_step = dict(names)
    for q in plan.model.states:      # the drive reads the node's state after its step
        after_step[q.name] = after_step[q.symbol.name] = names[q.name + "__next"]
    target = next(q for q in f.model.inputs if q.symbol == f.target)
    return {
        "params": [(printer._print(q.symbol), i) for i, q in enumerate(f.model.parameters)],
        "states": [(printer._print(q.symbol), i) for i, q in enumerate(f.model.states)],
        "inputs": [(printer._print(q.symbol), repr(float(q.default)))
                   for q in f.model.inputs if q.symbol != f.target],
        "target": printer._print(f.target), "target_factor": repr(float(target.factor)),
        "drive": NumbaPrinter(after_step).doprint(f.drive),
        "prelude": _lines(f.step.prelude, printer),
        "body": _lines(schedule_calls_early(f.step.body, functions=LIBM_CALLS, prefix="_fwf"),
                       printer),
        "next": [(printer._print(q.symbol), printer._print(f.step.new_state[q.name]), i)
                 for i, q in enumerate(f.model.states)],
        "output_lets": _lines(f.output_lets, printer),
        "outputs": [printer.doprint(e) for e in f.outputs],
        "dt": printer._print(f.dt),
        "projected": f.projected,
    }


def render_network_module(plan: KernelPlan, *, cache_key: str, version: str) -> str:
    """The module text of the fused network kernels for a network `plan`."""
    ctx = _common(plan, cache_key=cache_key, version=version)
    names, printer = ctx["names"], ctx["printer"]
    return environment().get_template("numba/network.py.j2").render(
        noise_lines=substep_lines(plan.noise, "_i") if len(plan.noise) else [],
        noise_count=len(plan.noise), noise_targets=[z.name for z in plan.noise.targets],
        finite_check=finite_check(plan, names),
        terms=_term_context(plan, printer, names), forward=_forward_context(plan, names),
        block=signature.COUPLING_BLOCK, noise_block=signature.NOISE_BLOCK,
        state_index={q.name: i for i, q in enumerate(plan.model.states)},
        param_index={q.name: i for i, q in enumerate(plan.model.parameters)}, **ctx)
