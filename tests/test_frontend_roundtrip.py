"""The pretty-printer: `format_module` output parses back to an equal AST, and is idempotent.

Checked on every valid fixture, on every `.nmm` file of the catalogue (`models/`, globbed at
test time), and on generated modules (hypothesis).
"""
from __future__ import annotations

import doctest
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainmass_dsl.frontend import ast, printer
from brainmass_dsl.frontend.diagnostics import DiagnosticBag
from brainmass_dsl.frontend.parser import parse
from brainmass_dsl.frontend.printer import format_expr, format_module

HERE = Path(__file__).parent
ROOT = HERE.parent
VALID_FILES = sorted((HERE / "valid").glob("*.nmm"))
CATALOGUE_FILES = sorted((ROOT / "models").rglob("*.nmm"))


def parse_clean(text: str, file: str = "<gen>") -> ast.Module:
    bag = DiagnosticBag()
    result = parse(text, file, bag)
    assert not bag.items, bag.render() + "\n--- text ---\n" + text
    return result.module


def assert_round_trip(text: str, file: str) -> None:
    module = parse_clean(text, file)
    printed = format_module(module)
    again = parse_clean(printed, file)  # (a module's file name is part of its equality)
    assert again == module, printed
    assert format_module(again) == printed  # idempotent
    # spans are not part of equality, but they are there and point into the printed text
    for block in again.blocks:
        assert block.span.line >= 1
        for m in block.members:
            assert 1 <= m.span.line <= printed.count("\n") + 1


def test_doctests():
    res = doctest.testmod(printer)
    assert res.attempted > 0 and res.failed == 0


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.stem)
def test_valid_fixture_round_trips(path):
    assert_round_trip(path.read_text(), str(path))


@pytest.mark.parametrize("path", CATALOGUE_FILES or [None],
                         ids=lambda p: str(p.relative_to(ROOT)) if p else "none")
def test_catalogue_file_round_trips(path):
    if path is None:
        pytest.skip("the catalogue (models/**/*.nmm) is empty")
    assert_round_trip(path.read_text(encoding="utf-8"), str(path))


def test_printed_fixture_is_canonical_text():
    module = parse_clean((HERE / "valid" / "damped_oscillator.nmm").read_text())
    printed = format_module(module)
    assert printed.splitlines()[:8] == [
        "model DampedOscillator:",
        '    """A damped linear oscillator."""',
        "    category: phenomenological",
        "    aliases: DampedOscillatorStep",
        '    parameter omega = 0.05 /ms "angular frequency"',
        '    parameter zeta = 0.1 "damping ratio" in [0, 1]',
        "    let gamma = 2 * zeta * omega",
        "    function spring(y) = omega**2 * y",
    ]
    assert "    replace d(v)/dt = -gamma * v - spring(x) + u" in printed.splitlines()


@pytest.mark.parametrize("text, printed", [
    ("-(x) / (2 ms)", "-x / (2 ms)"),
    ("(a - b) - (c - d)", "a - b - (c - d)"),
    ("a / (b * c)", "a / (b * c)"),
    ("(a ** b) ** c", "(a**b)**c"),
    ("a ** (b ** c)", "a**b**c"),
    ("(-a) ** 2", "(-a)**2"),
    ("-(a ** 2)", "-a**2"),
    ("(2 ms) ** 2", "(2 ms)**2"),
    ("-65 mV", "-65 mV"),
    ("x + 2 mV", "x + 2 mV"),
    ("x * (2 mV)", "x * (2 mV)"),
    ("not (a < b)", "not a < b"),
    ("(not a) and b", "not a and b"),
    ("not (a and b)", "not (a and b)"),
    ("(a < b) == c", "(a < b) == c"),
    ("a or (b or c)", "a or (b or c)"),
    ("1e999", "1e999"),
    ("1e-30", "1e-30"),
    ("0.1", "0.1"),
    ("3.0", "3"),
    ("where(x > 0 and y <= 1, -x, +y)", "where(x > 0 and y <= 1, -x, +y)"),
])
def test_expression_printing(text, printed):
    (let,) = parse_clean(f"model M:\n    let a = {text}\n").blocks[0].members
    assert format_expr(let.expr) == printed
    (again,) = parse_clean(f"model M:\n    let a = {printed}\n").blocks[0].members
    assert again.expr == let.expr


def test_strings_and_docstrings_round_trip():
    text = ('model M:\n'
            '    """Say "hi"\n\n    and more,\n        indented.\n    """\n'
            '    aliases: model, replace, in, "\u00e9t\u00e9"\n'
            '    reference: "a\\\\nb\\tc", "\u00b5 \u03c4 \\x"\n'
            '    parameter a = 1e999 "membrane \u03c4 and \\"q\\" \\\\ \\z"\n'
            '    output y "the \\"output\\""\n')
    assert_round_trip(text, "<strings>")


