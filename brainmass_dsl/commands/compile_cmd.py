"""`brainmass compile`: generate (and optionally keep) a model's kernel source."""
from __future__ import annotations

import shutil
from pathlib import Path

from .base import CliError, Command, out, register
from .model_target import model_class


def _configure(p):
    p.add_argument("model", help="catalogue model name or alias, FILE.nmm or FILE.nmm:BLOCK")
    p.add_argument("--backend", default="numba", choices=["numba"], help="target (numba)")
    p.add_argument("--integrator", default=None, help="integration scheme (default exp_euler)")
    p.add_argument("--emit", default=None, metavar="DIR", help="write the generated source here")
    p.add_argument("--path", action="append", default=[], metavar="DIR",
                   help="extra folder of .nmm models (repeatable)")


def _run(args) -> int:
    from ..compiler import compile_nodes
    from ..integrators.step import SchemeRefused

    cls = model_class(args.model, args.path)
    try:
        kernel = compile_nodes(cls._block, args.integrator, program=cls._program)
    except (SchemeRefused, ValueError) as e:
        raise CliError(str(e)) from None
    out(f"{cls.__name__}: {kernel.scheme} kernel {kernel.key} at {kernel.path}")
    if args.emit:
        folder = Path(args.emit)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{cls.__name__}_{kernel.scheme}_{args.backend}.py"
        shutil.copyfile(kernel.path, target)
        out(f"source -> {target}")
    return 0


register(Command(
    name="compile",
    help="generate a model's kernel (cached) and optionally write its source",
    description="Parse, check, lower and print a model's kernel for a backend; the module is "
                "cached (BRAINMASS_CACHE_DIR). --emit DIR copies the readable source there.",
    examples="brainmass compile JansenRitStep --integrator heun --emit build/\n"
             "brainmass compile my_model.nmm:MyOscillator --backend numba",
    configure=_configure, run=_run))
