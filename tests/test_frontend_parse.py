"""Parsing: every valid fixture loads clean, and the AST has the shape the language promises."""
from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from brainmass_dsl.frontend import ast, parser
from brainmass_dsl.frontend.diagnostics import DiagnosticBag, NmmError
from brainmass_dsl.frontend.parser import parse
from brainmass_dsl.frontend.program import load_program

HERE = Path(__file__).parent
VALID = HERE / "valid"
VALID_FILES = sorted(VALID.glob("*.nmm"))

#: warnings a valid fixture is allowed to produce (none so far), by file name
ALLOWED_WARNINGS: dict = {}

ISSUE_EXAMPLE = '''model DampedOscillator:
    """A damped linear oscillator."""
    category: phenomenological
    aliases: DampedOscillatorStep

    parameter omega = 0.05 /ms      "angular frequency"
    parameter zeta  = 0.1           "damping ratio" in [0, 1]
    let gamma = 2 * zeta * omega
    function spring(y) = omega**2 * y
    input  u = 0 /ms**2             "forcing"
    state  x = 1.0
    state  v = 0 /ms
    d(x)/dt = v
    d(v)/dt = -gamma * v - spring(x) + u + sigma_v * xi
    parameter sigma_v = 0 ms**-1.5  "noise amplitude"
    output position = x
    couples x

coupling Diffusive:
    parameter k = 1.0
    pre(x_i, x_j) = x_j - x_i
    post(s) = k * s

model DampedOscillatorSoft extends DampedOscillator:
    parameter zeta = 0.05
    replace d(v)/dt = -gamma * v - spring(x) + u
'''


def module_of(text: str) -> ast.Module:
    bag = DiagnosticBag()
    result = parse(text, "t.nmm", bag)
    assert not bag.items, bag.render()
    return result.module


def expr_of(text: str) -> ast.Expr:
    (let,) = module_of(f"model M:\n    let a = {text}\n").blocks[0].members
    return let.expr


N, B, U, C = ast.Name, ast.BinOp, ast.UnaryOp, ast.Call


def num(v, unit=None):
    return ast.Num(float(v), unit)


# ------------------------------------------------------------------ fixtures
def test_doctests():
    res = doctest.testmod(parser)
    assert res.attempted > 0 and res.failed == 0


def test_valid_folder_has_the_fixtures():
    names = {p.name for p in VALID_FILES}
    assert {"damped_oscillator.nmm", "units_and_bounds.nmm", "conditionals_math.nmm",
            "delays_wilson_cowan.nmm", "noise_and_coupling.nmm", "library_base.nmm",
            "imports_user.nmm", "extends_chain.nmm"} <= names


def test_issue_example_is_the_fixture_verbatim():
    assert (VALID / "damped_oscillator.nmm").read_text() == ISSUE_EXAMPLE


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.stem)
def test_valid_fixture_loads_without_diagnostics(path):
    program = load_program(path)
    got = sorted((d.code, d.span.line, d.span.col) for d in program.bag.items)
    assert got == sorted(ALLOWED_WARNINGS.get(path.name, [])), program.bag.render()
    assert program.main_blocks
    for name in program.main_blocks:
        assert program.block(name).name == name


# ------------------------------------------------------------------ the issue's example
def test_issue_example_ast():
    m = module_of(ISSUE_EXAMPLE)
    assert m.imports == ()
    osc, diff, soft = m.blocks
    assert (osc.kind, osc.name, osc.extends) == ("model", "DampedOscillator", None)
    assert osc.docstring == "A damped linear oscillator."
    assert osc.meta("category") == ("phenomenological",)
    assert osc.meta("aliases") == ("DampedOscillatorStep",)
    params = {p.name: p for p in osc.of_type(ast.Parameter)}
    assert params["omega"] == ast.Parameter("omega", num(0.05, "/ms"), "angular frequency")
    assert params["zeta"].bounds == ast.Bounds(num(0), num(1), True, True)
    assert params["zeta"].doc == "damping ratio"
    assert params["sigma_v"].default == num(0, "ms**-1.5")
    (let,) = osc.of_type(ast.Let)
    assert let == ast.Let("gamma", B("*", B("*", num(2), N("zeta")), N("omega")))
    (fn,) = osc.of_type(ast.Function)
    assert fn == ast.Function("spring", ("y",), B("*", B("**", N("omega"), num(2)), N("y")))
    (inp,) = osc.of_type(ast.Input)
    assert inp == ast.Input("u", num(0, "/ms**2"), "forcing")
    assert [s.name for s in osc.of_type(ast.State)] == ["x", "v"]
    eqs = osc.of_type(ast.Equation)
    assert eqs[0] == ast.Equation("x", N("v"))
    assert eqs[1].rhs == B("+", B("+", B("-", B("*", U("-", N("gamma")), N("v")),
                                            C("spring", (N("x"),))), N("u")),
                           B("*", N("sigma_v"), N("xi")))
    assert osc.of_type(ast.Output) == [ast.Output("position", N("x"))]
    assert osc.of_type(ast.Couples) == [ast.Couples(N("x"))]
    assert (diff.kind, diff.name) == ("coupling", "Diffusive")
    assert diff.of_type(ast.Pre) == [ast.Pre(("x_i", "x_j"), B("-", N("x_j"), N("x_i")))]
    assert diff.of_type(ast.Post) == [ast.Post(("s",), B("*", N("k"), N("s")))]
    assert soft.extends == "DampedOscillator"
    (rep,) = soft.of_type(ast.Equation)
    assert rep.replace and rep.state == "v"


