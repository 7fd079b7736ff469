"""NMM102: a name declared twice in one block, or a declaration that hides a built-in name."""
from .. import ast
from ..builtins import is_builtin_name
from ..resolve import member_key
from ..symbols import name_span

CODES = ("NMM102",)


def check(ctx):
    seen = {}
    for m in ctx.rb.block.members:
        key = member_key(m)
        if key is None:
            continue
        if key in seen:
            first = seen[key]
            what = f"d({m.state})/dt" if isinstance(m, ast.Equation) else \
                ("couples" if key[0] == "couples" else
                 (key[0] if key[0] in ("pre", "post") else f"'{key[1]}'"))
            ctx.report("NMM102", f"{what} is declared twice (first on line {first.span.line})",
                       name_span(m), "remove or rename one of the two declarations")
            continue
        seen[key] = m
        name = getattr(m, "name", None)
        if key[0] == "name" and name and is_builtin_name(name):
            ctx.report("NMM102", f"'{name}' is a built-in name and cannot be redeclared",
                       name_span(m), "choose another name (built-ins: functions such as exp, "
                       "constants pi and inf, time t, noises xi, xi_1, ...)")
