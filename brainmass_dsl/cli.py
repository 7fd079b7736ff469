"""The `brainmass` command line: the argument parser over the subcommands, and `main`.

    brainmass check FILE...          check .nmm files (exit 0 valid, 1 errors, 2 usage)
    brainmass list                   the model catalogue
    brainmass show NAME|FILE[:BLOCK] describe a model (text or --markdown)

Adding a subcommand: write a module in `commands/` with `configure(parser)` (its arguments)
and `run(args) -> int`, register them with `register(Command(...))` (`commands.base`) and
import the module in `commands/__init__.py`. User errors raise `CliError` (a message and an
exit code) and never print a traceback; `--debug` shows one for unexpected exceptions.
"""
from __future__ import annotations

import argparse
import os
import sys
import textwrap
from typing import Optional, Sequence

from . import commands  # noqa: F401  (registers every subcommand)
from .commands.base import (COMMANDS, EXIT_ERRORS, EXIT_OK, EXIT_USAGE, PROG, CliError,
                            Command, err, register)
from .commands.check import check_file

__all__ = ["main", "build_parser", "version", "COMMANDS", "Command", "CliError", "register",
           "check_file", "PROG", "EXIT_OK", "EXIT_ERRORS", "EXIT_USAGE"]


def version() -> str:
    try:
        from importlib.metadata import version as _v

        return _v("brainmass-dsl")
    except Exception:  # noqa: BLE001 - not installed (running from a checkout)
        return getattr(sys.modules.get("brainmass_dsl"), "__version__", "unknown")


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
        err(f"{PROG}: error: choose a command: {', '.join(COMMANDS)} "
            f"(see '{PROG} --help')")
        return EXIT_USAGE
    try:
        return int(cmd.run(args) or EXIT_OK)
    except CliError as e:
        err(f"{PROG} {cmd.name}: error: {e}")
        return e.code
    except KeyboardInterrupt:
        err(f"{PROG}: interrupted")
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
            err(e.bag.render())
            return EXIT_ERRORS
        if isinstance(e, CacheError):   # the user's folder, not a bug: say which and why
            err(f"{PROG} {cmd.name}: error: {e}")
            return EXIT_ERRORS
        if args.debug or os.environ.get("BRAINMASS_DEBUG"):
            raise
        err(f"{PROG} {cmd.name}: internal error: {type(e).__name__}: {e}\n"
            f"(this is a bug in brainmass; rerun with '{PROG} --debug {cmd.name} ...' for "
            "the traceback and report it)")
        return 3


if __name__ == "__main__":
    sys.exit(main())
