"""Fuzz the front end: any text gives either a `Program` or an `NmmError` with diagnostics.

Three generators (2,400 examples in all, derandomised so that CI is stable):

- token soup: lines of random tokens of the language's vocabulary, random indentation;
- structured programs: blocks whose members follow the statement templates, filled with
  random expressions (so that the semantic rules and the dimension checker are reached);
- mutations of the valid fixtures: characters and lines deleted, duplicated, swapped,
  re-indented, random tokens inserted.

Explore further with e.g. `NMM_FUZZ_SCALE=20 NMM_FUZZ_RANDOM=1 pytest tests/test_frontend_fuzz.py`.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainmass_dsl.frontend.codes import CODES
from brainmass_dsl.frontend.diagnostics import DiagnosticBag, NmmError
from brainmass_dsl.frontend.parser import parse
from brainmass_dsl.frontend.program import load_program

VALID = Path(__file__).parent / "valid"
FIXTURES = {p.name: p.read_text() for p in sorted(VALID.glob("*.nmm"))}

# a name beside the fixtures, so that imports resolve the same whatever the working directory
FUZZ_FILE = str(VALID / "fuzzed_text.nmm")
_SCALE = float(os.environ.get("NMM_FUZZ_SCALE", "1"))


def _settings(n: int):
    return settings(max_examples=max(1, int(n * _SCALE)), deadline=None,
                    derandomize=not os.environ.get("NMM_FUZZ_RANDOM"), database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)


# ---------------------------------------------------------------------------- vocabulary
KEYWORDS = ["model", "coupling", "extends", "parameter", "state", "input", "let", "function",
            "output", "couples", "pre", "post", "replace", "import", "from", "in", "and", "or",
            "not", "d", "dt", "category:", "aliases:", "reference:", "doi:", "use_case:"]
NAMES = ["x", "y", "v", "M", "tau", "k", "s", "x_i", "x_j", "xi", "xi_1", "xi_2", "xi_0", "t",
         "pi", "inf", "rE", "delay_EE", "omega", "zeta", "gamma", "u", "S", "Base", "Leaky",
         "library_base", "DampedOscillator", "phenomenological", "noise", "dt", "nan"]
FUNCS = ["exp", "log", "log10", "sqrt", "tanh", "sin", "cos", "abs", "min", "max", "clip",
         "where", "delay", "sigmoid", "heaviside", "sign", "f", "spring", "nosuch"]
NUMBERS = ["0", "1", "2.5", ".5", "1e3", "1e-3", "1E+2", "1e999", "0.0", "00", "3."]
UNITS = ["mV", "ms", "s", "Hz", "nA", "mm", "m/s", "/ms", "1/mV", "ms**-1.5", "ms**2", "mV/ms",
         "uS", "nA/Hz", "zeta", "kHz", "MOhm", "ms**(-0.5)", "1/s", "foo", "ms*mV", "e", "in",
         "µV", "Ω", "ms**", "/", "1/"]
OPS = ["+", "-", "*", "/", "**", "(", ")", "[", "]", ",", "=", ":", "<", "<=", ">", ">=", "==",
       "!=", ".", ")/dt", "d(", "(0, 1]", "[0, inf)"]
OTHER = ['"doc"', '"a \\"q\\" \\x"', '"unterminated', '"""doc"""', '"""', "# comment", "\\",
         "$", "@", "?", "'", ";", "\t", "\u00e9", "\u03c4", "\x00", "\r"]

_number_with_unit = st.builds(lambda n, u, sp: f"{n}{sp}{u}", st.sampled_from(NUMBERS),
                              st.sampled_from(UNITS), st.sampled_from([" ", "  ", "\t", ""]))
_token = st.one_of(st.sampled_from(KEYWORDS), st.sampled_from(NAMES), st.sampled_from(FUNCS),
                   st.sampled_from(NUMBERS), _number_with_unit, st.sampled_from(OPS),
                   st.sampled_from(OTHER))
_indent = st.sampled_from(["", "", "    ", "    ", "    ", "  ", "        ", "\t", "   "])
_line = st.builds(lambda ind, toks, sep: ind + sep.join(toks), _indent,
                  st.lists(_token, min_size=0, max_size=10), st.sampled_from([" ", " ", ""]))
token_soup = st.builds("\n".join, st.lists(_line, min_size=0, max_size=14))


