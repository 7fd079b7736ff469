"""Semantic rules, one per module. Each module has `CODES` and `check(ctx)`.

`run_checks(program)` runs every rule on every resolved block and collects all
diagnostics; the driver stops before code generation if any is an error.
"""
from __future__ import annotations

import re
from typing import Dict, Optional

from ..diagnostics import DiagnosticBag
from . import (block_members, bounds, constants, coupling_shape, delays, dimensions, duplicates,
               equations, function_calls, let_cycles, metadata, noise_placement, random_init,
               reserved_names, shadowed_units, undefined_names, unit_literals, unused)
from ..symbols import BlockContext

RULES = [block_members, duplicates, reserved_names, unit_literals, shadowed_units,
         undefined_names, equations, let_cycles, function_calls, noise_placement, coupling_shape,
         constants, random_init, metadata, delays, bounds, dimensions, unused]

#: codes that may be caused by a statement that error recovery dropped
_NAME_CODES = {"NMM101", "NMM103", "NMM104", "NMM113", "NMM301", "NMM302"}


def run_checks(program, removed: Optional[Dict[str, str]] = None) -> None:
    """Check every resolved block of `program`; diagnostics go to `program.bag`.

    Warnings are kept for blocks of the main file only. Errors that a statement dropped
    by syntax-error recovery could explain (e.g. an undefined name declared on a broken
    line) are left out, so that one typo does not produce a cascade.
    """
    removed = removed or {}
    for name, rb in program.resolved.items():
        local = DiagnosticBag()
        ctx = BlockContext.build(rb, local, program)
        for rule in RULES:
            rule.check(ctx)
        for d in local.items:
            if not d.is_error and rb.name not in program.main_blocks:
                continue
            dropped = removed.get(d.span.file, "") or removed.get(rb.file, "")
            if dropped and d.code in _NAME_CODES:
                words = set(re.findall(r"[A-Za-z_]\w*", dropped))
                if set(re.findall(r"'([A-Za-z_]\w*)'", d.message)) & words:
                    continue
            program.bag.items.append(d) if d not in program.bag.items else None
