"""Render the Step IR into a Numba module (text) with the Jinja2 templates in templates/numba/."""
from __future__ import annotations

from functools import lru_cache
from typing import Dict, List, Tuple

import jinja2
import sympy as sp

from ..._resources import data_dir
from ...integrators.step import StepIR
from ...ir.analysis import CALLS, schedule_calls_early
from ...ir.functions import exprel
from .printer import NumbaPrinter, identifier

#: the functions printed as libm calls (`exp`, `exprel`, `tanh` are inline code: libm/)
LIBM_CALLS = tuple(f for f in CALLS if f not in (sp.exp, exprel, sp.tanh))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True)


def _names(step: StepIR) -> Dict[str, str]:
    m = step.model
    names = {}
    for q in (*m.parameters, *m.states, *m.inputs):
        ident = identifier(q.symbol.name)
        names[q.name] = names[q.symbol.name] = ident
        names[q.name + "__next"] = names[q.symbol.name + "__next"] = ident + "__next"
    for let in m.lets:
        names[let.name] = names[let.symbol.name] = identifier(let.symbol.name)
    for d in m.delays:
        names[d.symbol.name] = identifier(d.symbol.name)
    return names


def _output_lines(m, names: Dict[str, str], *, sampled: bool) -> Tuple[List[str], List[str]]:
    """(let lines, one expression per output) as text. The lets the outputs read are computed
    again (as `_ol_<let>`, in dependency order) from the values at the recorded time, and
    the outputs read them: inlining them instead would repeat shared lets and let SymPy
    merge powers of nested lets into overflowing ones. An output with white noise `xi` (a
    noise process) reads this step's normal `_zk` as xi = z / sqrt(dt) when `sampled`, else
    xi's mean, 0 (the instantaneous `outputs_now`, where no step has been drawn)."""
    own = dict(names)
    for k, name in enumerate(m.noises):
        own[name] = f"(_z{k} / math.sqrt(dt))" if sampled else "0.0"
    needed = set().union(*(o.expr.free_symbols for o in m.outputs)) if m.outputs else set()
    lets = []
    for let in reversed(m.lets):                   # dependency order: users after uses
        if let.symbol in needed:
            lets.append(let)
            needed |= let.expr.free_symbols
    lets.reverse()
    for let in lets:
        own[let.symbol.name] = f"_ol_{identifier(let.symbol.name)}"
    printer = NumbaPrinter(own)
    return ([f"{own[let.symbol.name]} = {printer.doprint(let.expr)}  # let {let.name}"
             for let in lets],
            [printer.doprint(o.expr) for o in m.outputs])


def _lines(assigns, printer: NumbaPrinter) -> List[str]:
    out = []
    for a in assigns:
        if a.comment:
            out.append(f"# {a.comment}")
        out.append(f"{printer._print(a.target)} = {printer.doprint(a.expr)}")
    return out


def noise_lines(n_noises: int, node: str = "_n") -> List[str]:
    """Draw the step's standard normals: one Philox call per pair of noise sources.

    With `_nsub > 1` each step's normal is the normalised sum of `_nsub` normals of a finer
    counter grid (step g covers fine steps g*_nsub ... g*_nsub + _nsub - 1): runs at dt and at
    dt*_nsub then follow the same Brownian path (used for strong-convergence studies).
    """
    if not n_noises:
        return []
    zs = [f"_z{k}" for k in range(n_noises)]
    lines = ["if _nsub == 1:"]
    lines += ["    " + x for x in _draws("_g", zs, node)]
    lines += ["else:"]
    lines += [f"    {z} = 0.0" for z in zs]
    lines += ["    for _j in range(_nsub):"]
    tmp = [f"_a{k}" for k in range(n_noises)]
    lines += ["        " + x for x in _draws("_g * _nsub + _j", tmp, node)]
    lines += [f"        {z} += {a}" for z, a in zip(zs, tmp)]
    lines += ["    _sq = math.sqrt(_nsub)"]
    lines += [f"    {z} /= _sq" for z in zs]
    return lines


