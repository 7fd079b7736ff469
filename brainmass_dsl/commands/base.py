"""What every subcommand shares: the `Command` record and its registry, user errors and exit
codes, output, the common options, and diagnostics with paths shown as a user types them."""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Tuple

from ..paths import shown_path

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


# ---------------------------------------------------------------------------- output
def out(text: str = "") -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def with_shown_paths(diags, bag) -> Tuple[list, Dict[str, str]]:
    """`diags` and the source texts they quote, their files shown as `paths.shown_path`."""
    names = {f: shown_path(f) for f in bag.sources}
    shown = [replace(d, span=replace(d.span, file=names.get(d.span.file,
                                                            shown_path(d.span.file))))
             for d in diags]
    return shown, {names.get(f, f): text for f, text in bag.sources.items()}


# ---------------------------------------------------------------------------- shared options
def add_path_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--path", "-p", metavar="DIR", action="append", default=[],
                   help="an extra folder of .nmm models, searched before BRAINMASS_MODEL_PATH "
                        "and the built-in catalogue (repeatable)")


def add_format_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", "-f", choices=("text", "json"), default="text",
                   help="output format: text for people (default), json for editors and CI")


def search_folders(args) -> List[str]:
    """The --path folders of `args`, with ~ expanded."""
    return [os.path.expanduser(p) for p in getattr(args, "path", []) or []]
