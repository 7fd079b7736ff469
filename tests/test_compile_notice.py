"""A kernel compiling cold says so (model, time) on stderr, once; a cache hit says nothing;
`bm.environ.set(compile_notice=False)` or BRAINMASS_QUIET=1 silence it."""
import uuid

import pytest

import brainmass_dsl as bm
from brainmass_dsl.runtime import compile_notice

SOURCE = """
model Leaky{tag}:
    parameter tau = {tau} ms
    input u = 0 /ms
    state x = 1.0
    d(x)/dt = -x / tau + u
    output y = x
"""


def _fresh_model(tmp_path):
    """A model no cache has seen (its key is new): its first run compiles."""
    tag = uuid.uuid4().hex[:8]
    path = tmp_path / f"leaky_{tag}.nmm"
    path.write_text(SOURCE.format(tag=tag, tau=10.0 + int(tag, 16) % 1000 / 1000))
    return bm.load(path)[f"Leaky{tag}"](2), f"Leaky{tag}"


def test_a_cold_compile_is_announced_with_its_time_and_a_hit_is_silent(tmp_path, capsys):
    model, name = _fresh_model(tmp_path)
    sim = bm.Simulator(model, dt=0.1)
    sim.run(1.0, progress=False)
    err = capsys.readouterr().err
    assert f"compiling {name} (first run; cached afterwards)" in err
    assert err.rstrip().endswith(" s")                  # the time it took
    sim.run(1.0, progress=False)
    with bm.environ.context(dt=0.1):
        model.update()
    assert "compiling" not in capsys.readouterr().err


def test_the_notice_can_be_silenced(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BRAINMASS_QUIET", "1")
    model, _ = _fresh_model(tmp_path)
    bm.Simulator(model, dt=0.1).run(1.0, progress=False)
    assert "compiling" not in capsys.readouterr().err


@pytest.mark.parametrize("setting, env, shown", [(None, None, True), (None, "1", False),
                                                 (None, "0", True), (False, None, False),
                                                 (True, "1", True)])
def test_the_switches(setting, env, shown, monkeypatch):
    if env is None:
        monkeypatch.delenv("BRAINMASS_QUIET", raising=False)
    else:
        monkeypatch.setenv("BRAINMASS_QUIET", env)
    if setting is not None:
        bm.environ.set(compile_notice=setting)
    assert compile_notice.enabled() is shown
