"""The generated catalogue documentation and the catalogue's public entry points.

- docs/models.md is `brainmass show --all --markdown -o docs/models.md`: regenerated here
  in-process and compared, so CI fails when a model changes and the document is stale
  (fix: run that command and commit the result).
- `brainmass list` shows every model of issue 4 with its category.
- `list_models`, `ModelInfo` and brainmass's utilities are reachable from the package top level.
"""
from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest

import brainmass_dsl as bm
from brainmass_dsl import catalogue, utils
from brainmass_dsl.cli import main

ROOT = Path(__file__).resolve().parents[1]
MODELS_MD = ROOT / "docs" / "models.md"
REGENERATE = "brainmass show --all --markdown -o docs/models.md"

# issue 4, "What to build", item 1: the neural mass models of brainmass, by category
ISSUE_MODELS = {
    "phenomenological": ["HopfStep", "StuartLandauStep", "VanDerPolStep", "FitzHughNagumoStep",
                         "ThresholdLinearStep", "Generic2dOscillatorStep", "LorenzStep",
                         "LinearStep"],
    "physiological": ["WilsonCowanStep", "WilsonCowanNoSaturationStep",
                      "WilsonCowanSymmetricStep", "WilsonCowanSimplifiedStep",
                      "WilsonCowanLinearStep", "WilsonCowanDivisiveStep",
                      "WilsonCowanDivisiveInputStep", "WilsonCowanDelayedStep",
                      "WilsonCowanAdaptiveStep", "WilsonCowanThreePopulationStep",
                      "JansenRitStep", "WongWangStep", "WongWangExcInhStep",
                      "MontbrioPazoRoxinStep", "CoombesByrneStep", "LarterBreakspearStep",
                      "EpileptorStep"],
    "network": ["KuramotoNetwork"],
}
# brainmass names that are aliases of a block here: alias -> block
ISSUE_ALIASES = {"WilsonCowanThreePopBase": "WilsonCowanThreePopulationStep",
                 "WhiteNoise": "GaussianNoise"}
# brainmass names deliberately not in the catalogue (docs/differences-from-brainmass.md)
OMITTED = {"JansenRitTR"}
# issue 4, item 2: noise processes (category noise)
ISSUE_NOISE = ["OUProcess", "GaussianNoise", "WhiteNoise", "BrownianNoise", "ColoredNoise",
               "PinkNoise", "BrownNoise", "BlueNoise", "VioletNoise"]


@pytest.fixture
def builtin_only(monkeypatch):
    """The built-in catalogue only (a user's BRAINMASS_MODEL_PATH must not leak in)."""
    monkeypatch.delenv("BRAINMASS_MODEL_PATH", raising=False)


# ============================================================================= docs/models.md
def _generate(tmp_path, capsys) -> str:
    target = tmp_path / "models.md"
    assert main(["show", "--all", "--markdown", "-o", str(target)]) == 0
    err = capsys.readouterr().err
    assert "skipping" not in err, err          # every catalogue block is valid and documented
    return target.read_text(encoding="utf-8")


def test_models_md_is_up_to_date(builtin_only, tmp_path, capsys):
    assert MODELS_MD.is_file(), f"docs/models.md is missing; run `{REGENERATE}`"
    fresh = _generate(tmp_path, capsys)
    current = MODELS_MD.read_text(encoding="utf-8")
    if fresh != current:
        diff = "".join(list(difflib.unified_diff(
            current.splitlines(keepends=True), fresh.splitlines(keepends=True),
            "docs/models.md (committed)", "docs/models.md (generated)", n=1))[:60])
        pytest.fail(f"docs/models.md is out of date; run `{REGENERATE}` and commit it.\n{diff}")


def test_generation_is_deterministic(builtin_only, tmp_path, capsys):
    a = _generate(tmp_path, capsys)
    b = _generate(tmp_path, capsys)
    assert a == b
    assert str(ROOT) not in a, "absolute paths in the generated document"


def test_models_md_documents_every_block(builtin_only):
    text = MODELS_MD.read_text(encoding="utf-8")
    blocks = catalogue.list_blocks()
    assert not blocks.problems, blocks.problems
    for info in blocks:
        assert f"\n## {info.name}\n" in text, info.name
        assert f"[{info.name}](#{info.name.lower()})" in text, f"{info.name} not in contents"
    for info in catalogue.list_models():
        section = text.split(f"\n## {info.name}\n", 1)[1].split("\n## ", 1)[0]
        assert f"category `{info.category}`" in section, info.name
        if info.n_state_vars:
            assert "### Equations" in section and "### State variables" in section, info.name
        assert "**References:**" in section, f"{info.name}: no reference"


