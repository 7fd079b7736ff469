"""The compiler driver: a checked block -> a cached, importable kernel module.

    kernel = compile_nodes(program.block("HopfStep"), integrator="heun")

On a cache hit nothing but the parser runs: the key is computed from the normalised
source, and the module (with its metadata) is imported from the cache folder.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from . import __version__
from .backends import cache
from .frontend.resolve import ResolvedBlock
from .integrators.schemes import DEFAULT, get

DTYPES = ("float64",)


@dataclass
class NodeKernel:
    """A compiled independent-nodes kernel and what the runtime needs to call it."""

    module: object
    key: str
    scheme: str

    @property
    def meta(self) -> dict:
        return self.module.META

    @property
    def path(self) -> Path:
        return Path(self.module.__file__)

    def source(self) -> str:
        return self.path.read_text()

    def runner(self, parallel: bool):
        return self.module.run_parallel if parallel else self.module.run_serial

    def cold(self, parallel: bool) -> bool:
        """True when the next call of `runner(parallel)` compiles it with Numba (seconds):
        neither this process nor the cache folder has its compiled code."""
        from .backends.numba_files import will_compile

        return will_compile(self.runner(parallel))


def _source_key(rb: ResolvedBlock) -> str:
    from .frontend.printer import format_member

    return rb.kind + " " + rb.name + "\n" + "\n".join(format_member(m) for m in rb.members)


@dataclass(frozen=True)
class Wire:
    """A source model (e.g. a noise process) wired into a node input under a prefix."""

    input: str
    source: ResolvedBlock
    prefix: str


def _wiring_key(wiring) -> list:
    return [(w.input, _source_key(w.source), w.prefix) for w in wiring]


def node_key(rb: ResolvedBlock, integrator: str, dtype: str = "float64",
             backend: str = "numba", wiring=(), forward: Optional["ForwardSpec"] = None) -> str:
    extra = {} if forward is None else {"forward": _forward_key(forward)}
    return cache.make_key(kind="nodes", source=_source_key(rb), integrator=integrator,
                          dtype=dtype, backend=backend, wiring=_wiring_key(wiring), **extra)


def lower_wired(rb: ResolvedBlock, program, wiring=()):
    """The node's ModelIR with its wired sources composed in."""
    from .ir.compose import wire_inputs
    from .ir.lower import lower_block

    model = lower_block(rb, program)
    if wiring:
        model = wire_inputs(model, {w.input: (lower_block(w.source), w.prefix) for w in wiring})
    return model


def render_nodes(rb: ResolvedBlock, integrator: str, key: str, program=None, wiring=(),
                 forward: Optional["ForwardSpec"] = None) -> str:
    """Generate the module text (lowering, integration, printing)."""
    from .backends.numba.codegen import render_nodes_module
    from .integrators.step import build_step
    from .plan.kernel import plan_nodes

    node = lower_wired(rb, program, wiring)
    step = build_step(node, integrator)
    return render_nodes_module(plan_nodes(step, _plan_forward(rb, program, node, forward)),
                               cache_key=key, version=__version__)


def compile_nodes(rb: ResolvedBlock, integrator: Optional[str] = None, *,
                  dtype: str = "float64", program=None, wiring=(),
                  forward: Optional["ForwardSpec"] = None) -> NodeKernel:
    """The cached kernel of `rb` integrated with `integrator` (default exp_euler), with
    `wiring` (a sequence of `Wire`) composing noise processes into its inputs and an
    optional fused forward monitor (`forward`, a ForwardSpec)."""
    scheme = get(integrator or DEFAULT).name
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, not {dtype!r}")
    key = node_key(rb, scheme, dtype, wiring=wiring, forward=forward)
    module = cache.load(key, lambda: render_nodes(rb, scheme, key, program, wiring, forward))
    return NodeKernel(module, key, scheme)


