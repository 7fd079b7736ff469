"""The catalogue index: list_models() / list_couplings() / find_model() on temp folders.

The built-in models/ folder is being filled by other work: these tests only use names
that cannot clash with it (prefix `Tcat`) and look at those entries only.
"""
import os
import textwrap
import time

import pytest

from brainmass_dsl.catalogue import (AmbiguousNameError, ModelInfo, ModelList,
                                     UnknownModelError, find_model, first_sentence, list_blocks,
                                     list_couplings, list_models)

OSC = '''
model TcatOsc:
    """A tiny harmonic oscillator. Only for tests."""
    category: phenomenological
    aliases: TcatOscStep, TcatOscillator
    parameter omega = 0.1 /ms "angular frequency" in [0, inf)
    state x = 1.0
    state v = 0 /ms
    d(x)/dt = v
    d(v)/dt = -omega**2 * x

model TcatOscDamped extends TcatOsc:
    use_case: "Damped oscillator for tests"
    parameter gamma = 0.01 /ms
    replace d(v)/dt = -omega**2 * x - gamma * v

coupling TcatLinear:
    parameter g = 1.0
    pre(x_i, x_j) = x_j
    post(s) = g * s
'''

RATE = '''
model TcatRate:
    """Rate model (e.g. for tests). Second sentence."""
    category: physiological
    parameter tau = 10 ms
    state r = 0 Hz in [0, inf)
    state a = 0 Hz
    state b = 0 Hz
    d(r)/dt = -r / tau
    d(a)/dt = -a / tau
    d(b)/dt = -b / tau
'''


def _write(folder, name, text):
    p = folder / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text).lstrip())
    return p


def _mine(models):
    return {m.name: m for m in models if m.name.startswith("Tcat")}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.delenv("BRAINMASS_MODEL_PATH", raising=False)
    _write(tmp_path, "osc.nmm", OSC)
    _write(tmp_path, "sub/rate.nmm", RATE)
    return tmp_path


def test_list_models_fields(folder):
    models = list_models([folder])
    assert isinstance(models, ModelList) and isinstance(models, list)
    mine = _mine(models)
    assert set(mine) == {"TcatOsc", "TcatOscDamped", "TcatRate"}  # no coupling here
    osc = mine["TcatOsc"]
    assert isinstance(osc, ModelInfo)
    assert osc[:4] == ("TcatOsc", "phenomenological", 2, "A tiny harmonic oscillator.")
    assert osc.name == "TcatOsc" and osc.n_state_vars == 2
    assert osc.aliases == ("TcatOscStep", "TcatOscillator")
    assert osc.path == (folder / "osc.nmm").resolve()
    assert osc.description.startswith("A tiny harmonic oscillator.")
    damped = mine["TcatOscDamped"]
    assert damped.category == "phenomenological"          # inherited
    assert damped.n_state_vars == 2                        # inherited states count
    assert damped.use_case == "Damped oscillator for tests"  # use_case metadata wins
    assert damped.extends == "TcatOsc"
    rate = mine["TcatRate"]
    assert rate.category == "physiological" and rate.n_state_vars == 3
    assert rate.use_case == "Rate model (e.g. for tests)."  # first sentence of the docstring


def test_category_filter_and_couplings(folder):
    phys = _mine(list_models([folder], category="physiological"))
    assert set(phys) == {"TcatRate"}
    couplings = _mine(list_couplings([folder]))
    assert set(couplings) == {"TcatLinear"}
    assert couplings["TcatLinear"].kind == "coupling"
    assert couplings["TcatLinear"].n_state_vars == 0
    both = _mine(list_blocks([folder]))
    assert set(both) == {"TcatOsc", "TcatOscDamped", "TcatRate", "TcatLinear"}


