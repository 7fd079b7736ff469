"""The `brainmass` command line.

    brainmass check FILE...          check .nmm files (exit 0 valid, 1 errors, 2 usage)
    brainmass list                   the model catalogue
    brainmass show NAME|FILE[:BLOCK] describe a model (text or --markdown)

Adding a subcommand: write `configure(parser)` (its arguments) and `run(args) -> int`,
then register them in `COMMANDS` with `register(Command(...))`. User errors raise
`CliError` (a message and an exit code) and never print a traceback; `--debug` shows one
for unexpected exceptions.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .paths import shown_path

PROG = "brainmass"

EXIT_OK = 0
EXIT_ERRORS = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A user error: printed as `brainmass: error: MESSAGE`, exit with `code`."""

    def __init__(self, message: str, code: int = EXIT_ERRORS):
        super().__init__(message)
        self.code = code


@dataclass
class Command:
    """One subcommand: its name, texts for --help, its arguments and what it does."""

    name: str
    help: str                                    # one line, in `brainmass --help`
    description: str                             # a paragraph, in `brainmass NAME --help`
    examples: str                                # shown under "examples:" in the epilog
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    aliases: Tuple[str, ...] = ()


#: every subcommand, in the order `brainmass --help` lists them
COMMANDS: Dict[str, Command] = {}


def register(cmd: Command) -> Command:
    COMMANDS[cmd.name] = cmd
    return cmd


def version() -> str:
    try:
        from importlib.metadata import version as _v

        return _v("brainmass-dsl")
    except Exception:  # noqa: BLE001 - not installed (running from a checkout)
        return getattr(sys.modules.get("brainmass_dsl"), "__version__", "unknown")


# ---------------------------------------------------------------------------- shared options
def add_path_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--path", "-p", metavar="DIR", action="append", default=[],
                   help="an extra folder of .nmm models, searched before BRAINMASS_MODEL_PATH "
                        "and the built-in catalogue (repeatable)")


def add_format_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", "-f", choices=("text", "json"), default="text",
                   help="output format: text for people (default), json for editors and CI")


def _search(args) -> List[str]:
    return [os.path.expanduser(p) for p in getattr(args, "path", []) or []]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _out(text: str = "") -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")


# ---------------------------------------------------------------------------- check
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
    from .frontend import NmmError, load_program

    try:
        if file == "-":
            program = load_program("<stdin>", text=sys.stdin.read(), search=search,
                                   raise_errors=False)
        else:
            program = load_program(file, search=search, raise_errors=False)
        bag = program.bag
    except NmmError as e:  # raise_errors=False should prevent it; be safe anyway
        bag = e.bag
    # show paths as the user would type them
    names = {f: shown_path(f) for f in bag.sources}
    diags = []
    for d in bag.sorted():
        diags.append(replace(d, span=replace(d.span, file=names.get(d.span.file,
                                                                      shown_path(d.span.file)))))
    sources = {names.get(f, f): text for f, text in bag.sources.items()}
    return diags, sources


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
    search = _search(args)
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
        _out(json.dumps(payload, indent=2))
    else:
        for f, diags, sources, e, w in results:
            for d in diags:
                if args.quiet and not d.is_error:
                    continue
                _out(d.render(sources))
                _out()
        with_problems = sum(1 for r in results if r[3] or (r[4] and not args.quiet))
        checked = _plural(len(results), "file") + " checked"
        if n_err or (n_warn and not args.quiet):
            parts = [_plural(n_err, "error")]
            if not args.quiet:
                parts.append(_plural(n_warn, "warning"))
            _out(f"{', '.join(parts)} in {_plural(with_problems, 'file')} ({checked})")
        elif not args.quiet:
            _out(f"ok: {checked}, no problems")
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