def test_models_md_renders_docstring_equations_as_code():
    """Indented equations of docstrings are fenced (not merged into the paragraph, where
    `V**3` would turn into bold text)."""
    in_fence = False
    for k, line in enumerate(MODELS_MD.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if not in_fence:
            assert not line.startswith("    "), f"docs/models.md:{k}: indented line {line!r}"
            prose = " ".join(line.split("`")[0::2])       # outside code spans
            assert not re.search(r"\w\*+\w", prose), f"docs/models.md:{k}: unescaped * in {line!r}"
    assert not in_fence


def test_docstring_markdown():
    from brainmass_dsl.describe import _docstring_markdown

    doc = ("A model with V**3 and `x**2` in prose.\n\nEquations:\n"
           "    dV/dt = -V**3 + I\n\n    dw/dt = V - w\nwith I the input.")
    assert _docstring_markdown(doc).split("\n") == [
        "A model with V\\*\\*3 and `x**2` in prose.", "", "Equations:", "",
        "```", "dV/dt = -V**3 + I", "", "dw/dt = V - w", "```", "", "with I the input."]


# ============================================================================= brainmass list
def _listed(capsys):
    assert main(["list", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    entries = {m["name"]: m for m in data["models"]}
    aliases = {a: m["name"] for m in data["models"] for a in m["aliases"]}
    return entries, aliases, data


@pytest.mark.parametrize("category,name", [(c, n) for c, names in ISSUE_MODELS.items()
                                           for n in names])
def test_issue_model_is_listed_with_its_category(builtin_only, capsys, category, name):
    entries, _, data = _listed(capsys)
    assert name in entries, f"{name} is not in `brainmass list`"
    assert entries[name]["category"] == category
    assert entries[name]["n_errors"] == 0
    assert not data["problems"], data["problems"]


def test_list_table_shows_name_and_category(builtin_only, capsys):
    assert main(["list", "--width", "200"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split()[1] for line in lines[2:] if line.strip()
            and not line.startswith("couplings:")}
    for category, names in ISSUE_MODELS.items():
        for name in names:
            assert rows.get(name) == category, (name, rows.get(name))
    assert main(["list", "--category", "network"]) == 0
    assert "KuramotoNetwork" in capsys.readouterr().out


def test_brainmass_aliases_and_omissions(builtin_only, capsys):
    entries, aliases, _ = _listed(capsys)
    for alias, block in ISSUE_ALIASES.items():
        if block in entries or alias in aliases:
            assert aliases.get(alias) == block, alias
    for name in OMITTED:
        assert name not in entries and name not in aliases
        assert name in (ROOT / "docs" / "differences-from-brainmass.md").read_text()


@pytest.mark.parametrize("name", ISSUE_NOISE)
def test_issue_noise_process_is_listed(builtin_only, capsys, name):
    entries, aliases, _ = _listed(capsys)
    block = name if name in entries else aliases.get(name)
    if block is None:
        pytest.xfail(f"{name}: noise process not in the catalogue yet (issue 4, item 2)")
    assert entries[block]["category"] == "noise"


# ============================================================================= top-level API
def test_list_models_and_model_info_at_top_level(builtin_only):
    assert bm.list_models is catalogue.list_models
    assert bm.ModelInfo is catalogue.ModelInfo
    for name in ("list_models", "ModelInfo"):
        assert name in bm.__all__
    models = bm.list_models()
    assert isinstance(models[0], bm.ModelInfo)
    assert bm.ModelInfo._fields[:4] == ("name", "category", "n_state_vars", "use_case")
    table = models.to_table()
    header, rule = table.splitlines()[:2]
    assert header.split() == ["name", "category", "#states", "use_case"]
    assert set(rule.replace(" ", "")) == {"-"}
    for names in ISSUE_MODELS.values():
        for name in names:
            assert name in table
    assert bm.list_models.to_table() == table          # brainmass's spelling
    assert bm.ModelInfo("X", "noise", 0, "tests").n_state_vars == 0
    by_name = {m.name: m for m in models}
    jr = by_name["JansenRitStep"]
    assert (jr.category, jr.n_state_vars) == ("physiological", 6) and jr.use_case
    assert [m.name for m in bm.list_models(category="network")] == ["KuramotoNetwork"]


def test_state_counts_match_the_references(builtin_only):
    import catalogue_refs as refs

    by_name = {m.name: m for m in catalogue.list_models()}
    for name, ref in refs.REFERENCES.items():
        assert by_name[name].n_state_vars == len(ref.states), name


@pytest.mark.parametrize("name", ["sys2nd", "sigmoid", "bounded_input", "process_sequence",
                                  "delay_index"])
def test_utilities_at_top_level(name):
    assert getattr(bm, name) is getattr(utils, name)
    assert name in bm.__all__


def test_top_level_utilities_work():
    import numpy as np

    assert float(bm.sys2nd(3.25, 0.1, 1.0, 0.5, 0.2)) == pytest.approx(0.28)
    assert float(bm.sigmoid(6.0, 5.0, 6.0, 0.56)) == pytest.approx(2.5)
    assert float(bm.bounded_input(1e9)) == pytest.approx(500.0)
    assert float(bm.process_sequence({"x": np.array([1.0, 2.0, 6.0])}, "mean")["x"]) == 3.0
    assert bm.delay_index(2).tolist() == [[0, 1], [0, 1]]


def test_list_shows_noise_processes_with_their_parameters(builtin_only, capsys):
    """For a noise process a user needs its parameters and how to wire it, not the count of
    internal filter states: `brainmass list` gives them in a section of their own."""
    assert main(["list", "--width", "200"]) == 0
    text = capsys.readouterr().out
    models, noise = text.split("noise processes:", 1)
    assert "OUProcess" not in models and "noise_x=bm.OUProcess(" in noise
    rows = {line.split()[0]: line for line in noise.splitlines()[3:] if line.strip()
            and not line.startswith("couplings:")}
    assert "mean=0, sigma=1, tau=10 ms" in rows["OUProcess"]
    assert "sigma=1 ms**0.5" in rows["GaussianNoise"]
    assert "beta=1, f_low=1 Hz" in rows["PinkNoise"]
    info = {m.name: m for m in bm.list_models()}["OUProcess"]
    assert info.parameters == ("mean=0", "sigma=1", "tau=10 ms")
