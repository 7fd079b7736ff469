"""Semantic checks and diagnostics: one invalid fixture per rule, asserting code, line and column.

Every file in tests/invalid/ states what it must report in header comments:

    # expect: NMM203 8:15

(one line per diagnostic, warnings included). The test asserts the exact multiset of
(code, line, column) the front end reports for the file: nothing missing, nothing extra.
A `# search: FOLDER` line puts tests/invalid/FOLDER on the search path (as --path does).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from brainmass_dsl.frontend.codes import CODES
from brainmass_dsl.frontend.diagnostics import NmmError
from brainmass_dsl.frontend.program import load_program

HERE = Path(__file__).parent
INVALID = HERE / "invalid"
VALID = HERE / "valid"
FIXTURES = sorted(INVALID.glob("*.nmm"))
_EXPECT = re.compile(r"^#\s*expect:\s*(NMM\d{3})\s+(\d+):(\d+)\s*$", re.M)
_SEARCH = re.compile(r"^#\s*search:\s*(\S+)\s*$", re.M)

#: codes that no fixture file can trigger by itself (tested below with temporary files)
NOT_FROM_A_FIXTURE = {"NMM005"}


def expected(path: Path):
    return sorted((c, int(ln), int(col)) for c, ln, col in _EXPECT.findall(path.read_text()))


def search_of(path: Path):
    return [INVALID / f for f in _SEARCH.findall(path.read_text())]


def reported(path: Path, **kw):
    kw.setdefault("search", search_of(path))
    program = load_program(path, raise_errors=False, **kw)
    return program, sorted((d.code, d.span.line, d.span.col) for d in program.bag.items)


def load_error(text: str, name: str = "test.nmm") -> NmmError:
    with pytest.raises(NmmError) as info:
        load_program(name, text=text)
    return info.value


# ------------------------------------------------------------------ the fixture table
def test_fixture_folder_is_populated():
    assert len(FIXTURES) >= 40


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_invalid_fixture_reports_exactly_its_expected_diagnostics(path):
    want = expected(path)
    assert want, f"{path.name} has no '# expect: CODE LINE:COL' header"
    program, got = reported(path)
    assert got == want, "\n" + program.bag.render()
    # every diagnostic points into this file and is fully formed
    for d in program.bag.items:
        assert d.span.file == str(path.resolve())
        assert d.code in CODES and d.message and d.hint, d
        assert d.span.end_line > d.span.line or d.span.end_col > d.span.col, d
    errors = [d for d in program.bag.items if d.is_error]
    if errors:
        with pytest.raises(NmmError) as info:
            load_program(path, search=search_of(path))
        assert sorted((d.code, d.span.line, d.span.col) for d in info.value.diagnostics) == want
    else:  # warnings only: the program loads, the warnings are kept
        assert load_program(path, search=search_of(path)).bag.warnings


def test_every_code_has_an_invalid_fixture():
    covered = {c for p in FIXTURES for c, _, _ in expected(p)}
    missing = set(CODES) - covered - NOT_FROM_A_FIXTURE
    assert not missing, f"no tests/invalid fixture expects {sorted(missing)}"


def test_the_code_in_a_fixture_name_is_one_it_expects():
    for p in FIXTURES:
        m = re.match(r"(nmm\d{3})_", p.name)
        if m:
            assert m.group(1).upper() in {c for c, _, _ in expected(p)}, p.name


# ------------------------------------------------------------------ messages of note
def test_nmm203_message_names_both_units_as_in_the_issue():
    path = INVALID / "nmm203_rhs_dimension.nmm"
    program = load_program(path, raise_errors=False)
    (d,) = program.bag.errors
    assert d.code == "NMM203"
    assert "d(v)/dt has mV/ms**2 but v/time is 1/ms**2" in d.message


def test_nmm203_on_the_issue_example_with_an_injected_error():
    text = (VALID / "damped_oscillator.nmm").read_text()
    bad = text.replace("d(v)/dt = -gamma * v - spring(x) + u + sigma_v * xi",
                       "d(v)/dt = -gamma * v - spring(x) + u + sigma_v * xi + 1 mV/ms**2")
    err = load_error(bad)
    assert [(d.code, d.span.line) for d in err.diagnostics] == [("NMM201", 14)]
    bad = text.replace("replace d(v)/dt = -gamma * v - spring(x) + u",
                       "replace d(v)/dt = -gamma * v * (1 mV)")
    err = load_error(bad)
    (d,) = err.diagnostics
    assert d.code == "NMM203" and (d.span.line, d.span.col) == (26, 23)
    assert d.message == "d(v)/dt has mV/ms**2 but v/time is 1/ms**2"


def test_syntax_errors_say_what_was_expected():
    err = load_error("model M:\n    parameter tau 10 ms\n")
    (d,) = err.diagnostics
    assert d.code == "NMM001" and (d.span.line, d.span.col) == (2, 19)
    assert "expected '='" in d.message and "end of line" not in d.message
    assert d.hint.startswith("this statement should read: parameter NAME = VALUE")


def test_unclosed_bracket_is_reported_where_it_opens():
    err = load_error("model M:\n    state x = 1\n    d(x)/dt = (-x / (1 ms)\n\n\n")
    (d,) = err.diagnostics
    assert (d.code, d.span.line, d.span.col) == ("NMM001", 3, 15)
    assert "never closed" in d.message


def test_end_of_file_inside_a_block_header_points_into_the_file():
    for text in ("model M:\n", "model M:", "model M:\n\n# only a comment\n"):
        (d,) = load_error(text).diagnostics
        assert d.code == "NMM001" and "end of file" in d.message
        assert 1 <= d.span.line <= len(text.split("\n")), d


def test_a_misspelt_block_keyword_gives_one_error_not_a_cascade():
    (d,) = load_error("modle M:\n    state x = 1\n    d(x)/dt = -x / (1 ms)\n").diagnostics
    assert (d.code, d.span.line, d.span.col) == ("NMM001", 1, 1)
    assert "modle" in d.message and "__nmm" not in d.message


def test_nmm003_zeta_after_a_number_is_not_silently_a_unit():
    err = load_error("model M:\n    parameter zeta = 0.1\n    parameter w = 2 zeta\n"
                     "    state x = 1\n    d(x)/dt = -x * w * zeta / (1 ms)\n")
    (d,) = err.diagnostics
    assert (d.code, d.span.line, d.span.col) == ("NMM003", 3, 21)
    assert "'zeta'" in d.message and "'*'" in d.hint


def test_nmm123_the_issue_morris_lecar_term_is_not_silently_one_volt():
    """Issue 20: with a state V, `(1 V - V_Ca)` was 1 volt (1000 mV). Refused with the two
    readings spelled out; `1 * V` is the product and loads; `1 volt` is the unit and loads."""
    text = ("model ML:\n    parameter V_Ca = 120 mV\n    parameter tau = 2 ms\n"
            "    state V = -60 mV\n    d(V)/dt = -(1 V - V_Ca) / tau\n")
    (d,) = load_error(text).diagnostics
    assert (d.code, d.span.line, d.span.col, d.span.end_col) == ("NMM123", 5, 19, 20)
    assert d.message == "'1 V' reads 'V' as a unit, but 'V' is also a state of ML"
    assert d.hint == "write `1 * V` for the product, or `1 volt` for the unit"
    rendered = str(load_error(text))
    assert "    5 |     d(V)/dt = -(1 V - V_Ca) / tau\n" + " " * 26 + "^\n" in rendered
    for fixed in ("(1 * V - V_Ca)", "(1 volt - V_Ca)", "(1 mV - V_Ca)"):
        assert not load_program("ml.nmm", text=text.replace("(1 V - V_Ca)", fixed)).bag.items
    # compound units, the unit spelled out in the hint; only the shadowed atom is marked
    (d,) = load_error(text.replace("-(1 V - V_Ca) / tau",
                                   "-(2 V/ms) * (V / V_Ca) * (tau / (1 ms))")).diagnostics
    assert (d.span.col, d.span.end_col) == (19, 20)
    assert d.hint == "write '*' between the number and 'V' for the product, or `2 volt/ms` " \
        "for the unit"


def test_nmm123_constants_only_positions_and_couplings():
    """Defaults, initial values, input defaults and bounds take constants only: there a unit
    is the only reading and nothing is reported. Coupling pre/post arguments count."""
    ok = ("model M:\n    parameter s = 2\n    parameter tau = 4 s in (0 s, inf)\n"
          "    input V = 0 V\n    state x = 1 V\n    d(x)/dt = -x * s / tau + V / tau\n")
    assert not load_program("m.nmm", text=ok).bag.items
    coupling = ("coupling C:\n    parameter k = 1\n    pre(x_i, S) = k * (S - 2 S)\n"
                "    post(s) = s\n")
    program = load_program("c.nmm", text=coupling, raise_errors=False)
    assert [(d.code, d.span.line, d.span.col) for d in program.bag.errors] == [("NMM123", 3, 30)]
    assert "an argument of pre" in program.bag.errors[0].message


def test_did_you_mean_counts_a_swap_as_one_edit_and_prefers_the_right_arity():
    """Issue 20: `tahn` suggested `tan`, which type-checks and gives wrong numbers."""
    def hint_for(call, extra=""):
        text = (f"model M:\n    parameter k = 1\n{extra}    state x = 1\n"
                f"    d(x)/dt = {call} / (1 ms)\n")
        (d,) = [d for d in load_error(text).diagnostics if d.code == "NMM107"]
        return d.hint

    assert hint_for("tahn(x)") == "did you mean 'tanh'?"
    assert hint_for("ecp(x)") == "did you mean 'exp'?"
    mix = "    function mix(a) = a * k\n"
    assert hint_for("mx(x, k)", mix) == "did you mean 'max'?"       # 2 arguments: max
    assert hint_for("mx(x)", mix) == "did you mean 'mix'?"          # 1 argument: mix
    assert hint_for("qwerty(x)") == "define it with 'function NAME(args) = ...'"


def test_one_suggestion_helper_is_used_everywhere():
    """Every did-you-mean of the package goes through frontend/suggest.py."""
    from brainmass_dsl.frontend.suggest import osa_distance, suggest

    root = HERE.parent / "brainmass_dsl"
    users = [p for p in root.rglob("*.py") if "difflib" in p.read_text()]
    assert [p.relative_to(root).as_posix() for p in users] == ["frontend/suggest.py"]
    assert osa_distance("tahn", "tanh") == 1 and osa_distance("ab", "ba") == 1
    assert suggest("JANSENRITSTEP", ["JansenRitStep", "JansenRit"]) == ["JansenRitStep"]
    assert suggest("gama", ["gamma", "a", "g"]) == ["gamma"]
    assert suggest("x", ["y", "xx"], n=2) == ["xx", "y"]
    assert suggest("coupling_strength", ["k"]) == []


def test_recovery_does_not_cascade_into_undefined_names():
    """A declaration dropped by a syntax error must not also be reported as undefined."""
    err = load_error("model M:\n    parameter tau 10 ms\n    state x = 1\n    d(x)/dt = -x / tau\n")
    assert [d.code for d in err.diagnostics] == ["NMM001"]


def test_too_deep_expressions_are_a_diagnostic_not_a_recursion_error():
    ok = "model M:\n    state x = 1\n    d(x)/dt = (x" + " + x" * 150 + ") / (1 ms)\n"
    assert not load_program("deep.nmm", text=ok).bag.items
    deep = ("model M:\n    parameter k = 1\n    state x = 1\n"
            "    d(x)/dt = k * (x" + " + x" * 5000 + ") / (1 ms)\n"
            "    let y = undefined_name\n")
    err = load_error(deep)
    assert [(d.code, d.span.line, d.span.col) for d in err.diagnostics] == \
        [("NMM001", 4, 5), ("NMM302", 5, 9), ("NMM101", 5, 13)]
    assert "nested too deeply" in err.diagnostics[0].message


def test_infinite_exponent_of_a_quantity_is_reported():
    err = load_error("model M:\n    state v = 1 mV\n    d(v)/dt = v**1e999 / (1 ms)\n")
    assert [(d.code, d.span.line, d.span.col) for d in err.diagnostics] == [("NMM204", 3, 15)]


# ------------------------------------------------------------------ collecting and rendering
def test_three_different_errors_are_all_reported_at_once():
    path = INVALID / "three_errors.nmm"
    with pytest.raises(NmmError) as info:
        load_program(path)
    codes = [d.code for d in info.value.diagnostics]
    assert sorted(codes) == ["NMM101", "NMM103", "NMM201"]
    assert str(info.value).startswith("3 errors in model source")


def test_syntax_and_semantic_errors_are_reported_together():
    err = load_error("model M:\n"
                     "    parameter tau = 10 ms\n"
                     "    parameter a 2.0\n"                  # NMM001
                     "    state x = 1.0\n"
                     "    state y = 1 mV\n"                   # NMM103
                     "    d(x)/dt = -x / tau + exp(y) / tau\n"  # NMM202
                     )
    got = [(d.code, d.span.line, d.span.col) for d in err.diagnostics]
    assert got == [("NMM001", 3, 17), ("NMM103", 5, 11), ("NMM202", 6, 30)]


def test_errors_in_several_blocks_and_files_are_collected(tmp_path):
    (tmp_path / "lib.nmm").write_text("model Base:\n    state x = 1\n    d(x)/dt = -x / bad\n")
    main = tmp_path / "main.nmm"
    main.write_text("import lib\n\nmodel A extends Base:\n    replace d(y)/dt = 1\n\n"
                    "model B:\n    state z = 1\n")
    with pytest.raises(NmmError) as info:
        load_program(main)
    got = {(Path(d.span.file).name, d.code, d.span.line) for d in info.value.diagnostics}
    assert got == {("lib.nmm", "NMM101", 3), ("main.nmm", "NMM113", 4),
                   ("main.nmm", "NMM104", 4), ("main.nmm", "NMM103", 7)}


def test_rendered_error_has_position_code_source_caret_and_hint():
    path = INVALID / "nmm201_add_mv_to_ms.nmm"
    with pytest.raises(NmmError) as info:
        load_program(path)
    text = str(info.value)
    lines = text.splitlines()
    head = next(i for i, ln in enumerate(lines) if "NMM201" in ln)
    assert lines[head].startswith(f"{path.resolve()}:7:21: error NMM201: cannot add ms and mV")
    source, caret, hint = lines[head + 1], lines[head + 2], lines[head + 3]
    assert source.endswith("    d(x)/dt = -x / (tau + V0)")
    assert source.lstrip().startswith("7 |")
    # the caret sits under 'tau + V0' and is as wide as it
    assert caret.index("^") == source.index("tau + V0")
    assert caret.strip() == "^" * len("tau + V0")
    assert hint.strip().startswith("hint: ")


def test_rendered_syntax_error_points_at_the_token():
    err = load_error("model M:\n    state x = 1\n    d(x)/dt = -x $ 2\n", name="bad.nmm")
    text = str(err)
    assert "bad.nmm:3:18: error NMM001: unexpected character '$'" in text
    src, caret = text.splitlines()[2:4]
    assert caret.index("^") == src.index("$") and caret.strip() == "^"


def test_rendered_source_line_is_counted_like_the_parser_counts():
    """Only '\\n' ends a line: a U+2028 or U+0085 inside a string must not shift the quote."""
    err = load_error('model M:\n    parameter a = 1 "odd\u2028doc\x85"\n    state x = 1 $\n',
                     name="odd.nmm")
    text = str(err)
    assert "odd.nmm:3:17: error NMM001" in text
    assert "    3 |     state x = 1 $" in text.splitlines()


def test_json_diagnostics():
    with pytest.raises(NmmError) as info:
        load_program(INVALID / "three_errors.nmm")
    items = json.loads(info.value.to_json())
    assert [(i["code"], i["line"], i["col"]) for i in items] == \
        [("NMM103", 9, 11), ("NMM201", 10, 21), ("NMM101", 10, 33)]
    assert all({"message", "hint", "severity", "file", "end_line", "end_col"} <= set(i)
               for i in items)


# ------------------------------------------------------------------ warnings
def test_warnings_do_not_fail_and_are_reported():
    program = load_program(INVALID / "nmm301_unused_parameter.nmm")
    (w,) = program.bag.items
    assert (w.code, w.severity, w.span.line, w.span.col) == ("NMM301", "warning", 5, 15)
    assert "unused_gain" in w.message
    assert program.ok
    assert "warning NMM301" in program.bag.render()


def test_inherited_parameter_unused_in_the_derived_block_is_not_warned():
    program = load_program(VALID / "imports_user.nmm")
    assert not program.bag.items


# ------------------------------------------------------------------ files
def test_nmm005_unreadable_main_file(tmp_path):
    missing = tmp_path / "does_not_exist.nmm"
    with pytest.raises(NmmError) as info:
        load_program(missing)
    assert [d.code for d in info.value.diagnostics] == ["NMM005"]
    assert "does_not_exist.nmm" in info.value.diagnostics[0].message


def test_nmm005_imported_file_that_is_not_utf8(tmp_path):
    (tmp_path / "binary.nmm").write_bytes(b"model X:\n    state x = \xff\xfe\n")
    main = tmp_path / "main.nmm"
    main.write_text("import binary\n\nmodel M:\n    state x = 1\n    d(x)/dt = -x / (1 ms)\n")
    with pytest.raises(NmmError) as info:
        load_program(main)
    (d,) = info.value.diagnostics
    assert (d.code, Path(d.span.file).name, d.span.line, d.span.col) == \
        ("NMM005", "main.nmm", 1, 1)


def test_nmm004_import_is_relative_to_the_importing_file(tmp_path, monkeypatch):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "lib.nmm").write_text("model L:\n    state x = 1\n    d(x)/dt = -x / (1 ms)\n")
    (sub / "main.nmm").write_text("from lib import L\n\nmodel M extends L:\n"
                                  "    state y = 1\n    d(y)/dt = -y / (1 ms)\n")
    monkeypatch.chdir(tmp_path)
    assert load_program(sub / "main.nmm").block("M").bases == ("L",)
    # the same text elsewhere cannot see lib.nmm
    (tmp_path / "main.nmm").write_text((sub / "main.nmm").read_text())
    with pytest.raises(NmmError) as info:
        load_program(tmp_path / "main.nmm")
    assert {d.code for d in info.value.diagnostics} == {"NMM004", "NMM112"}


def test_search_path_imports(tmp_path):
    lib = tmp_path / "libdir"
    lib.mkdir()
    (lib / "extra_lib.nmm").write_text("model Extra:\n    state x = 1\n    d(x)/dt = -x / (1 ms)\n")
    text = ("import extra_lib\n\nmodel M extends Extra:\n    state y = 1\n"
            "    d(y)/dt = -y / (1 ms)\n")
    with pytest.raises(NmmError):
        load_program(tmp_path / "m.nmm", text=text)
    program = load_program(tmp_path / "m.nmm", text=text, search=[lib])
    assert program.block("M").bases == ("Extra",)


def test_long_chain_of_lets_checks_in_linear_time(tmp_path):
    """Forty lets that each read the one before twice: the cycle check explores each let once
    (one walk per path would be 2**40 walks), and a cycle closed at the end is still found."""
    lines = ["model Chain:", "    state x = 0.5", "    d(x)/dt = -x / (10 ms) + a39 / (1 s)",
             "    let a0 = x"]
    lines += [f"    let a{i} = a{i - 1} * a{i - 1} / (1 + a{i - 1})" for i in range(1, 40)]
    good = tmp_path / "chain.nmm"
    good.write_text("\n".join(lines) + "\n")
    load_program(good)
    bad = tmp_path / "cycle.nmm"
    bad.write_text("\n".join(lines).replace("let a0 = x", "let a0 = x + a39") + "\n")
    with pytest.raises(NmmError) as err:
        load_program(bad)
    codes = [d.code for d in err.value.diagnostics]
    assert codes == ["NMM105"]
    assert "a0 -> a39 -> a38" in err.value.diagnostics[0].message