def _draws(step: str, targets: List[str], node: str) -> List[str]:
    lines = []
    for k in range(0, len(targets), 2):
        if k + 1 < len(targets):
            lines.append(f"{targets[k]}, {targets[k + 1]} = fast_normal_pair(_seed, {step}, "
                         f"_batch0 + _b, {node}, {k // 2})")
        else:
            lines.append(f"{targets[k]} = fast_normal(_seed, {step}, _batch0 + _b, {node}, {k})")
    return lines


def finite_check(step: StepIR, names: Dict[str, str]) -> List[str]:
    """`_bad = i` for the first state whose next value is not finite (NaN-safe test)."""
    lines = []
    for i, q in enumerate(step.model.states):
        lines.append(f"{'el' if i else ''}if not (abs({names[q.name + '__next']}) < math.inf):")
        lines.append(f"    _bad = {i}")
    return lines


#: steps between the independent-nodes kernel's tests for non-finite states (at most)
CHECK_EVERY = 64


def metadata(step: StepIR) -> dict:
    """What the runtime needs to call the kernel without SymPy (stored in the module)."""
    m = step.model

    def q(x):
        return {"name": x.name, "default": x.default, "unit": x.unit_text, "factor": x.factor,
                "lo": x.lo, "hi": x.hi, "doc": x.doc, "dim": str(x.dim)}

    return {"model": m.name, "category": m.category, "source_file": m.source_file,
            "source_hash": m.source_hash, "doc": m.doc, "aliases": list(m.aliases),
            "scheme": step.scheme.name, "noise_kind": step.noise_kind,
            "states": [q(x) for x in m.states], "parameters": [q(x) for x in m.parameters],
            "inputs": [q(x) for x in m.inputs],
            "outputs": [{"name": o.name, "unit": o.unit, "factor": o.factor, "doc": o.doc}
                        for o in m.outputs],
            "noises": list(m.noises), "delays": [{"state": d.state, "lag": d.lag}
                                                 for d in m.delays],
            "couples": m.couples is not None, "check_every": CHECK_EVERY}


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


def render_nodes_module(step: StepIR, *, cache_key: str, version: str) -> str:
    """The module text of the independent-nodes kernel `run` for `step`."""
    m = step.model
    names = _names(step)
    printer = NumbaPrinter(names)
    return environment().get_template("numba/module.py.j2").render(
        version=version, source_file=m.source_file, model_name=m.name,
        source_hash=m.source_hash, kernel_kind="independent nodes", scheme=step.scheme,
        cache_key=cache_key, states=m.states, params=m.parameters, inputs=m.inputs,
        outputs=m.outputs, noises=m.noises, delays=m.delays, names=names,
        prelude=_lines(step.prelude, printer),
        body=_lines(schedule_calls_early(step.body, functions=LIBM_CALLS), printer),
        noise_lines=noise_lines(len(m.noises)),
        outputs_sampled=_output_lines(m, names, sampled=True),
        outputs_now=_output_lines(m, names, sampled=False), n_states=len(m.states),
        check_every=CHECK_EVERY,
        meta_literal=meta_literal(metadata(step)))


def _network_lines(net, step: StepIR, names: Dict[str, str]):
    """Everything the network template prints for the coupling terms."""
    node = net.node
    printer = NumbaPrinter(names)
    state_syms = {q.symbol: q for q in node.states}
    param_syms = {q.symbol: q for q in node.parameters}
    out = {k: [] for k in ("t_states", "t_params", "t_coupled", "t_store", "t_generic", "t_a",
                           "t_b", "t_pre", "t_post", "cnames", "cparam_index")}
    offset = 0
    for k, t in enumerate(net.terms):
        c = t.coupling
        cn = {q.name: f"{identifier(t.name)}__{identifier(q.name)}" for q in c.parameters}
        cidx = {q.name: offset + i for i, q in enumerate(c.parameters)}
        offset += len(c.parameters)
        cnames = dict(names)
        cnames.update({q.symbol.name: cn[q.name] for q in c.parameters})
        cnames.update({c.x_i.name: "_xi", c.x_j.name: "_xj", c.s.name: "_ssum",
                       c.n_nodes.name: "_Nf"})
        cp = NumbaPrinter(cnames)
        lets = {let.symbol: let.expr for let in c.lets}

        def expand(e):
            for _ in range(len(lets) + 1):
                e = e.xreplace(lets)
            return e
        coupled = node.expand_lets(t.coupled)
        out["t_states"].append([state_syms[s] for s in sorted(coupled.free_symbols, key=str)
                                if s in state_syms])
        out["t_params"].append([param_syms[s] for s in sorted(coupled.free_symbols, key=str)
                                if s in param_syms])
        out["t_coupled"].append(printer.doprint(coupled))
        pre, post = expand(c.pre), expand(c.post)
        if t.separable is None:
            out["t_generic"].append(True)
            out["t_store"].append("_xj")
            out["t_pre"].append(cp.doprint(pre))
            out["t_a"].append("0.0")
            out["t_b"].append("1.0")
        else:
            a, b, g = (expand(x) for x in t.separable)
            out["t_generic"].append(False)
            out["t_store"].append(cp.doprint(g))
            out["t_pre"].append("")
            out["t_a"].append(cp.doprint(a))
            out["t_b"].append(cp.doprint(b))
        out["t_post"].append(cp.doprint(post))
        out["cnames"].append(cn)
        out["cparam_index"].append(cidx)
    return out