def test_to_table(folder):
    models = ModelList(m for m in list_models([folder]).filter("phenomenological")
                       if m.name.startswith("Tcat"))  # leave the built-in catalogue out
    table = models.to_table()
    lines = table.splitlines()
    assert lines[0].split() == ["name", "category", "#states", "use_case"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    row = next(ln for ln in lines if ln.startswith("TcatOsc "))
    assert "phenomenological" in row and " 2 " in row and "A tiny harmonic oscillator." in row
    # fixed width: the category column starts at the same offset on every line
    starts = {ln.index("phenomenological") for ln in lines[2:]}
    assert len(starts) == 1 and lines[0].index("category") in starts
    short = models.to_table(width=60)
    assert all(len(ln) <= 60 for ln in short.splitlines())
    assert "..." in short


def test_json_and_get(folder):
    import json

    models = list_models([folder])
    data = json.loads(models.to_json())
    names = {d["name"] for d in data}
    assert {"TcatOsc", "TcatRate"} <= names
    assert models.get("TcatOscStep").name == "TcatOsc"
    assert models.get("nothing-like-this") is None


def test_new_file_appears_and_changes_are_seen(folder):
    before = _mine(list_models([folder]))
    assert "TcatNew" not in before
    new = _write(folder, "more/new.nmm", """
        model TcatNew:
            category: noise
            state y = 0
            d(y)/dt = -y
        """)
    after = _mine(list_models([folder]))
    assert after["TcatNew"].category == "noise" and after["TcatNew"].n_state_vars == 1
    # editing a file is seen too (cache keyed by modification time)
    new.write_text(new.read_text().replace("category: noise", "category: forward"))
    future = time.time() + 5
    os.utime(new, (future, future))
    assert _mine(list_models([folder]))["TcatNew"].category == "forward"
    new.unlink()
    assert "TcatNew" not in _mine(list_models([folder]))


def test_environment_variable(tmp_path, monkeypatch):
    _write(tmp_path, "osc.nmm", OSC)
    monkeypatch.setenv("BRAINMASS_MODEL_PATH", str(tmp_path))
    assert "TcatOsc" in _mine(list_models())
    assert find_model("TcatOscStep") == ((tmp_path / "osc.nmm").resolve(), "TcatOsc")


def test_first_folder_wins(tmp_path, monkeypatch):
    monkeypatch.delenv("BRAINMASS_MODEL_PATH", raising=False)
    a, b = tmp_path / "a", tmp_path / "b"
    _write(a, "x.nmm", "model TcatDup:\n    category: noise\n    state y = 0\n"
                       "    d(y)/dt = -y\n")
    _write(b, "x.nmm", "model TcatDup:\n    category: forward\n    state y = 0\n"
                       "    d(y)/dt = -y\n")
    assert _mine(list_models([a, b]))["TcatDup"].category == "noise"
    assert _mine(list_models([b, a]))["TcatDup"].category == "forward"
    # but a lookup by name is never decided by the path order (issue 20)
    with pytest.raises(AmbiguousNameError, match=r"'TcatDup' is defined by 2 files on the "
                       r"search path: .*a.x\.nmm and .*b.x\.nmm; choose one with FILE:NAME"):
        find_model("TcatDup", [a, b])
    assert find_model("TcatDup", [a]) == ((a / "x.nmm").resolve(), "TcatDup")


def test_ambiguous_names_refused_from_python_and_catalogue_hidden_on_purpose(tmp_path,
                                                                            monkeypatch):
    """bm.NAME and a coupling by name refuse a name two user files define (naming both and
    how to choose); a user's file hiding a built-in catalogue model is the documented way to
    replace it and stays allowed."""
    import brainmass_dsl as bm
    from brainmass_dsl.runtime.library import catalogue_class
    from brainmass_dsl.runtime.network import find_coupling

    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        _write(folder, "dup.nmm", OSC)
    monkeypatch.setenv("BRAINMASS_MODEL_PATH", os.pathsep.join([str(a), str(b)]))
    with pytest.raises(AmbiguousNameError, match=r"'TcatOsc' is defined by 2 files.*choose one "
                       r"with bm.load\(.*dup.nmm'\).TcatOsc"):
        bm.TcatOsc
    with pytest.raises(ValueError, match="'TcatLinear' is defined by 2 files"):
        find_coupling("TcatLinear")
    assert bm.load(a / "dup.nmm").TcatOsc(1).in_size == (1,)
    monkeypatch.setenv("BRAINMASS_MODEL_PATH", str(a))
    assert catalogue_class("TcatOsc")._program.main_file == str((a / "dup.nmm").resolve())
    hopf = (tmp_path / "mine" / "hopf.nmm")
    _write(hopf.parent, "hopf.nmm", "model HopfStep:\n    state z = 0\n    d(z)/dt = -z / (1 ms)\n")
    assert find_model("HopfStep", [hopf.parent]) == (hopf.resolve(), "HopfStep")


def test_find_model_resolves_aliases(folder):
    path = (folder / "osc.nmm").resolve()
    assert find_model("TcatOsc", [folder]) == (path, "TcatOsc")
    assert find_model("TcatOscStep", [folder]) == (path, "TcatOsc")
    assert find_model("TcatOscillator", [folder]) == (path, "TcatOsc")
    assert find_model("tcatoscdamped", [folder]) == (path, "TcatOscDamped")  # case-insensitive
    assert find_model("TcatLinear", [folder]) == (path, "TcatLinear")
    assert find_model("TcatRate", [folder])[0] == (folder / "sub" / "rate.nmm").resolve()
    with pytest.raises(UnknownModelError) as err:
        find_model("TcatOsk", [folder])
    assert isinstance(err.value, LookupError)
    assert "TcatOsc" in err.value.close and "did you mean" in str(err.value)


def test_broken_file_is_reported_not_fatal(folder):
    _write(folder, "broken.nmm", "model TcatBroken:\n    state x = 0\n    d(x)/dt = -y\n")
    _write(folder, "syntax.nmm", "model TcatSyntax:\n    state x = = 0\n")
    models = list_models([folder])                  # parse and resolve only: fast
    mine = _mine(models)
    assert "TcatOsc" in mine                        # the rest of the catalogue is intact
    problems = {p.name: msg for p, msg in models.problems}
    assert "NMM001" in problems["syntax.nmm"]
    checked = list_models([folder], check=True)     # every semantic check too
    assert _mine(checked)["TcatBroken"].n_errors == 1
    problems = {p.name: msg for p, msg in checked.problems}
    assert "NMM101" in problems["broken.nmm"]
    assert "NMM001" in problems["syntax.nmm"]


def test_first_sentence():
    assert first_sentence(None) == ""
    assert first_sentence("One. Two.") == "One."
    assert first_sentence("Wilson & Cowan (1972, eq. 3). More.") == "Wilson & Cowan (1972, eq. 3)."
    assert first_sentence("No full stop\n  at all") == "No full stop at all"
    assert first_sentence("Para one.\n\nPara two.") == "Para one."
