"""NMM119: a member that does not belong in this kind of block (e.g. `state` in a coupling)."""
from .. import ast

CODES = ("NMM119",)

_MODEL_ONLY = (ast.State, ast.Input, ast.Equation, ast.Output, ast.Couples)
_COUPLING_ONLY = (ast.Pre, ast.Post)


def _word(m) -> str:
    return {ast.State: "state", ast.Input: "input", ast.Equation: "d(x)/dt", ast.Output: "output",
            ast.Couples: "couples", ast.Pre: "pre", ast.Post: "post"}[type(m)]


def check(ctx):
    for m in ctx.rb.block.members:
        if ctx.is_coupling and isinstance(m, _MODEL_ONLY):
            ctx.report("NMM119", f"'{_word(m)}' cannot appear in a coupling", m.span,
                       "a coupling has parameters, lets, functions, pre(x_i, x_j) and post(s)")
        elif not ctx.is_coupling and isinstance(m, _COUPLING_ONLY):
            ctx.report("NMM119", f"'{_word(m)}' can only appear in a coupling block", m.span,
                       "declare it inside 'coupling NAME:' instead of a model")
