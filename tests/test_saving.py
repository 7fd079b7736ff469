"""Saving never destroys a file: atomic writes, no silent overwrite, suffixes checked, and
the CLI checks --out before simulating."""
import os

import numpy as np
import pytest

from brainmass_dsl.cli import main
from brainmass_dsl.runtime.results import Result
from brainmass_dsl.runtime.safe_write import write_new

from faults import read_only


def small_result():
    return Result({"x": np.arange(6.0).reshape(3, 2)}, np.array([0.1, 0.2, 0.3]), {"x": "mV"})


def test_an_existing_file_is_replaced_only_with_overwrite(tmp_path):
    p = tmp_path / "run.npz"
    p.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        small_result().save(p)
    assert p.read_bytes() == b"precious"
    small_result().save(p, overwrite=True)
    np.testing.assert_array_equal(Result.load(p)["x"], small_result()["x"])
    assert sorted(os.listdir(tmp_path)) == ["run.npz"]


def test_a_suffix_the_format_does_not_match_is_an_error(tmp_path):
    for name in ("run.txt", "run", "run.npz.bak"):
        with pytest.raises(ValueError, match="path: results are saved as .npz"):
            small_result().save(tmp_path / name)
    assert not os.listdir(tmp_path)


def test_a_failing_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    p = tmp_path / "run.npz"
    p.write_bytes(b"precious")

    def crash(tmp):
        with open(tmp, "wb") as fh:
            fh.write(b"half a fi")
        raise KeyboardInterrupt       # Ctrl-C in the middle of writing

    with pytest.raises(KeyboardInterrupt):
        write_new(p, crash, overwrite=True)
    assert p.read_bytes() == b"precious" and os.listdir(tmp_path) == ["run.npz"]


def test_saved_files_are_group_readable(tmp_path):
    old = os.umask(0o022)
    try:
        p = small_result().save(tmp_path / "run.npz")
    finally:
        os.umask(old)
    assert p.stat().st_mode & 0o044 == 0o044


def test_cli_checks_out_before_simulating(tmp_path, capsys):
    existing = tmp_path / "run.npz"
    existing.write_bytes(b"precious")
    args = ["simulate", "HopfStep", "--duration", "2ms", "--no-progress"]
    assert main(args + ["--out", str(existing)]) == 2
    err = capsys.readouterr().err
    assert "exists" in err and "--force" in err and existing.read_bytes() == b"precious"
    assert main(args + ["--out", str(tmp_path / "run.csv")]) == 2
    assert ".npz" in capsys.readouterr().err
    assert main(args + ["--out", str(tmp_path / "missing" / "run.npz")]) == 2
    assert "does not exist" in capsys.readouterr().err
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder):
        assert main(args + ["--out", str(folder / "run.npz")]) == 2
        assert "cannot write" in capsys.readouterr().err
    assert main(args + ["--out", str(existing), "--force"]) == 0
    assert Result.load(existing)["x"].shape == (2, 68)   # 20 steps, every 10th
