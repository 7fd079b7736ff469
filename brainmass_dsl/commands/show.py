"""`brainmass show NAME|FILE[:BLOCK]`: describe models for people (text or --markdown)."""
from __future__ import annotations

import argparse
from pathlib import Path

from .base import (EXIT_OK, EXIT_USAGE, CliError, Command, add_path_option, out, register,
                   search_folders)
from .targets import resolve_targets


def _configure_show(p: argparse.ArgumentParser) -> None:
    p.add_argument("targets", nargs="*", metavar="NAME|FILE[:BLOCK]",
                   help="a model name or alias from the catalogue, a .nmm file (every block "
                        "in it) or FILE:BLOCK")
    p.add_argument("--markdown", "--md", action="store_true",
                   help="Markdown: a section per model with parameter tables (for docs)")
    p.add_argument("--all", action="store_true",
                   help="every model and coupling on the search path (with --markdown: a "
                        "whole catalogue document, as docs/models.md)")
    p.add_argument("--category", "-c", metavar="CATEGORY", help="with --all: only this category")
    p.add_argument("--output", "-o", metavar="FILE",
                   help="write to FILE instead of the standard output")
    add_path_option(p)


def run_show(args) -> int:
    from ..describe import describe, render_markdown, render_markdown_catalogue, render_text

    if args.targets and args.all:
        raise CliError("give model names or --all, not both", EXIT_USAGE)
    search = search_folders(args)
    descs = [describe(program.block(name), program, search)
             for program, name in resolve_targets(args)]
    if args.markdown and args.all:
        text = render_markdown_catalogue(descs)
    elif args.markdown:
        text = "\n".join(render_markdown(d) for d in descs)
    else:
        text = "\n".join(render_text(d) for d in descs)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as e:
            raise CliError(f"cannot write {args.output}: {e.strerror or e}") from None
    else:
        out(text)
    return EXIT_OK


register(Command(
    name="show",
    help="describe a model: equations, parameters, states, inputs, outputs",
    description="Describe a model for people: its docstring, category, aliases, references, "
                "the extends chain, parameters (default as written, unit, bounds, "
                "description), states, inputs, functions, lets, equations, outputs and what "
                "it couples. NAME is a catalogue name or alias (see 'brainmass list'); a .nmm "
                "file shows every block in it, FILE:BLOCK one of them. --markdown writes a "
                "section per model with parameter tables (the source of docs/models.md).",
    examples="brainmass show JansenRitStep\n"
             "brainmass show my_model.nmm:MyOscillator\n"
             "brainmass show --markdown HopfStep WilsonCowanStep\n"
             "brainmass show --all --markdown -o docs/models.md",
    configure=_configure_show,
    run=run_show,
))
