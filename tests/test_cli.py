"""The `brainmass` command line: check / list / show / --help / --version.

Commands run in-process through `main([...])` (fast); one test runs the installed console
script. Model folders are temp folders: the built-in catalogue is not relied upon.
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from brainmass_dsl.cli import COMMANDS, main

VALID = '''
model ClitOsc:
    """A damped oscillator for the CLI tests. Second sentence."""
    category: phenomenological
    aliases: ClitOscStep
    reference: "Nobody (2024)"
    parameter omega = 0.05 /ms   "angular frequency"
    parameter zeta  = 0.1        "damping ratio" in [0, 1]
    parameter sigma = 0 ms**-1.5 "noise amplitude"
    let gamma = 2 * zeta * omega
    input u = 0 /ms**2           "forcing"
    state x = 1.0 in [-5, 5]
    state v = 0 /ms
    d(x)/dt = v
    d(v)/dt = -gamma * v - omega**2 * x + u + sigma * xi
    output position = x
    couples x

coupling ClitDiffusive:
    parameter k = 1.0
    pre(x_i, x_j) = x_j - x_i
    post(s) = k * s
'''

# line 5: an undefined name (col 20); warnings: `unused` (line 3) and `tau` (line 2, unused
# because of the typo)
INVALID = '''model ClitBad:
    parameter tau = 10 ms
    parameter unused = 1.0
    state x = 0 mV
    d(x)/dt = -x / taux
'''

WARN_ONLY = '''model ClitWarn:
    parameter tau = 10 ms
    parameter unused = 1.0
    state x = 0 mV
    d(x)/dt = -x / tau
'''


def _write(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text).lstrip("\n"))
    return p


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv("BRAINMASS_MODEL_PATH", raising=False)


@pytest.fixture
def models(tmp_path):
    folder = tmp_path / "models"
    _write(folder, "osc.nmm", VALID)
    _write(folder, "sub/rate.nmm", '''
        model ClitRate:
            category: physiological
            use_case: "rate model used by the CLI tests"
            parameter tau = 10 ms
            state r = 0 Hz in [0, inf)
            state s = 0 Hz
            d(r)/dt = -r / tau
            d(s)/dt = (r - s) / tau
        ''')
    return folder


# ------------------------------------------------------------------------------ check
def test_check_valid_file_exits_0(models, capsys):
    assert main(["check", str(models / "osc.nmm")]) == 0
    out = capsys.readouterr().out
    assert "ok: 1 file checked" in out


def test_check_invalid_file_exits_1_with_positions(tmp_path, capsys):
    bad = _write(tmp_path, "bad.nmm", INVALID)
    assert main(["check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:5:20: error NMM101: undefined name 'taux'" in out
    assert "    5 |     d(x)/dt = -x / taux" in out
    assert "\n" + " " * 27 + "^^^^\n" in out            # caret under `taux`
    assert "hint: did you mean 'tau'?" in out
    assert "warning NMM301" in out
    assert out.rstrip().splitlines()[-1] == "1 error, 2 warnings in 1 file (1 file checked)"


def test_check_missing_file_exits_2(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.nmm")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "Traceback" not in err


def test_check_usage_error_exits_2(capsys):
    assert main(["check"]) == 2                    # FILE is required
    assert main(["check", "--format", "xml", "a.nmm"]) == 2
    assert main(["no-such-command"]) == 2
    assert main([]) == 2


def test_check_json(tmp_path, capsys):
    bad = _write(tmp_path, "bad.nmm", INVALID)
    good = _write(tmp_path, "good.nmm", WARN_ONLY)
    assert main(["check", "--format", "json", str(bad), str(good)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["errors"] == 1 and data["warnings"] == 3 and data["ok"] is False
    assert [f["file"] for f in data["files"]] == [str(bad), str(good)]
    diags = data["files"][0]["diagnostics"]
    err = next(d for d in diags if d["severity"] == "error")
    assert (err["code"], err["line"], err["col"]) == ("NMM101", 5, 20)
    assert err["end_col"] == 24 and err["file"] == str(bad) and err["hint"]
    warn = data["files"][1]["diagnostics"][0]
    assert (warn["code"], warn["line"], warn["col"], warn["severity"]) == \
        ("NMM301", 3, 15, "warning")


def test_check_warnings_allowed_unless_W_error(tmp_path, capsys):
    f = _write(tmp_path, "warn.nmm", WARN_ONLY)
    assert main(["check", str(f)]) == 0
    assert "0 errors, 1 warning in 1 file" in capsys.readouterr().out
    assert main(["check", "-W", "error", str(f)]) == 1
    assert main(["check", "--warnings-as-errors", str(f)]) == 1
    assert "error NMM301" in capsys.readouterr().out


def test_check_folder_and_syntax_error(tmp_path, capsys):
    _write(tmp_path, "a/ok.nmm", WARN_ONLY.replace("ClitWarn", "ClitA"))
    _write(tmp_path, "a/b/syntax.nmm", "model ClitS:\n    state x = = 1\n")
    assert main(["check", "--format", "json", str(tmp_path / "a")]) == 1
    data = json.loads(capsys.readouterr().out)
    assert len(data["files"]) == 2
    codes = [d["code"] for f in data["files"] for d in f["diagnostics"]]
    assert "NMM001" in codes


def test_check_uses_path_for_imports(tmp_path, models, capsys):
    user = _write(tmp_path, "user.nmm", '''
        model ClitMine extends ClitOsc:
            parameter omega = 0.1 /ms
        ''')
    assert main(["check", str(user)]) == 1            # ClitOsc is not on the search path
    assert "NMM112" in capsys.readouterr().out
    assert main(["check", "--path", str(models), str(user)]) == 0


# ------------------------------------------------------------------------------ list
def test_list_with_path(models, capsys):
    assert main(["list", "--path", str(models)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["name", "category", "#states", "use_case"]
    osc = next(ln for ln in lines if ln.startswith("ClitOsc "))
    assert osc.split()[:3] == ["ClitOsc", "phenomenological", "2"]
    assert "A damped oscillator for the CLI tests." in osc
    rate = next(ln for ln in lines if ln.startswith("ClitRate "))
    assert rate.split()[:3] == ["ClitRate", "physiological", "2"]
    assert "rate model used by the CLI tests" in rate
    assert "ClitDiffusive" in out                    # couplings listed below the table


def test_list_with_environment_variable(models, tmp_path, monkeypatch, capsys):
    other = tmp_path / "other"
    _write(other, "n.nmm", "model ClitNoise:\n    category: noise\n    state y = 0\n"
                           "    d(y)/dt = -y\n")
    monkeypatch.setenv("BRAINMASS_MODEL_PATH", os.pathsep.join([str(models), str(other)]))
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "ClitOsc" in out and "ClitNoise" in out


def test_list_category_and_json(models, capsys):
    assert main(["list", "--path", str(models), "--category", "physiological"]) == 0
    out = capsys.readouterr().out
    assert "ClitRate" in out and "ClitOsc" not in out
    assert main(["list", "--path", str(models), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_name = {m["name"]: m for m in data["models"]}
    assert by_name["ClitOsc"]["n_state_vars"] == 2
    assert by_name["ClitOsc"]["aliases"] == ["ClitOscStep"]
    assert "ClitDiffusive" in {c["name"] for c in data["couplings"]}
    assert main(["list", "--path", str(models), "--category", "physiologcal"]) == 1
    assert "did you mean physiological" in capsys.readouterr().err


def test_list_missing_path_is_usage_error(tmp_path, capsys):
    assert main(["list", "--path", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err


# ------------------------------------------------------------------------------ show
def test_show_text(models, capsys):
    assert main(["show", "--path", str(models), "ClitOscStep"]) == 0   # an alias
    out = capsys.readouterr().out
    assert out.startswith("ClitOsc  (model, phenomenological)")
    for text in ("A damped oscillator for the CLI tests.", "aliases:", "ClitOscStep",
                 "reference:", "Nobody (2024)", "Parameters:", "omega", "0.05 /ms",
                 "angular frequency", "[0, 1]", "States:", "[-5, 5]", "Inputs:", "forcing",
                 "Lets:", "gamma = 2 * zeta * omega",
                 "d(v)/dt = -gamma * v - omega**2 * x + u + sigma * xi",
                 "Outputs:", "position = x", "Couples (sent to neighbours):\n  x"):
        assert text in out, text


def test_show_markdown(models, capsys):
    assert main(["show", "--path", str(models), "--markdown", "ClitOsc", "ClitRate"]) == 0
    out = capsys.readouterr().out
    assert "## ClitOsc" in out and "## ClitRate" in out
    assert "| name | default | unit | bounds | description |" in out
    assert "| `omega` | `0.05 /ms` | `/ms` | | angular frequency |" in out
    assert "d(x)/dt = v" in out
    # deterministic: the same text twice, and no absolute paths
    assert main(["show", "--path", str(models), "--markdown", "ClitOsc", "ClitRate"]) == 0
    assert capsys.readouterr().out == out
    assert str(models) not in out


def test_show_file_and_block(models, capsys):
    f = models / "osc.nmm"
    assert main(["show", f"{f}:ClitDiffusive"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ClitDiffusive  (coupling)") and "pre(x_i, x_j) = x_j - x_i" in out
    assert main(["show", str(f)]) == 0                  # every block of the file
    out = capsys.readouterr().out
    assert "ClitOsc  (model" in out and "ClitDiffusive  (coupling)" in out
    assert main(["show", f"{f}:Nope"]) == 1
    assert "no block named 'Nope'" in capsys.readouterr().err


def test_duplicate_names_on_the_path_are_refused_naming_both_files(models, capsys):
    """Issue 20: `show MorrisLecar --path DIR` picked one of two files by path order. Now
    refused, naming both; FILE:NAME chooses. The same name in another --path folder or an
    alias counts too; the same file reached twice does not."""
    other = _write(models, "zz_draft.nmm", VALID.replace("omega = 0.05", "omega = 0.07")
                   .replace("coupling ClitDiffusive", "coupling ClitDiffusive2"))
    assert main(["show", "--path", str(models), "ClitOsc"]) == 1
    err = capsys.readouterr().err
    assert "'ClitOsc' is defined by 2 files on the search path" in err
    assert "osc.nmm" in err and "zz_draft.nmm" in err and "choose one with FILE:NAME" in err
    assert main(["show", "--path", str(models), "ClitOscStep"]) == 1          # the alias
    assert "'ClitOscStep' is defined by 2 files" in capsys.readouterr().err
    assert main(["show", "--path", str(models), f"{other}:ClitOsc"]) == 0
    out = capsys.readouterr().out
    assert "0.07" in out and "0.05" not in out
    assert main(["show", "--path", str(models), "--path", str(models / "sub"), "ClitRate"]) == 0
    capsys.readouterr()
    # a file that extends the ambiguous name: NMM006 at the extends, with the import to write
    user = _write(models.parent, "user.nmm", "model Fast extends ClitOsc:\n"
                  "    parameter omega = 0.1 /ms\n")
    assert main(["check", "--path", str(models), str(user)]) == 1
    out = capsys.readouterr().out
    assert "user.nmm:1:20: error NMM006: 'Fast' extends 'ClitOsc', which 2 files" in out
    assert 'from "osc.nmm" import ClitOsc' in out
    user.write_text('from "osc.nmm" import ClitOsc\n' + user.read_text())
    assert main(["check", "--path", str(models), str(user)]) == 0


def test_show_all_markdown_to_file(models, tmp_path, capsys):
    target = tmp_path / "models.md"
    assert main(["show", "--path", str(models), "--all", "--markdown", "-o", str(target)]) == 0
    text = target.read_text()
    assert text.startswith("# Model catalogue")
    assert "[ClitOsc](#clitosc)" in text and "## ClitRate" in text


def test_show_unknown_name_lists_close_matches(models, capsys):
    assert main(["show", "--path", str(models), "ClitOsk"]) == 1
    captured = capsys.readouterr()
    assert "no model named 'ClitOsk'" in captured.err and "ClitOsc" in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_show_invalid_file_reports_diagnostics(tmp_path, capsys):
    bad = _write(tmp_path, "bad.nmm", INVALID)
    assert main(["show", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "NMM101" in err and "Traceback" not in err


# ------------------------------------------------------------------------------ help
@pytest.mark.parametrize("argv", [["--help"]] + [[name, "--help"] for name in COMMANDS])
def test_help_exits_0(argv, capsys):
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: brainmass")
    assert "examples:" in out


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("brainmass ")


# ------------------------------------------------------------------------------ console script
def test_console_script(models, tmp_path):
    exe = shutil.which("brainmass", path=str(Path(sys.executable).parent)) or \
        shutil.which("brainmass")
    if exe is None:
        pytest.skip("the brainmass console script is not installed")
    # a file that extends a model found through BRAINMASS_MODEL_PATH (by its alias), with
    # one error; run from its folder so that the reported path is relative
    _write(tmp_path, "user.nmm", """
        model ClitMine extends ClitOscStep:
            parameter omega = 0.1 /ms
            output speed = v / taux
        """)
    env = {**os.environ, "BRAINMASS_MODEL_PATH": str(models)}
    r = subprocess.run([exe, "check", "--format", "json", "user.nmm"], capture_output=True,
                       text=True, env=env, cwd=tmp_path, timeout=120)
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert data["errors"] == 1 and "Traceback" not in r.stderr
    d = data["files"][0]["diagnostics"][0]
    assert (d["code"], d["file"], d["line"], d["col"]) == ("NMM101", "user.nmm", 3, 24)