# ------------------------------------------------------------------ generated modules
_NAMES = st.sampled_from(["x", "y", "tau", "k", "s", "x_i", "x_j", "xi", "t", "pi", "inf"])
_UNITS = st.sampled_from([None, None, "mV", "ms", "/ms", "1/mV", "m/s", "ms**-1.5", "mV/ms**2",
                          "Hz", "nA"])
_VALUES = st.one_of(st.integers(0, 10 ** 6).map(float),
                    st.floats(min_value=0, max_value=1e300, allow_nan=False, allow_infinity=False),
                    st.just(float("inf")))
_NUM = st.builds(lambda v, u: ast.Num(v, u), _VALUES, _UNITS)
_ATOM = st.one_of(_NUM, st.builds(ast.Name, _NAMES))


def _extend(children):
    return st.one_of(
        st.builds(ast.BinOp, st.sampled_from(["+", "-", "*", "/", "**", "<", "<=", ">", ">=",
                                              "==", "!=", "and", "or"]), children, children),
        st.builds(ast.UnaryOp, st.sampled_from(["-", "+", "not"]), children),
        st.builds(lambda f, args: ast.Call(f, tuple(args)),
                  st.sampled_from(["exp", "where", "max", "f", "delay"]),
                  st.lists(children, max_size=3)),
    )


EXPRS = st.recursive(_ATOM, _extend, max_leaves=8)
_DOCS = st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)), max_size=12))
_BOUNDS = st.one_of(st.none(), st.builds(ast.Bounds, EXPRS, EXPRS, st.booleans(), st.booleans()))
_IDENT = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True).filter(
    lambda s: s not in {"model", "coupling", "extends", "parameter", "state", "input", "let",
                        "function", "output", "couples", "pre", "post", "replace", "import",
                        "from", "in", "and", "or", "not", "d", "dt", "category", "aliases",
                        "reference", "use_case", "doi"})
_MEMBERS = st.one_of(
    st.builds(ast.Parameter, _IDENT, EXPRS, _DOCS, _BOUNDS),
    st.builds(ast.State, _IDENT, EXPRS, _DOCS, _BOUNDS),
    st.builds(ast.Input, _IDENT, EXPRS, _DOCS),
    st.builds(ast.Let, _IDENT, EXPRS, _DOCS, st.booleans()),
    st.builds(lambda n, ps, b, d, r: ast.Function(n, tuple(ps), b, d, r), _IDENT,
              st.lists(_IDENT, max_size=3), EXPRS, _DOCS, st.booleans()),
    st.builds(ast.Equation, _IDENT, EXPRS, st.booleans()),
    st.builds(ast.Output, _IDENT, EXPRS, _DOCS, st.booleans()),
    st.builds(ast.Couples, EXPRS, st.booleans()),
    st.builds(lambda ps, b: ast.Pre(tuple(ps), b), st.lists(_IDENT, min_size=1, max_size=3),
              EXPRS),
    st.builds(lambda ps, b: ast.Post(tuple(ps), b), st.lists(_IDENT, min_size=1, max_size=2),
              EXPRS),
    st.builds(lambda k, vs: ast.Meta(k, tuple(vs)),
              st.sampled_from(["category", "aliases", "reference", "use_case", "doi"]),
              st.lists(st.one_of(_IDENT, st.text(st.characters(blacklist_categories=("Cs",),
                                                               blacklist_characters="\n\r"),
                                                 max_size=10)), min_size=1, max_size=3)),
    st.builds(ast.Docstring, st.sampled_from(["One line.", "Two\n\nparagraphs.",
                                              'Ends with "quotes"', "Indented\n  code"])),
)
MODULES = st.builds(
    lambda imps, blocks: ast.Module("<gen>", tuple(imps), tuple(blocks)),
    st.lists(st.one_of(
        st.builds(lambda n: ast.Import(n), _IDENT),
        st.builds(lambda n, names: ast.Import(n, tuple(names)), _IDENT,
                  st.lists(_IDENT, min_size=1, max_size=3)),
        st.builds(lambda p: ast.Import(p, None, True), st.sampled_from(["a.nmm", "../b/c.nmm"]))),
        max_size=2),
    st.lists(st.builds(lambda kind, name, members, ext: ast.Block(kind, name, tuple(members), ext),
                       st.sampled_from(["model", "coupling"]), _IDENT,
                       st.lists(_MEMBERS, min_size=1, max_size=6), st.one_of(st.none(), _IDENT)),
             max_size=3),
)




@settings(max_examples=int(200 * float(os.environ.get("NMM_FUZZ_SCALE", "1"))), deadline=None,
          derandomize=not os.environ.get("NMM_FUZZ_RANDOM"), database=None,
          suppress_health_check=list(HealthCheck))
@given(MODULES)
def test_generated_modules_round_trip(module):
    printed = format_module(module)
    again = parse_clean(printed, module.file)
    assert again == module, printed
    assert format_module(again) == printed