def test_issue_example_spans():
    m = module_of(ISSUE_EXAMPLE)
    osc = m.blocks[0]
    assert (osc.span.line, osc.span.col) == (1, 1)
    assert (osc.name_span.line, osc.name_span.col, osc.name_span.end_col) == (1, 7, 23)
    omega = osc.of_type(ast.Parameter)[0]
    assert (omega.span.line, omega.span.col) == (6, 5)
    assert (omega.name_span.line, omega.name_span.col) == (6, 15)
    assert (omega.default.span.col, omega.default.span.end_col) == (23, 31)  # `0.05 /ms`
    eq_v = osc.of_type(ast.Equation)[1]
    assert (eq_v.name_span.line, eq_v.name_span.col) == (14, 7)
    assert (eq_v.rhs.span.line, eq_v.rhs.span.col) == (14, 15)
    soft = m.blocks[2]
    assert (soft.extends_span.line, soft.extends_span.col) == (24, 36)
    assert str(omega.span) == "t.nmm:6:5"


def test_issue_example_resolves():
    program = load_program("issue.nmm", text=ISSUE_EXAMPLE)
    assert program.main_blocks == ["DampedOscillator", "Diffusive", "DampedOscillatorSoft"]
    assert program.block("DampedOscillatorStep").name == "DampedOscillator"  # the alias
    soft = program.block("DampedOscillatorSoft")
    assert soft.bases == ("DampedOscillator",)
    zeta = next(m for m in soft.members if isinstance(m, ast.Parameter) and m.name == "zeta")
    assert zeta.default == num(0.05)
    assert zeta.doc == "damping ratio" and zeta.bounds is not None  # inherited
    eq_v = [m for m in soft.members if isinstance(m, ast.Equation) and m.state == "v"]
    assert len(eq_v) == 1 and "xi" not in {n.id for n in ast.names_in(eq_v[0].rhs)}
    assert soft.category == "phenomenological" and soft.aliases == ()
    with pytest.raises(KeyError):
        program.block("Nope")


# ------------------------------------------------------------------ expressions
@pytest.mark.parametrize("text, tree", [
    ("a - b - c", B("-", B("-", N("a"), N("b")), N("c"))),
    ("a / b * c", B("*", B("/", N("a"), N("b")), N("c"))),
    ("a + b * c", B("+", N("a"), B("*", N("b"), N("c")))),
    ("-x**2", U("-", B("**", N("x"), num(2)))),
    ("x**2**3", B("**", N("x"), B("**", num(2), num(3)))),
    ("2**-x", B("**", num(2), U("-", N("x")))),
    ("(a + b) * c", B("*", B("+", N("a"), N("b")), N("c"))),
    ("+a", U("+", N("a"))),
    ("a < b and c >= d or not e == f",
     B("or", B("and", B("<", N("a"), N("b")), B(">=", N("c"), N("d"))),
       U("not", B("==", N("e"), N("f"))))),
    ("not not a", U("not", U("not", N("a")))),
    ("a != b", B("!=", N("a"), N("b"))),
    ("a <= b", B("<=", N("a"), N("b"))),
    ("a > b", B(">", N("a"), N("b"))),
    ("where(x > 0, x, 0)", C("where", (B(">", N("x"), num(0)), N("x"), num(0)))),
    ("clip(x, 0, 1)", C("clip", (N("x"), num(0), num(1)))),
    ("f()", C("f", ())),
    ("delay(rE, delay_EE)", C("delay", (N("rE"), N("delay_EE")))),
    ("2 * pi * t", B("*", B("*", num(2), N("pi")), N("t"))),
    ("1e3", num(1000)),
    ("(a +\n        b)", B("+", N("a"), N("b"))),  # a newline inside parentheses
    ("a + \\\n        b", B("+", N("a"), N("b"))),  # an explicit line continuation
])
def test_expression_trees(text, tree):
    assert expr_of(text) == tree


