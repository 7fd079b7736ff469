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


def _source_key(rb: ResolvedBlock) -> str:
    from .frontend.printer import format_member

    return rb.kind + " " + rb.name + "\n" + "\n".join(format_member(m) for m in rb.members)


def node_key(rb: ResolvedBlock, integrator: str, dtype: str = "float64",
             backend: str = "numba") -> str:
    return cache.make_key(kind="nodes", source=_source_key(rb), integrator=integrator,
                          dtype=dtype, backend=backend)


def render_nodes(rb: ResolvedBlock, integrator: str, key: str, program=None) -> str:
    """Generate the module text (lowering, integration, printing)."""
    from .backends.numba.codegen import render_nodes_module
    from .integrators.step import build_step
    from .ir.lower import lower_block

    model = lower_block(rb, program)
    step = build_step(model, integrator)
    return render_nodes_module(step, cache_key=key, version=__version__)


def compile_nodes(rb: ResolvedBlock, integrator: Optional[str] = None, *,
                  dtype: str = "float64", program=None) -> NodeKernel:
    """The cached kernel of `rb` integrated with `integrator` (default exp_euler)."""
    scheme = get(integrator or DEFAULT).name
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, not {dtype!r}")
    key = node_key(rb, scheme, dtype)
    module = cache.load(key, lambda: render_nodes(rb, scheme, key, program))
    return NodeKernel(module, key, scheme)
