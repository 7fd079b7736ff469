"""`brainmass cache info|clear`: the on-disk kernel cache."""
from __future__ import annotations

from .base import Command, out, register


def _configure(p):
    p.add_argument("action", choices=["info", "clear"], help="show or empty the cache")


def _run(args) -> int:
    from ..backends import cache

    if args.action == "info":
        i = cache.info()
        out(f"cache folder : {i['path']}\nkernels      : {i['modules']}\n"
            f"files        : {i['files']}\nsize         : {i['bytes'] / 1e6:.1f} MB")
    else:
        out(f"removed {cache.clear()} files")
    return 0


register(Command(
    name="cache",
    help="show or clear the compiled-kernel cache",
    description="Compiled kernels live in BRAINMASS_CACHE_DIR (default: the user cache "
                "folder); 'info' shows where and how much, 'clear' deletes them.",
    examples="brainmass cache info\nbrainmass cache clear",
    configure=_configure, run=_run))
