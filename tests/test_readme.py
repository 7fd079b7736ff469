"""The README starts with the two set-up commands, and CI runs the same test command."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands():
    text = (ROOT / "README.md").read_text()
    assert text.startswith("```bash\n")
    block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    lines = [ln for ln in block.splitlines() if ln.strip()]
    assert len(lines) == 2, lines
    return lines


def test_readme_starts_with_install_and_test_commands():
    install, test = _commands()
    assert install.startswith("pip install ") and "brainmass simulate" in install
    assert test.startswith("pip install ") and "pytest" in test


def test_ci_runs_the_readme_test_command():
    _, test = _commands()
    assert test in (ROOT / ".ci" / "run").read_text()