# ---------------------------------------------------------------------------- structure
def _expr_strategy():
    atoms = st.one_of(st.sampled_from(NAMES), st.sampled_from(NUMBERS), _number_with_unit)

    def extend(children):
        return st.one_of(
            st.builds(lambda a, op, b: f"{a} {op} {b}", children,
                      st.sampled_from(["+", "-", "*", "/", "**", "<", ">=", "==", "and", "or"]),
                      children),
            st.builds(lambda a: f"({a})", children),
            st.builds(lambda op, a: f"{op}{a}", st.sampled_from(["-", "+", "not "]), children),
            st.builds(lambda f, args: f"{f}({', '.join(args)})", st.sampled_from(FUNCS),
                      st.lists(children, min_size=0, max_size=4)),
        )

    return st.recursive(atoms, extend, max_leaves=8)


EXPR = _expr_strategy()
_name = st.sampled_from(NAMES)
_doc = st.sampled_from(["", ' "a doc"', ' "\u03c4 \\"x\\""'])
_bounds = st.sampled_from(["", " in [0, 1]", " in (0, inf)", " in [1, 0]", " in [0 mV, 1 mV]",
                           " in [0, x]", " in (0, 1)"])
_member = st.one_of(
    st.builds(lambda n, e, d, b: f"parameter {n} = {e}{d}{b}", _name, EXPR, _doc, _bounds),
    st.builds(lambda n, e, d, b: f"state {n} = {e}{d}{b}", _name, EXPR, _doc, _bounds),
    st.builds(lambda n, e, d: f"input {n} = {e}{d}", _name, EXPR, _doc),
    st.builds(lambda r, n, e: f"{r}let {n} = {e}", st.sampled_from(["", "replace "]), _name, EXPR),
    st.builds(lambda r, n, ps, e: f"{r}function {n}({', '.join(ps)}) = {e}",
              st.sampled_from(["", "replace "]), st.sampled_from(FUNCS + NAMES),
              st.lists(_name, max_size=3), EXPR),
    st.builds(lambda r, n, e: f"{r}d({n})/dt = {e}", st.sampled_from(["", "replace "]), _name,
              EXPR),
    st.builds(lambda r, n, e: f"{r}output {n} = {e}", st.sampled_from(["", "replace "]), _name,
              EXPR),
    st.builds(lambda n: f"output {n}", _name),
    st.builds(lambda e: f"couples {e}", EXPR),
    st.builds(lambda ps, e: f"pre({', '.join(ps)}) = {e}", st.lists(_name, max_size=3), EXPR),
    st.builds(lambda ps, e: f"post({', '.join(ps)}) = {e}", st.lists(_name, max_size=2), EXPR),
    st.sampled_from(['"""A docstring."""', "category: phenomenological", "category: magic",
                     "aliases: Alias1, Alias2", 'reference: "x", y', "# a comment"]),
)
_block = st.builds(
    lambda kind, name, ext, members: f"{kind} {name}{ext}:\n" + "\n".join(
        "    " + m for m in members),
    st.sampled_from(["model", "model", "coupling"]),
    st.sampled_from(["A", "B", "C", "M", "DampedOscillator"]),
    st.sampled_from(["", "", " extends A", " extends B", " extends Nowhere",
                     " extends DampedOscillator", " extends Leaky"]),
    st.lists(_member, min_size=1, max_size=10),
)
_import = st.sampled_from(["import library_base", "from library_base import Leaky, Nope",
                           'import "no/such/file.nmm"', "from nowhere import X",
                           'from "damped_oscillator.nmm" import DampedOscillator'])
structured = st.builds(lambda imps, blocks: "\n".join(imps) + "\n" + "\n\n".join(blocks),
                       st.lists(_import, max_size=2), st.lists(_block, min_size=1, max_size=3))


# ---------------------------------------------------------------------------- mutations
@st.composite
def mutated_fixture(draw):
    text = draw(st.sampled_from(sorted(FIXTURES.values())))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        kind = draw(st.sampled_from(["del_char", "dup_char", "swap_chars", "del_line",
                                     "dup_line", "swap_lines", "reindent", "insert_token",
                                     "truncate", "replace_char"]))
        if kind in ("del_char", "dup_char", "swap_chars", "insert_token", "truncate",
                    "replace_char") and text:
            i = draw(st.integers(0, len(text) - 1))
            if kind == "del_char":
                text = text[:i] + text[i + 1:]
            elif kind == "dup_char":
                text = text[:i] + text[i] + text[i:]
            elif kind == "swap_chars" and i + 1 < len(text):
                text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
            elif kind == "insert_token":
                text = text[:i] + draw(_token) + text[i:]
            elif kind == "truncate":
                text = text[:i]
            elif kind == "replace_char":
                text = text[:i] + draw(st.sampled_from(list("()[]=:,.*/+-\"# \t\nxd0"))) \
                    + text[i + 1:]
        elif kind in ("del_line", "dup_line", "swap_lines", "reindent") and lines:
            j = draw(st.integers(0, len(lines) - 1))
            if kind == "del_line":
                del lines[j]
            elif kind == "dup_line":
                lines.insert(j, lines[j])
            elif kind == "swap_lines" and j + 1 < len(lines):
                lines[j], lines[j + 1] = lines[j + 1], lines[j]
            elif kind == "reindent":
                lines[j] = draw(_indent) + lines[j].lstrip()
            text = "\n".join(lines)
    return text