def test_every_math_function_parses_as_a_call():
    for f in ("min", "max", "clip", "abs", "exp", "log", "sqrt", "tanh", "sin", "cos", "where"):
        e = expr_of(f"{f}(x, y)")
        assert isinstance(e, ast.Call) and e.func == f and len(e.args) == 2


# ------------------------------------------------------------------ statements
def test_bounds_forms():
    m = module_of("model M:\n"
                  "    parameter a = 0.5 in [0, 1]\n"
                  "    parameter b = 1 in [0, inf)\n"
                  "    parameter c = 1 in (0, 1]\n"
                  "    parameter d = 5 ms \"doc\" in (0 ms, 1 s)\n"
                  "    state s = 0.1 in [0, 1]\n"
                  "    state r = 0.1 \"rate\" in [-1, 1]\n")
    a, b, c, d, s, r = m.blocks[0].members
    assert a.bounds == ast.Bounds(num(0), num(1), True, True)
    assert b.bounds == ast.Bounds(num(0), N("inf"), True, False)
    assert c.bounds == ast.Bounds(num(0), num(1), False, True)
    assert d.bounds == ast.Bounds(num(0, "ms"), num(1, "s"), False, False) and d.doc == "doc"
    assert s.bounds == ast.Bounds(num(0), num(1)) and s.doc is None
    assert r.bounds.lo == U("-", num(1)) and r.doc == "rate"


def test_output_shorthand_and_replace_forms():
    m = module_of("model M extends B:\n"
                  "    output x\n"
                  "    output y \"y's doc\"\n"
                  "    replace output z = 2 * x\n"
                  "    replace let g = 1\n"
                  "    replace function f(a, b) = a\n"
                  "    replace couples x\n"
                  "    replace d(x)/dt = 0\n"
                  "    function h() = 1\n")
    o1, o2, o3, g, f, c, eq, h = m.blocks[0].members
    assert o1 == ast.Output("x", N("x")) and not o1.replace
    assert o2 == ast.Output("y", N("y"), "y's doc")
    assert o3 == ast.Output("z", B("*", num(2), N("x")), None, True)
    assert g.replace and f.replace and f.params == ("a", "b") and c.replace and eq.replace
    assert h.params == ()


def test_metadata_and_docstrings():
    m = module_of('model M:\n'
                  '    """First line.\n\n    Second paragraph,\n      indented.\n    """\n'
                  '    category: physiological\n'
                  '    aliases: A, B\n'
                  '    reference: "Jansen & Rit (1995), \\"Biol. Cybern.\\" 73", doi\n'
                  '    use_case: "EEG"\n')
    b = m.blocks[0]
    assert b.docstring == "First line.\n\nSecond paragraph,\n  indented."
    assert b.meta("aliases") == ("A", "B")
    assert b.meta("reference") == ('Jansen & Rit (1995), "Biol. Cybern." 73', "doi")
    assert b.meta("use_case") == ("EEG",)


def test_strings_keep_unicode_and_unknown_escapes():
    m = module_of('model M:\n    parameter a = 1 "membrane \u03c4 in \u00b5s \\x \\\\ \\t"\n')
    (p,) = m.blocks[0].members
    assert p.doc == "membrane \u03c4 in \u00b5s \\x \\ \t"


def test_imports():
    m = module_of('import library_base\n'
                  'import lib.sub.models\n'
                  'from library_base import Leaky, Plain\n'
                  'from "../other/file.nmm" import X\n'
                  'import "file.nmm"\n')
    assert m.imports == (
        ast.Import("library_base"),
        ast.Import("lib.sub.models"),
        ast.Import("library_base", ("Leaky", "Plain")),
        ast.Import("../other/file.nmm", ("X",), True),
        ast.Import("file.nmm", None, True),
    )
    assert m.blocks == ()


def test_comments_blank_lines_and_order_are_free():
    m = module_of("# leading comment\n\n"
                  "model A:   # trailing\n"
                  "    # a comment line\n\n"
                  "    d(x)/dt = -x / tau     # the equation before the declarations\n"
                  "        # an oddly indented comment\n"
                  "    state x = 1\n"
                  "    parameter tau = 1 ms\n"
                  "# between blocks\n"
                  "coupling C:\n"
                  "    post(s) = s\n"
                  "    pre(a, b) = b\n"
                  "# trailing comment without newline")
    a, c = m.blocks
    assert [type(x).__name__ for x in a.members] == ["Equation", "State", "Parameter"]
    assert [type(x).__name__ for x in c.members] == ["Post", "Pre"]
    program = load_program("t.nmm", text="model A:\n    d(x)/dt = -x / tau\n"
                           "    state x = 1\n    parameter tau = 1 ms\n")
    assert not program.bag.items


