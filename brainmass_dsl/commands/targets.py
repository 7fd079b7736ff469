"""What `brainmass show` describes: its targets (NAME, FILE, FILE:BLOCK or --all) as checked
(program, block name) pairs; a target with errors is a `CliError` listing them."""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple

from ..paths import shown_path
from .base import EXIT_USAGE, CliError, err, search_folders, with_shown_paths


def _split_target(target: str) -> Tuple[Optional[str], Optional[str]]:
    """'file.nmm:Block' -> (file, Block); 'file.nmm' -> (file, None); 'Name' -> (None, Name)."""
    if os.path.exists(target):
        return target, None
    head, sep, block = target.rpartition(":")
    if sep and block.isidentifier() and head and (os.path.exists(head) or
                                                  head.endswith(".nmm")):
        return head, block
    if target.endswith(".nmm") or os.sep in target or (os.altsep and os.altsep in target):
        return target, None
    return None, target


def _render_diagnostics(diags, bag) -> str:
    shown, sources = with_shown_paths(diags, bag)
    return "\n\n".join(d.render(sources) for d in shown)


def _load(path, search) -> "object":
    """The program of a file; a file that does not even parse is a CliError."""
    from ..frontend import load_program

    program = load_program(path, search=search, raise_errors=False)
    if not program.resolved and program.bag.errors:
        raise CliError(f"{shown_path(str(path))} has errors; fix them first (brainmass check "
                       f"{shown_path(str(path))}):\n\n"
                       + _render_diagnostics(program.bag.errors, program.bag))
    return program


def _errors_of(program, name: str) -> list:
    """The errors located in block `name` or in one of its bases."""
    rb = program.resolved[name]
    spans = [rb.block.span] + [program.resolved[b].block.span for b in rb.bases
                               if b in program.resolved]
    return [d for d in program.bag.errors
            if any(d.span.file == s.file and s.line <= d.span.line <= s.end_line
                   for s in spans)]


def _checked(program, name: str) -> Tuple[object, str]:
    """(program, name) when block `name` has no errors, else a CliError listing them.

    Errors elsewhere in the file do not prevent describing a valid block."""
    errors = _errors_of(program, name)
    if errors:
        where = shown_path(program.resolved[name].file)
        raise CliError(f"{name} has errors; fix them first (brainmass check {where}):\n\n"
                       + _render_diagnostics(errors, program.bag))
    return program, name


def resolve_targets(args) -> List[Tuple[object, str]]:
    """(program, block name) for every target of `show`."""
    from ..catalogue import AmbiguousNameError, UnknownModelError, find_model, list_blocks

    search = search_folders(args)
    found: List[Tuple[object, str]] = []
    if args.all:
        blocks = list_blocks(search)
        if args.category:
            blocks = blocks.filter(args.category)
        programs: Dict[str, object] = {}
        for b in blocks:
            try:
                key = str(b.path)
                if key not in programs:
                    programs[key] = _load(b.path, search)
                found.append(_checked(programs[key], b.name))
            except CliError as e:
                err(f"warning: skipping {b.name}: {str(e).splitlines()[0].rstrip(':')}")
        return found
    if not args.targets:
        raise CliError("name a model (or a file), or use --all; see 'brainmass list'",
                       EXIT_USAGE)
    for target in args.targets:
        file, block = _split_target(target)
        if file is not None:
            if not os.path.isfile(file):
                raise CliError(f"no such file: {file}", EXIT_USAGE)
            program = _load(file, search)
            if block is None:
                if not program.main_blocks:
                    raise CliError(f"{file} defines no model")
                found.extend(_checked(program, n) for n in program.main_blocks)
                continue
            try:
                name = program.block(block).name
            except KeyError:
                from ..frontend.suggest import suggest

                close = suggest(block, program.main_blocks, n=3)
                raise CliError(f"{file} has no block named {block!r}"
                               + (f"; did you mean {', '.join(close)}?" if close else
                                  f"; it defines {', '.join(program.main_blocks)}")) from None
            found.append(_checked(program, name))
            continue
        try:
            path, name = find_model(block, search)
        except (UnknownModelError, AmbiguousNameError) as e:
            raise CliError(str(e)) from None
        program = _load(path, search)
        if name not in program.resolved:
            raise CliError(f"{shown_path(str(path))} no longer defines {name!r}")
        found.append(_checked(program, name))
    return found