# ---------------------------------------------------------------------------- the property
def check_text(text: str) -> None:
    """Either a Program, or an NmmError with at least one diagnostic; never another exception.

    Diagnostics carry a known code, and those in the fuzzed text point inside it.
    """
    n_lines = len(text.split("\n"))
    try:
        program = load_program(FUZZ_FILE, text=text)
    except NmmError as err:
        assert err.diagnostics, "an NmmError without diagnostics"
        assert any(d.is_error for d in err.diagnostics)
        diagnostics = err.diagnostics
        str(err)  # rendering never fails
    else:
        assert not program.bag.errors
        diagnostics = program.bag.items
    for d in diagnostics:
        assert d.code in CODES, d
        if d.span.file == FUZZ_FILE:
            assert 1 <= d.span.line <= n_lines, (d, n_lines)
            assert d.span.col >= 1, d


@_settings(1000)
@given(token_soup)
def test_token_soup_gives_program_or_diagnostics(text):
    check_text(text)


@_settings(550)
@given(structured)
def test_structured_programs_give_program_or_diagnostics(text):
    check_text(text)


@_settings(850)
@given(mutated_fixture())
def test_mutated_fixtures_give_program_or_diagnostics(text):
    check_text(text)


# Texts that crashed the front end once (regressions found by this fuzzer and by hand).
REGRESSIONS = [
    'model M:\n    parameter a = 1 "bad \\x escape"\n    state x = 1\n    d(x)/dt = -a*x/(1 ms)\n',
    'model M:\n    parameter a = 1 "\\N"\n',
    'model M:\n    parameter a = 1 "\u03c4"\n',
    "model M:\n    state x = (1\n",
    "modle M:\n    state x = 1\n",
    "model M:\n",
    "model",
    "",
    "\n\n   \n",
    '"""',
    "model M:\n    state x = 1\n    d(x)/dt = -x\n  d(x)/dt = 1\n",
    "model M:\n    state v = 1 mV\n    d(v)/dt = (v / (1 ms**2)) * (1 ms)\n",
    'model M:\n    parameter a = 1 "line\u2028separator\x85"\n    state x = 1 $\n',
    "model M:\n    state x = 1\n    d(x)/dt = -x / (1 ms)\n\nmodel M:\n",
    "model A:\n    parameter x = 0 mV ** 1e999\n",                # Fraction(inf)
    "model A:\n    state v = 1 mV\n    d(v)/dt = v**(0 * 1e999) / (1 ms)\n",  # Fraction(nan)
    "model M:\n    state x = 1\n    d(x)/dt = x" + " + x" * 3000 + "\n",  # RecursionError
    "model M:\n    state x = 1\n    d(x)/dt = " + "-" * 3000 + "x / (1 ms)\n",
    "model M:\n    state x = 1\n    d(x)/dt = " + "(" * 3000 + "x" + ")" * 3000 + " / (1 ms)\n",
]


@pytest.mark.parametrize("text", REGRESSIONS)
def test_regressions(text):
    check_text(text)


def test_every_prefix_of_the_issue_example_parses_or_reports():
    """Cut the issue's example after every character: a module, or a syntax error."""
    text = FIXTURES["damped_oscillator.nmm"]
    for k in range(len(text) + 1):
        bag = DiagnosticBag()
        result = parse(text[:k], "<prefix>", bag)
        assert result.module is not None or bag.errors, k
        assert all(d.code in ("NMM001", "NMM002") for d in bag.items), (k, bag.render())


def test_every_line_prefix_of_every_fixture_loads_or_reports():
    for text in FIXTURES.values():
        lines = text.split("\n")
        for k in range(len(lines) + 1):
            check_text("\n".join(lines[:k]))