@dataclass(frozen=True)
class TermSpec:
    """One coupling term of a network: which coupling, what is sent, where it arrives."""

    name: str
    coupling: ResolvedBlock
    coupled: str          # an expression of the node's states, in .nmm syntax
    target: str           # the node input receiving post(s)


@dataclass(frozen=True)
class ForwardSpec:
    """A forward model fused into a network kernel as a monitor (plan/forward.py): its block
    and scheme, the node expression that drives it, and the input that receives the drive."""

    model: ResolvedBlock
    integrator: str
    drive: str            # an expression of the node's states, in .nmm syntax
    target: str           # the forward model's input
    projected: bool = False   # outputs projected across nodes (a network's sensors, EEG)


def network_key(node: ResolvedBlock, integrator: str, terms, dtype: str = "float64",
                backend: str = "numba", wiring=(), forward: Optional[ForwardSpec] = None) -> str:
    fwd = None if forward is None else _forward_key(forward)
    return cache.make_key(kind="network", source=_source_key(node), integrator=integrator,
                          terms=[(t.name, _source_key(t.coupling), t.coupled, t.target)
                                 for t in terms], dtype=dtype, backend=backend,
                          wiring=_wiring_key(wiring), forward=fwd)


def lower_coupled(node_rb: ResolvedBlock, program, model, text: str,
                  what: str = "coupled variable"):
    """The SymPy expression of a coupled expression's text (canonical units, as couplings
    work in them); `what` names it in an error."""
    from .ir.expression import lower_expression

    return lower_expression(node_rb, program, text, what)


def plan_network_kernel(node_rb: ResolvedBlock, program, integrator: str, terms, wiring=(),
                        forward: Optional[ForwardSpec] = None):
    """The KernelPlan of the fused network kernel (what `render_network` prints)."""
    from .ir.lower import lower_coupling
    from .plan.kernel import plan_network
    from .ir.network import CouplingTerm, build_network_ir, coupling_input_symbol, separate

    node = lower_wired(node_rb, program, wiring)
    built = []
    for k, t in enumerate(terms):
        c = lower_coupling(t.coupling, program)
        coupled = lower_coupled(node_rb, program, node, t.coupled)
        node.quantity(t.target)  # KeyError for an unknown input
        built.append(CouplingTerm(t.name, c, coupled, t.coupled, t.target,
                                  coupling_input_symbol(k), separate(c.pre, c.x_i, c.x_j)))
    net = build_network_ir(node, built)
    return plan_network(net, integrator, forward=_plan_forward(node_rb, program, node, forward))


def _forward_key(forward: "ForwardSpec") -> tuple:
    return (_source_key(forward.model), forward.integrator, forward.drive, forward.target,
            forward.projected)


def _plan_forward(node_rb: ResolvedBlock, program, node, forward: Optional["ForwardSpec"]):
    """The ForwardPlan of a fused forward monitor on `node` (its ModelIR), or None."""
    if forward is None:
        return None
    from .ir.lower import lower_block
    from .plan.forward import plan_forward

    return plan_forward(lower_block(forward.model), get(forward.integrator).name,
                        lower_coupled(node_rb, program, node, forward.drive,
                                      "forward monitor drive"), forward.target,
                        projected=forward.projected)


def render_network(node_rb: ResolvedBlock, program, integrator: str, terms, key: str,
                   wiring=(), forward: Optional[ForwardSpec] = None) -> str:
    from .backends.numba.codegen import render_network_module

    return render_network_module(plan_network_kernel(node_rb, program, integrator, terms,
                                                     wiring, forward),
                                 cache_key=key, version=__version__)


def compile_network(node_rb: ResolvedBlock, integrator: Optional[str], terms, *,
                    dtype: str = "float64", program=None, wiring=(),
                    forward: Optional[ForwardSpec] = None) -> NodeKernel:
    """The cached fused network kernel of a node block with coupling `terms` (TermSpec) and
    an optional fused forward monitor."""
    scheme = get(integrator or DEFAULT).name
    key = network_key(node_rb, scheme, terms, dtype, wiring=wiring, forward=forward)
    module = cache.load(key, lambda: render_network(node_rb, program, scheme, terms, key,
                                                    wiring, forward))
    return NodeKernel(module, key, scheme)


