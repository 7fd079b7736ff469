"""Every example under "examples:" of every `brainmass COMMAND --help` runs and does what it
says, in a folder holding the files the examples name (my_model.nmm, models/, ~/my_models,
...). Simulations longer than 1 s are shortened to 1 s (transient 0.25 s): the test checks
that the command works and records a living signal, not the physiology of a minute."""
import os
import shlex
from pathlib import Path

import numpy as np
import pytest

from brainmass_dsl.cli import COMMANDS, main
from brainmass_dsl.runtime.results import Result

VALID = Path(__file__).resolve().parent / "valid"
MAX_MS = 1000.0


def _examples():
    out = []
    for cmd in COMMANDS.values():
        for line in cmd.examples.splitlines():
            words = shlex.split(line, comments=True)
            if words:
                out.append((cmd.name, line, words))
    return out


EXAMPLES = _examples()


def _model_file(name: str) -> str:
    text = (VALID / "damped_oscillator.nmm").read_text()
    return text.replace("DampedOscillator", name)


def _folder(root: Path) -> Path:
    """A working folder with every file and folder the examples name; HOME inside it."""
    home = root / "home"
    for sub, model in (("nmm", "HomeOsc"), ("my_models", "MineOsc"), ("lab_models", "LabOsc")):
        (home / sub).mkdir(parents=True)
        (home / sub / f"{model.lower()}.nmm").write_text(_model_file(model))
    work = root / "work"
    (work / "models").mkdir(parents=True)
    (work / "docs").mkdir()
    (work / "my_model.nmm").write_text(_model_file("MyOscillator"))
    (work / "a.nmm").write_text(_model_file("AOsc"))
    (work / "b.nmm").write_text(_model_file("BOsc"))
    (work / "models" / "c.nmm").write_text(_model_file("COsc"))
    return work


def _quick(words):
    """The example's words with --duration and --transient capped (see the module doc)."""
    from brainmass_dsl.commands._args import quantity

    words = list(words)
    for flag, cap in (("--duration", MAX_MS), ("--transient", MAX_MS / 4)):
        if flag in words:
            i = words.index(flag) + 1
            if quantity(words[i], "ms", flag) > cap:
                words[i] = f"{cap:g}ms"
    if words[1] == "simulate" and "--duration" not in words:
        words += ["--duration", f"{MAX_MS:g}ms"]
    return words


def _check_simulation(words, work: Path):
    out = Path(words[words.index("--out") + 1]) if "--out" in words else Path("run.npz")
    res = Result.load(work / out)
    for name in res.data:
        arr = np.asarray(res[name])
        assert arr.size and np.isfinite(arr).all(), name
    main_output = np.asarray(res[next(iter(res.data))])
    half = main_output[main_output.shape[0] // 2:]
    assert half.std(axis=0).max() > 1e-6, "the signal is flat: not a meaningful run"
    if "--batch" in words:
        count = int(words[words.index("--batch") + 1].split(":")[-1])
        assert main_output.shape[1] == count
    if "--bold" in words:
        assert "bold" in res.data
    if "--plot" in words:
        assert (work / words[words.index("--plot") + 1]).stat().st_size > 10_000


@pytest.mark.parametrize("command, line, words", EXAMPLES, ids=[e[1] for e in EXAMPLES])
def test_every_help_example_runs(command, line, words, tmp_path, monkeypatch, capsys):
    if command == "simulate" and "--plot" in words:
        pytest.importorskip("matplotlib")
    work = _folder(tmp_path)
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    env = {}
    while words and "=" in words[0] and words[0] != "brainmass":
        key, _, value = words.pop(0).partition("=")
        env[key] = value.replace("~", str(tmp_path / "home"))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if command == "cache":          # `cache clear` empties a folder of its own, not the tests'
        monkeypatch.setenv("BRAINMASS_CACHE_DIR", str(tmp_path / "cache"))
    assert words[0] == "brainmass"
    words = _quick(words)
    argv = [os.path.expanduser(w) if w.startswith("~") else w for w in words[1:]]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, f"{line}\n{captured.err}"
    assert "internal error" not in captured.err
    if command == "simulate":
        _check_simulation(words, work)
    elif command == "show" and "-o" in words:
        assert (work / words[words.index("-o") + 1]).stat().st_size > 1000
    elif command == "compile" and "--emit" in words:
        assert list((work / words[words.index("--emit") + 1]).glob("*.py"))
    else:
        assert captured.out.strip()