def test_tabs_and_other_indent_widths():
    m = module_of("model A:\n\tstate x = 1\n\td(x)/dt = -x / (1 ms)\n"
                  "model B:\n  state y = 1\n  d(y)/dt = -y / (1 ms)\n")
    assert [b.name for b in m.blocks] == ["A", "B"]


def test_windows_line_endings():
    m = module_of("model A:\r\n    state x = 1\r\n    d(x)/dt = -x / (1 ms)\r\n")
    assert len(m.blocks[0].members) == 2


def test_multiline_expression_spans():
    m = module_of("model M:\n    state x = 1\n    d(x)/dt = (x +\n        x) / (1 ms)\n")
    eq = m.blocks[0].members[1]
    assert (eq.span.line, eq.span.end_line) == (3, 4)


# ------------------------------------------------------------------ programs
def test_delay_fixture():
    program = load_program(VALID / "delays_wilson_cowan.nmm")
    wc = program.block("WilsonCowanDelayed")
    calls = [e for m in wc.members if isinstance(m, (ast.Equation, ast.Let))
             for e in ast.walk(m.rhs if isinstance(m, ast.Equation) else m.expr)
             if isinstance(e, ast.Call) and e.func == "delay"]
    assert {(c.args[0].id, c.args[1].id) for c in calls} == {("rE", "delay_EE"),
                                                             ("rI", "delay_IE")}


def test_multiple_noises_and_couplings_fixture():
    program = load_program(VALID / "noise_and_coupling.nmm")
    two = program.block("TwoNoiseStep")
    noises = {n.id for m in two.members if isinstance(m, ast.Equation) for n in ast.names_in(m.rhs)
              if n.id.startswith("xi")}
    assert noises == {"xi_1", "xi_2"}
    assert two.aliases == ("TwoNoiseStep", "TwoNoiseModel")
    assert {n for n in program.main_blocks if program.block(n).kind == "coupling"} == \
        {"Linear", "Sigmoidal", "Difference"}


def test_imports_fixture():
    program = load_program(VALID / "imports_user.nmm")
    assert program.main_blocks == ["LeakyDriven", "RelayCopy", "FromAlias"]
    assert program.block("LeakyDriven").bases == ("Leaky",)
    assert program.block("FromAlias").bases == ("Leaky",)
    assert program.block("RelayCopy").bases == ("Relay",)
    assert any(Path(f).name == "library_base.nmm" for f in program.modules)
    driven = program.block("LeakyDriven")
    (eq,) = driven.of_type(ast.Equation)
    assert "drive" in {n.id for n in ast.names_in(eq.rhs)}
    tau = next(m for m in driven.members if isinstance(m, ast.Parameter) and m.name == "tau")
    assert tau.default == num(2, "ms")


def test_extends_chain_fixture():
    program = load_program(VALID / "extends_chain.nmm")
    leaf = program.block("Leaf")
    assert leaf.bases == ("Middle", "Base")
    assert leaf.category == "physiological" and leaf.docstring == "The leaf of the chain."
    by = {(type(m).__name__, getattr(m, "name", getattr(m, "state", ""))): m
          for m in leaf.members}
    assert by[("Parameter", "tau")].default == num(5, "ms")      # from Middle
    assert by[("Parameter", "tau")].doc == "time constant"        # from Base
    assert by[("Parameter", "c")].default == num(0.25)            # Leaf overrides Middle
    assert by[("Let", "drive")].expr == B("+", N("b"), N("c"))    # Middle's replace
    assert by[("Function", "f")].body == C("tanh", (N("u"),))
    assert by[("Equation", "y")].rhs == B("/", B("-", B("*", N("g"), N("x")), N("y")),
                                          N("tau"))
    assert by[("Output", "out")].expr == B("+", N("x"), N("y"))
    (couples,) = leaf.of_type(ast.Couples)
    assert couples.expr == B("-", N("x"), N("y"))
    # the middle block is unchanged by its child
    middle = program.block("Middle")
    assert [m for m in middle.of_type(ast.Output)][0].expr == N("x")


def test_load_program_text_and_raise_errors():
    with pytest.raises(NmmError):
        load_program("inline.nmm", text="model M:\n    state x = 1\n")
    program = load_program("inline.nmm", text="model M:\n    state x = 1\n", raise_errors=False)
    assert not program.ok and [d.code for d in program.bag.errors] == ["NMM103"]
    program = load_program("inline.nmm", text="model M:\n    state x = 1\n    d(x)/dt = -x\n",
                           check=False)
    assert program.ok and program.block("M").name == "M"
