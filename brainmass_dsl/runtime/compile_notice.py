"""The one line a user sees while a kernel compiles cold:

    brainmass: compiling Network[HopfStep] (first run; cached afterwards) ... 3.4 s

Numba compiles a kernel the first time it is called (3-11 s); later runs, in this process
or any other, load it from the cache and say nothing. The line goes to stderr (and to the
`brainmass_dsl.compile` logger at INFO). Silence it with `bm.environ.set(compile_notice=False)`
or the environment variable BRAINMASS_QUIET=1.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import time

from . import environ

log = logging.getLogger("brainmass_dsl.compile")
QUIET_ENV = "BRAINMASS_QUIET"


def enabled() -> bool:
    """Whether the notice is shown (environ `compile_notice`, else BRAINMASS_QUIET)."""
    setting = environ.get("compile_notice")
    if setting is not None:
        return bool(setting)
    return os.environ.get(QUIET_ENV, "").strip().lower() in ("", "0", "false", "no")


@contextlib.contextmanager
def compiling(kernel, parallel: bool, name: str):
    """Around the call that runs `kernel`: when that call compiles it (a cold start), say so
    before, and how long it took after."""
    if not kernel.cold(parallel):
        yield
        return
    show = enabled()
    text = f"compiling {name} (first run; cached afterwards)"
    if show:
        sys.stderr.write(f"brainmass: {text} ... ")
        sys.stderr.flush()
    t0 = time.perf_counter()
    ok = False
    try:
        yield
        ok = True
    finally:
        wall = time.perf_counter() - t0
        if show:
            sys.stderr.write(f"{wall:.1f} s\n" if ok else "failed\n")
            sys.stderr.flush()
        log.info("%s: %.1f s", text, wall)
