"""`brainmass check FILE...`: every diagnostic of .nmm files (exit 0 valid, 1 errors, 2 usage)."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from .base import (EXIT_ERRORS, EXIT_OK, EXIT_USAGE, CliError, Command, add_format_option,
                   add_path_option, out, plural, register, search_folders, with_shown_paths)


def _expand_inputs(items: Sequence[str]) -> List[str]:
    """Files as given; a folder stands for every .nmm file below it; '-' is stdin."""
    files: List[str] = []
    missing: List[str] = []
    for item in items:
        if item == "-":
            files.append(item)
            continue
        p = Path(item)
        if p.is_dir():
            found = sorted(str(f) for f in p.rglob("*.nmm"))
            if not found:
                raise CliError(f"no .nmm files in folder {item}", EXIT_USAGE)
            files.extend(found)
        elif p.is_file():
            files.append(item)
        else:
            missing.append(item)
    if missing:
        raise CliError("no such file: " + ", ".join(missing), EXIT_USAGE)
    return files


def check_file(file: str, search: Sequence[str] = ()) -> Tuple[list, Dict[str, str]]:
    """Diagnostics of one file (sorted) and the source texts they quote."""
    from ..frontend import NmmError, load_program

    try:
        if file == "-":
            program = load_program("<stdin>", text=sys.stdin.read(), search=search,
                                   raise_errors=False)
        else:
            program = load_program(file, search=search, raise_errors=False)
        bag = program.bag
    except NmmError as e:  # raise_errors=False should prevent it; be safe anyway
        bag = e.bag
    return with_shown_paths(bag.sorted(), bag)  # paths as the user would type them


def _configure_check(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="a .nmm file, a folder (every .nmm file below it) or '-' (stdin)")
    add_format_option(p)
    add_path_option(p)
    p.add_argument("-W", dest="warnings", choices=("error",), default=None,
                   help="'-W error': treat warnings as errors")
    p.add_argument("--warnings-as-errors", dest="warnings", action="store_const",
                   const="error", help="the same as -W error")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="print errors only (no warnings, no summary line on success)")


def run_check(args) -> int:
    files = _expand_inputs(args.files)
    search = search_folders(args)
    strict = args.warnings == "error"
    results = []
    n_err = n_warn = 0
    for f in files:
        diags, sources = check_file(f, search)
        if strict:
            diags = [replace(d, severity="error") if not d.is_error else d for d in diags]
        e = sum(1 for d in diags if d.is_error)
        w = len(diags) - e
        n_err, n_warn = n_err + e, n_warn + w
        results.append((f, diags, sources, e, w))
    if args.format == "json":
        payload = {
            "files": [{"file": "<stdin>" if f == "-" else f, "errors": e, "warnings": w,
                       "diagnostics": [d.to_json() for d in diags]}
                      for f, diags, _, e, w in results],
            "errors": n_err,
            "warnings": n_warn,
            "ok": n_err == 0,
        }
        out(json.dumps(payload, indent=2))
    else:
        for f, diags, sources, e, w in results:
            for d in diags:
                if args.quiet and not d.is_error:
                    continue
                out(d.render(sources))
                out()
        with_problems = sum(1 for r in results if r[3] or (r[4] and not args.quiet))
        checked = plural(len(results), "file") + " checked"
        if n_err or (n_warn and not args.quiet):
            parts = [plural(n_err, "error")]
            if not args.quiet:
                parts.append(plural(n_warn, "warning"))
            out(f"{', '.join(parts)} in {plural(with_problems, 'file')} ({checked})")
        elif not args.quiet:
            out(f"ok: {checked}, no problems")
    return EXIT_ERRORS if n_err else EXIT_OK


register(Command(
    name="check",
    help="check .nmm files for errors (syntax, names, units)",
    description="Parse and check .nmm files: syntax, names, structure and physical "
                "dimensions. Every problem is reported with file:line:col, a stable code "
                "(NMMxxx, see docs/language.md), the source line with a caret and a hint. "
                "Exit status: 0 when every file is valid (warnings allowed), 1 when there "
                "is an error, 2 on usage errors (e.g. a missing file).",
    examples="brainmass check my_model.nmm\n"
             "brainmass check models/                  # every .nmm file below a folder\n"
             "brainmass check --format json a.nmm b.nmm  # for editors and CI\n"
             "brainmass check -W error --path ~/nmm my_model.nmm",
    configure=_configure_check,
    run=run_check,
))
