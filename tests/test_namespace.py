"""Compiler temporaries never share a name with a model quantity.

The bug this pins: a parameter `_h0` was merged with the hoisting temporary `_h0`, and
`d(y)/dt = _h0 * w * y` silently got the wrong sign. The front end refuses such names
(NMM122) and the IR passes number their temporaries past every name in use.
"""
from __future__ import annotations

import pytest
import sympy as sp

from brainmass_dsl.frontend.diagnostics import NmmError
from brainmass_dsl.frontend.program import load_program
from brainmass_dsl.ir.analysis import Assign, cse, hoist_subexpressions, schedule_calls_early

ISSUE_MODEL = """\
model M:
    parameter _h0 = 2 /ms
    parameter w = 1.0
    state x = 1.0
    state y = 1.0
    d(x)/dt = -_h0 * x
    d(y)/dt = _h0 * w * y
"""


def test_the_colliding_model_is_refused_with_its_place_and_a_hint():
    with pytest.raises(NmmError) as info:
        load_program("m.nmm", text=ISSUE_MODEL)
    d = [x for x in info.value.diagnostics if x.code == "NMM122"]
    assert [(x.span.line, x.span.col) for x in d] == [(2, 15)]
    assert "_h0" in d[0].message and "'h0'" in d[0].hint
    text = str(info.value)
    assert "m.nmm:2:15" in text and "^^^" in text


@pytest.mark.parametrize("name", ["x__next", "noise_x__sigma", "_c0", "__y"])
def test_every_kind_of_generated_name_is_refused(name):
    src = f"model M:\n    state {name} = 1.0\n    d({name})/dt = -{name} / (1 ms)\n"
    with pytest.raises(NmmError) as info:
        load_program("m.nmm", text=src)
    assert {d.code for d in info.value.diagnostics} == {"NMM122"}


def _evaluate(assigns, values):
    env = dict(values)
    for a in assigns:
        env[a.target] = a.expr.xreplace(env)
    return env


def test_ir_temporaries_are_numbered_past_names_already_in_use():
    # quantities that look like temporaries (as a model reaching the IR by another route
    # could have): every pass must leave their values alone
    h0, c0, f0, w, x, y, dx, dy = sp.symbols("_h0 _c0 _f0 w x y dx dy", real=True)
    body = [Assign(dx, -h0 * x + c0 * sp.exp(f0 * x)), Assign(dy, h0 * w * y + c0 * sp.exp(f0 * x))]
    values = {h0: 2.0, c0: 0.5, f0: -0.25, w: 3.0, x: 1.5, y: -0.7}
    want = _evaluate(body, values)
    pre, rest = hoist_subexpressions(body, [h0, c0, f0, w])
    pre2, rest = cse(rest, [h0, c0, f0, w] + [a.target for a in pre])
    out = pre + pre2 + schedule_calls_early(rest)
    generated = {a.target for a in out} - {dx, dy}
    assert generated and not generated & {h0, c0, f0}
    got = _evaluate(out, values)
    assert float(got[dx]) == pytest.approx(float(want[dx]), rel=1e-15)
    assert float(got[dy]) == pytest.approx(float(want[dy]), rel=1e-15)