# ---------------------------------------------------------------------------- list
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
    from .catalogue import list_blocks

    search = _search(args)
    for folder in search:
        if not Path(folder).exists():
            raise CliError(f"--path {folder}: no such folder", EXIT_USAGE)
    blocks = list_blocks(search)
    models = blocks.__class__([b for b in blocks if b.kind == "model"], blocks.problems)
    couplings = blocks.__class__([b for b in blocks if b.kind == "coupling"], blocks.problems)
    if args.category:
        known = sorted({b.category for b in blocks})
        if args.category not in known:
            from .frontend.checks.metadata import CATEGORIES
            from .frontend.suggest import suggest

            close = suggest(args.category, list(CATEGORIES) + known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else \
                f"; categories on the search path: {', '.join(known) or 'none'}"
            if args.category not in CATEGORIES:
                raise CliError(f"unknown category {args.category!r}{hint}")
        models = models.filter(args.category)
        couplings = couplings.filter(args.category)
    if args.format == "json":
        _out(json.dumps({
            "models": [m.to_dict() for m in models],
            "couplings": [c.to_dict() for c in couplings],
            "problems": [{"file": str(f), "message": msg} for f, msg in blocks.problems],
        }, indent=2))
        return EXIT_OK
    width = args.width
    if width is None and sys.stdout.isatty():
        import shutil

        width = shutil.get_terminal_size((100, 24)).columns
    if models:
        _out(models.to_table(width))
    if couplings:
        if models:
            _out()
        _out(f"couplings: {', '.join(c.name for c in couplings)}")
    if not models and not couplings:
        what = f"of category {args.category!r} " if args.category else ""
        _out(f"no models {what}on the search path")
    if blocks.problems:
        _err(f"\n{_plural(len(blocks.problems), 'file')} on the search path "
             f"{'has' if len(blocks.problems) == 1 else 'have'} errors (run 'brainmass check' "
             "on them):")
        for f, msg in blocks.problems:
            _err(f"  {shown_path(str(f))}: {msg}")
    return EXIT_OK


register(Command(
    name="list",
    help="list the models on the search path (the catalogue)",
    description="List every model of the catalogue: the built-in models/ folder, the folders "
                "in the BRAINMASS_MODEL_PATH environment variable (separated by "
                f"'{os.pathsep}') and --path folders. A new .nmm file in one of them appears "
                "here without touching Python. The table shows the name, category, number of "
                "state variables and use case (the 'use_case:' metadata, or the first sentence "
                "of the docstring); couplings are listed below it. Files that cannot be parsed are "
                "reported on the standard error; 'brainmass check' runs every check.",
    examples="brainmass list\n"
             "brainmass list --category physiological\n"
             "brainmass list --path ~/my_models --format json\n"
             f"BRAINMASS_MODEL_PATH=~/my_models{os.pathsep}~/lab_models brainmass list",
    configure=_configure_list,
    run=run_list,
))


# ---------------------------------------------------------------------------- show
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
    names = {f: shown_path(f) for f in bag.sources}
    sources = {names.get(f, f): t for f, t in bag.sources.items()}
    return "\n\n".join(replace(d, span=replace(d.span, file=names.get(
        d.span.file, shown_path(d.span.file)))).render(sources) for d in diags)


def _load(path, search) -> "object":
    """The program of a file; a file that does not even parse is a CliError."""
    from .frontend import load_program

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


def _resolve_targets(args) -> List[Tuple[object, str]]:
    """(program, block name) for every target of `show`."""
    from .catalogue import AmbiguousNameError, UnknownModelError, find_model, list_blocks

    search = _search(args)
    out: List[Tuple[object, str]] = []
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
                out.append(_checked(programs[key], b.name))
            except CliError as e:
                _err(f"warning: skipping {b.name}: {str(e).splitlines()[0].rstrip(':')}")
        return out
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
                out.extend(_checked(program, n) for n in program.main_blocks)
                continue
            try:
                name = program.block(block).name
            except KeyError:
                from .frontend.suggest import suggest

                close = suggest(block, program.main_blocks, n=3)
                raise CliError(f"{file} has no block named {block!r}"
                               + (f"; did you mean {', '.join(close)}?" if close else
                                  f"; it defines {', '.join(program.main_blocks)}")) from None
            out.append(_checked(program, name))
            continue
        try:
            path, name = find_model(block, search)
        except (UnknownModelError, AmbiguousNameError) as e:
            raise CliError(str(e)) from None
        program = _load(path, search)
        if name not in program.resolved:
            raise CliError(f"{shown_path(str(path))} no longer defines {name!r}")
        out.append(_checked(program, name))
    return out


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
    from .describe import describe, render_markdown, render_markdown_catalogue, render_text

    if args.targets and args.all:
        raise CliError("give model names or --all, not both", EXIT_USAGE)
    search = _search(args)
    descs = [describe(program.block(name), program, search)
             for program, name in _resolve_targets(args)]
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
        _out(text)
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


# ---------------------------------------------------------------------------- parser, main
class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog):
        super().__init__(prog, max_help_position=32)


def _epilog(examples: str) -> str:
    return "examples:\n" + textwrap.indent(examples, "  ")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=_Formatter,
        description=textwrap.fill(
            "brainmass compiles whole-brain neural-mass models written in .nmm files "
            "(equations with physical units) into fast Numba/CUDA kernels. Models are found "
            "in the built-in catalogue, in BRAINMASS_MODEL_PATH folders and in --path "
            "folders. Run 'brainmass COMMAND --help' for the options of a command.", 88),
        epilog=_epilog("brainmass list\n"
                       "brainmass show JansenRitStep\n"
                       "brainmass check my_model.nmm") +
        "\n\nThe language is described in docs/language.md.",
    )
    parser.add_argument("--version", "-V", action="version", version=f"{PROG} {version()}")
    parser.add_argument("--debug", action="store_true",
                        help="show a Python traceback on internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, aliases=list(cmd.aliases),
                           description=textwrap.fill(cmd.description, 88),
                           epilog=_epilog(cmd.examples), formatter_class=_Formatter)
        cmd.configure(p)
        p.set_defaults(_command=cmd)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]); return the exit status."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version (0) and usage errors (2)
        code = e.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USAGE)
    cmd: Optional[Command] = getattr(args, "_command", None)
    if cmd is None:
        parser.print_usage(sys.stderr)
        _err(f"{PROG}: error: choose a command: {', '.join(COMMANDS)} "
             f"(see '{PROG} --help')")
        return EXIT_USAGE
    try:
        return int(cmd.run(args) or EXIT_OK)
    except CliError as e:
        _err(f"{PROG} {cmd.name}: error: {e}")
        return e.code
    except KeyboardInterrupt:
        _err(f"{PROG}: interrupted")
        return 130
    except BrokenPipeError:  # e.g. `brainmass list | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 - never a bare traceback for users
        from .backends.cache import CacheError
        from .frontend import NmmError

        if isinstance(e, NmmError):
            _err(e.bag.render())
            return EXIT_ERRORS
        if isinstance(e, CacheError):   # the user's folder, not a bug: say which and why
            _err(f"{PROG} {cmd.name}: error: {e}")
            return EXIT_ERRORS
        if args.debug or os.environ.get("BRAINMASS_DEBUG"):
            raise
        _err(f"{PROG} {cmd.name}: internal error: {type(e).__name__}: {e}\n"
             f"(this is a bug in brainmass; rerun with '{PROG} --debug {cmd.name} ...' for "
             "the traceback and report it)")
        return 3


from . import commands  # noqa: E402,F401  (registers simulate, compile, cache)

if __name__ == "__main__":
    sys.exit(main())