def _indent_noise(n: int) -> List[str]:
    """The scalar draws of the network kernel (used only when _nsub > 1)."""
    lines = []
    zs = [f"_z{k}" for k in range(n)]
    lines += [f"{z} = 0.0" for z in zs]
    lines += ["for _j in range(_nsub):"]
    tmp = [f"_a{k}" for k in range(n)]
    lines += ["    " + x for x in _draws("_g * _nsub + _j", tmp, "_i")]
    lines += [f"    {z} += {a}" for z, a in zip(zs, tmp)]
    lines += ["_sq = math.sqrt(_nsub)"]
    lines += [f"{z} /= _sq" for z in zs]
    return lines


def render_network_module(net, step: StepIR, *, cache_key: str, version: str) -> str:
    """The module text of the fused network kernels for `net` (a NetworkIR) and `step`."""
    m = net.node
    names = _names(step)
    for t in net.terms:
        names[t.input_symbol.name] = t.input_symbol.name
    printer = NumbaPrinter(names)
    noisy = [o.name for o in m.outputs
             if any(x.name in m.noises for x in o.expr.free_symbols)]
    if noisy:
        raise ValueError(f"output {noisy[0]!r} of {m.name} is white noise (it contains xi); a "
                         "network records no white-noise outputs: wire the noise into an input "
                         "(noise_<input>=...) or use a coloured process such as OUProcess")
    meta = metadata(step)
    meta["check_every"] = 1    # the fused network kernel tests every step
    meta["coupling_terms"] = [{"name": t.name, "coupling": t.coupling.name, "target": t.target,
                               "coupled": t.coupled_text, "per_edge": t.separable is None,
                               "sender_params": sorted(
                                   q.name for q in t.coupling.parameters
                                   if t.separable is not None and q.symbol in
                                   t.separable[2].free_symbols),
                               "parameters": [{"name": q.name, "default": q.default,
                                               "unit": q.unit_text, "factor": q.factor,
                                               "doc": q.doc} for q in t.coupling.parameters]}
                              for t in net.terms]
    prelude_targets = [printer._print(a.target) for a in step.prelude]
    return environment().get_template("numba/network.py.j2").render(
        version=version, source_file=m.source_file, model_name=m.name,
        source_hash=m.source_hash, scheme=step.scheme, cache_key=cache_key, states=m.states,
        params=m.parameters, inputs=m.inputs, outputs=m.outputs, delays=m.delays, names=names,
        prelude=_lines(step.prelude, printer), prelude_targets=prelude_targets,
        body=_lines(schedule_calls_early(step.body, functions=LIBM_CALLS), printer),
        noise_lines=_indent_noise(len(m.noises)),
        noise_count=len(m.noises),
        outputs_now=_output_lines(m, names, sampled=False), n_states=len(m.states),
        finite_check=finite_check(step, names),
        meta_literal=meta_literal(meta), terms=net.terms,
        state_index={q.name: i for i, q in enumerate(m.states)},
        param_index={q.name: i for i, q in enumerate(m.parameters)},
        **_network_lines(net, step, names))
