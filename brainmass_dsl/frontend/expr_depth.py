"""A limit on how deeply expressions nest: later stages walk them recursively."""
from __future__ import annotations

from dataclasses import fields
from typing import List

from . import ast
from .diagnostics import DiagnosticBag

#: deepest expression tree accepted; later stages (checks, SymPy, printers) walk expressions
#: recursively, and a deeper tree would exhaust Python's stack there
MAX_EXPR_DEPTH = 200


def _expr_depth(expr) -> int:
    best, stack = 0, [(expr, 1)]
    while stack:
        e, d = stack.pop()
        best = max(best, d)
        if isinstance(e, ast.BinOp):
            stack += [(e.left, d + 1), (e.right, d + 1)]
        elif isinstance(e, ast.UnaryOp):
            stack.append((e.operand, d + 1))
        elif isinstance(e, ast.Call):
            stack += [(a, d + 1) for a in e.args]
    return best


def _member_depth(m) -> int:
    exprs = []
    for f in fields(m):
        v = getattr(m, f.name)
        if isinstance(v, ast.Bounds):
            exprs += [v.lo, v.hi]
        elif isinstance(v, (ast.Num, ast.Name, ast.BinOp, ast.UnaryOp, ast.Call)):
            exprs.append(v)
    return max((_expr_depth(e) for e in exprs), default=0)


def drop_too_deep(module: ast.Module, lines: List[str], bag: DiagnosticBag,
                   removed: List[str]) -> ast.Module:
    """Report (NMM001) and drop the statements whose expressions nest too deeply."""
    blocks = []
    for b in module.blocks:
        keep = []
        for m in b.members:
            depth = _member_depth(m)
            if depth > MAX_EXPR_DEPTH:
                bag.add("NMM001", f"expression nested too deeply ({depth} levels; at most "
                        f"{MAX_EXPR_DEPTH} are allowed)", m.span,
                        "split it into several 'let' declarations")
                removed.extend(lines[m.span.line - 1:m.span.end_line])
            else:
                keep.append(m)
        blocks.append(b if len(keep) == len(b.members) else ast.with_members(b, keep))
    return module if blocks == list(module.blocks) and all(
        x is y for x, y in zip(blocks, module.blocks)) else ast.Module(
        module.file, module.imports, tuple(blocks))
