"""`brainmass list`: the models and couplings on the search path (the catalogue)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..paths import shown_path
from .base import (EXIT_OK, EXIT_USAGE, CliError, Command, add_format_option, add_path_option,
                   err, out, plural, register, search_folders)


def _configure_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--category", "-c", metavar="CATEGORY",
                   help="only this category (phenomenological, physiological, network, noise, "
                        "forward, coupling, ...)")
    add_format_option(p)
    add_path_option(p)
    p.add_argument("--width", type=int, default=None,
                   help="truncate the use-case column to fit this many characters "
                        "(default: the terminal width when printing to a terminal)")


def run_list(args) -> int:
    from ..catalogue import list_blocks

    search = search_folders(args)
    for folder in search:
        if not Path(folder).exists():
            raise CliError(f"--path {folder}: no such folder", EXIT_USAGE)
    blocks = list_blocks(search)
    models = blocks.__class__([b for b in blocks if b.kind == "model"], blocks.problems)
    couplings = blocks.__class__([b for b in blocks if b.kind == "coupling"], blocks.problems)
    if args.category:
        known = sorted({b.category for b in blocks})
        if args.category not in known:
            from ..frontend.checks.metadata import CATEGORIES
            from ..frontend.suggest import suggest

            close = suggest(args.category, list(CATEGORIES) + known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else \
                f"; categories on the search path: {', '.join(known) or 'none'}"
            if args.category not in CATEGORIES:
                raise CliError(f"unknown category {args.category!r}{hint}")
        models = models.filter(args.category)
        couplings = couplings.filter(args.category)
    if args.format == "json":
        out(json.dumps({
            "models": [m.to_dict() for m in models],
            "couplings": [c.to_dict() for c in couplings],
            "problems": [{"file": str(f), "message": msg} for f, msg in blocks.problems],
        }, indent=2))
        return EXIT_OK
    width = args.width
    if width is None and sys.stdout.isatty():
        import shutil

        width = shutil.get_terminal_size((100, 24)).columns
    noise = [m for m in models if m.category == "noise"]
    models = models.__class__([m for m in models if m.category != "noise"], models.problems)
    if models:
        out(models.to_table(width))
    if noise:
        if models:
            out()
        out(_noise_table(noise, width))
    if couplings:
        if models:
            out()
        out(f"couplings: {', '.join(c.name for c in couplings)}")
    if not models and not couplings and not noise:
        what = f"of category {args.category!r} " if args.category else ""
        out(f"no models {what}on the search path")
    if blocks.problems:
        err(f"\n{plural(len(blocks.problems), 'file')} on the search path "
            f"{'has' if len(blocks.problems) == 1 else 'have'} errors (run 'brainmass check' "
            "on them):")
        for f, msg in blocks.problems:
            err(f"  {shown_path(str(f))}: {msg}")
    return EXIT_OK


NOISE_HEADER = ("noise processes: wire one into a model input, e.g. bm.HopfStep(68, "
                "noise_x=bm.OUProcess(1, sigma=0.1, tau=5.0)), or into a network's coupled "
                "input with Network(..., noise=...); values are read in the input's unit. "
                "On the command line, simulate --noise SIGMA adds GaussianNoise.")


def _noise_table(noise, width) -> str:
    """The noise processes with what a user sets: their parameters (defaults) and use."""
    import textwrap

    rows = [(m.name, ", ".join(m.parameters) or "-", m.use_case) for m in noise]
    header = ("name", "parameters (defaults)", "use_case")
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(2)]
    room = None if width is None else max(10, width - sum(widths) - 4)

    def line(cells):
        last = cells[2] if room is None or len(cells[2]) <= room else cells[2][:room - 3] + "..."
        return f"{cells[0].ljust(widths[0])}  {cells[1].ljust(widths[1])}  {last}".rstrip()

    intro = textwrap.fill(NOISE_HEADER, width or 100)
    return "\n".join([intro, line(header), line(["-" * widths[0], "-" * widths[1], "-" * 8])]
                     + [line(r) for r in rows])


register(Command(
    name="list",
    help="list the models on the search path (the catalogue)",
    description="List every model of the catalogue: the built-in models/ folder, the folders "
                "in the BRAINMASS_MODEL_PATH environment variable (separated by "
                f"'{os.pathsep}') and --path folders. A new .nmm file in one of them appears "
                "here without touching Python. The table shows the name, category, number of "
                "state variables and use case (the 'use_case:' metadata, or the first sentence "
                "of the docstring); the noise processes follow with their parameters, then "
                "the couplings. Files that cannot be parsed are "
                "reported on the standard error; 'brainmass check' runs every check.",
    examples="brainmass list\n"
             "brainmass list --category physiological\n"
             "brainmass list --path ~/my_models --format json\n"
             f"BRAINMASS_MODEL_PATH=~/my_models{os.pathsep}~/lab_models brainmass list",
    configure=_configure_list,
    run=run_list,
))