#: the derivative kernels of a fused network kernel: "adjoint", the discrete adjoint (a
#: reverse sweep, plan/adjoint.py); "tangent", forward sensitivities along given directions
#: (plan/sensitivity.py)
DERIVATIVE_KINDS = ("adjoint", "tangent")


def adjoint_key(node: ResolvedBlock, integrator: str, terms, dtype: str = "float64",
                backend: str = "numba", wiring=(), kind: str = "adjoint") -> str:
    return cache.make_key(kind=kind, source=_source_key(node), integrator=integrator,
                          terms=[(t.name, _source_key(t.coupling), t.coupled, t.target)
                                 for t in terms], dtype=dtype, backend=backend,
                          wiring=_wiring_key(wiring))


def render_adjoint(node_rb: ResolvedBlock, program, integrator: str, terms, key: str,
                   wiring=(), kind: str = "adjoint") -> str:
    """The module text of a derivative kernel (`kind`: "adjoint" or "tangent")."""
    plan = plan_network_kernel(node_rb, program, integrator, terms, wiring)
    if kind == "tangent":
        from .backends.numba.tangent_codegen import render_tangent_module
        from .plan.sensitivity import plan_tangent

        return render_tangent_module(plan_tangent(plan), cache_key=key, version=__version__)
    from .backends.numba.adjoint_codegen import render_adjoint_module
    from .plan.adjoint import plan_adjoint

    return render_adjoint_module(plan_adjoint(plan), cache_key=key, version=__version__)


def compile_forward_adjoint(forward: ForwardSpec, *, dtype: str = "float64") -> NodeKernel:
    """The cached run-and-reverse kernels of a fused forward monitor's model on its own
    (plan/forward_adjoint.py): `forward_states`, `forward_outputs`, `forward_reverse`."""
    from .backends.numba.forward_adjoint_codegen import render_forward_adjoint_module
    from .ir.lower import lower_block
    from .plan.forward import plan_forward
    from .plan.forward_adjoint import plan_forward_adjoint

    scheme = get(forward.integrator).name
    key = cache.make_key(kind="forward_adjoint", source=_source_key(forward.model),
                         integrator=scheme, target=forward.target, dtype=dtype,
                         backend="numba")

    def render() -> str:
        import sympy as sp

        fplan = plan_forward(lower_block(forward.model), scheme, sp.Integer(0),
                             forward.target)
        return render_forward_adjoint_module(plan_forward_adjoint(fplan), cache_key=key,
                                             version=__version__)

    return NodeKernel(cache.load(key, render), key, scheme)


def adjoint_refusal(node_rb: ResolvedBlock, program, integrator: Optional[str], terms,
                    wiring=()) -> str:
    """Why the derivatives of this network kernel cannot be generated ('' when they can)."""
    from .plan.adjoint import refusal

    scheme = get(integrator or DEFAULT).name
    return refusal(plan_network_kernel(node_rb, program, scheme, terms, wiring))


def compile_adjoint(node_rb: ResolvedBlock, integrator: Optional[str], terms, *,
                    dtype: str = "float64", program=None, wiring=(),
                    kind: str = "adjoint") -> NodeKernel:
    """The cached derivative kernel of the fused network kernel: the discrete adjoint
    (plan/adjoint.py) or, with kind="tangent", the forward sensitivities
    (plan/sensitivity.py)."""
    if kind not in DERIVATIVE_KINDS:
        raise ValueError(f"kind must be one of {DERIVATIVE_KINDS}, got {kind!r}")
    scheme = get(integrator or DEFAULT).name
    key = adjoint_key(node_rb, scheme, terms, dtype, wiring=wiring, kind=kind)
    module = cache.load(key, lambda: render_adjoint(node_rb, program, scheme, terms, key,
                                                    wiring, kind))
    return NodeKernel(module, key, scheme)
