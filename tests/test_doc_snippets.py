"""Every ```python snippet of README.md and docs/*.md runs as pasted (in a fresh namespace,
in a folder holding the README's `my_models.nmm`). Snippets that take more than a few seconds
(a 130 s simulation, a gradient) are marked slow, the fit (minutes) runs only with
BRAINMASS_DOC_SNIPPETS=all; all share the kernel cache of the test run."""
import os
import re
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^([ \t]*)```python[ \t]*\n(.*?)^\1```", re.S | re.M)
#: snippets that take more than a few seconds (by what they run): marked slow
SLOW = ("130_000.0", "network_gradient(", "network_sensitivity(", "fit.fit(")
#: ... and those that take minutes on a 2-core machine: run when BRAINMASS_DOC_SNIPPETS=all
VERY_SLOW = ("fit.fit(",)


def _snippets():
    out = []
    for path in [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            line = text[:m.start()].count("\n") + 1
            where = f"{path.name}:{line}"
            code = m.group(2)
            marks = [pytest.mark.slow] if any(s in code for s in SLOW) else []
            if any(s in code for s in VERY_SLOW):
                marks.append(pytest.mark.skipif(
                    os.environ.get("BRAINMASS_DOC_SNIPPETS") != "all",
                    reason="a fit of minutes: set BRAINMASS_DOC_SNIPPETS=all to run it"))
            out.append(pytest.param(where, textwrap.dedent(m.group(2)), id=where, marks=marks))
    return out


SNIPPETS = _snippets()


def _readme_model() -> str:
    """The README's model file (its first ```nmm block), which its snippet loads."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("```nmm\n", 1)[1].split("```", 1)[0]


def test_the_snippets_are_found():
    where = [p.values[0] for p in SNIPPETS]
    assert len(where) >= 7 and any(w.startswith("README.md") for w in where)


@pytest.mark.parametrize("where, code", SNIPPETS)
def test_snippet_runs_as_pasted(where, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my_models.nmm").write_text(_readme_model(), encoding="utf-8")
    t0 = time.perf_counter()
    exec(compile(code, where, "exec"), {"__name__": "__main__"})
    print(f"{where}: {time.perf_counter() - t0:.1f} s")
