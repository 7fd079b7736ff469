"""Random initial states declared in a .nmm file (`state x = uniform(lo, hi)`, `normal(mean,
std)`), drawn at init_all_states from the counter-based generator (issue 17):

- the catalogue's brainmass initialisers: Uniform(0, 0.05) for Stuart-Landau, Van der Pol,
  FitzHugh-Nagumo, MPR (r in Hz), Uniform(0, 2 pi) for Kuramoto's theta;
- reproducible per seed, different for another seed, independent per node, batch member and
  state, the same batch member whether drawn in one batch or with a batch_offset;
- the draws are Philox4x32-10 uniforms (checked against an independent Philox evaluation) and
  their distribution (KS test for uniform and normal);
- init_<state>= still wins; the declared unit is the state's unit.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import brainmass_dsl as bm
from brainmass_dsl.frontend.program import load_program
from brainmass_dsl.runtime.library import ModelLibrary

SRC = """\
model R:
    parameter tau = 10 ms
    state u = uniform(-1 mV, 3 mV)
    state z = normal(0.5, 2)
    d(u)/dt = -u / tau
    d(z)/dt = -z / tau
"""


@pytest.fixture(scope="module")
def R(tmp_path_factory):
    path = tmp_path_factory.mktemp("rand") / "r.nmm"
    path.write_text(SRC)
    return bm.load(path).R


@pytest.mark.parametrize("name, states, lo, hi", [
    ("StuartLandauStep", ("x", "y"), 0.0, 0.05), ("VanDerPolStep", ("x", "y"), 0.0, 0.05),
    ("FitzHughNagumoStep", ("V", "w"), 0.0, 0.05),
    ("MontbrioPazoRoxinStep", ("r", "v"), 0.0, 0.05),
])
def test_catalogue_initial_states_are_brainmass_uniforms(name, states, lo, hi):
    m = getattr(bm, name)(500)
    m.init_all_states()
    for s in states:
        v = getattr(m, s).value                     # MPR's r reads in Hz, as declared
        assert v.shape == (500,) and lo <= v.min() and v.max() < hi
        assert stats.kstest((v - lo) / (hi - lo), "uniform").pvalue > 1e-3
    a, b = (getattr(m, s).value for s in states)
    assert not np.array_equal(a, b)                 # independent per state


def test_kuramoto_phases_uniform_in_0_2pi():
    net = bm.KuramotoNetwork(400, K=1.0)
    net.init_all_states()
    th = net.node.theta.value
    assert 0.0 <= th.min() and th.max() < 2 * np.pi
    assert stats.kstest(th / (2 * np.pi), "uniform").pvalue > 1e-3


def test_reproducible_per_seed_and_independent_per_batch_member():
    m = bm.StuartLandauStep(6)
    a = m.init_all_states(batch_size=3).x.value.copy()
    b = m.init_all_states(batch_size=3).x.value.copy()
    np.testing.assert_array_equal(a, b)
    assert len({tuple(row) for row in a}) == 3             # every batch member its own draw
    c = m.init_all_states(batch_size=3, seed=7).x.value
    assert not np.array_equal(a, c)
    # batch member 2 is the same when drawn alone with batch_offset=2 (sweeps in chunks)
    d = m.init_all_states(batch_size=1, batch_offset=2).x.value
    np.testing.assert_array_equal(d[0], a[2])
    # the model's seed is the default seed; Simulator.run(seed=) draws with its seed
    res = bm.Simulator(bm.StuartLandauStep(6, seed=7), dt=0.1).run(0.1, monitors=["x"])
    res2 = bm.Simulator(bm.StuartLandauStep(6), dt=0.1).run(0.1, monitors=["x"], seed=7)
    np.testing.assert_array_equal(res["x"], res2["x"])


def test_draws_are_philox_uniforms():
    """Independent evaluation of the documented counter (step word 2**32-1, stream word
    0xFFFF0000 | state index, key = seed) with the scalar Philox of brainmass_dsl.rng."""
    from brainmass_dsl.rng import philox4x32

    m = bm.StuartLandauStep(4, seed=123)
    x = m.init_all_states(batch_size=2).y.value            # state index 1
    for b in range(2):
        for j in range(4):
            r0, r1, _, _ = philox4x32(0xFFFFFFFF, b, j, 0xFFFF0001, 123, 0)
            u = ((int(r0) >> 5) * 2 ** 26 + (int(r1) >> 6)) / 2 ** 53
            assert x[b, j] == pytest.approx(0.05 * u, rel=0, abs=1e-17)


def test_user_model_uniform_and_normal_in_declared_units(R):
    m = R(4000)
    m.init_all_states()
    u = m.u.value                                           # mV, as declared
    assert m._meta["states"][0]["unit"] == "mV"
    assert -1.0 <= u.min() and u.max() < 3.0
    assert stats.kstest((u + 1.0) / 4.0, "uniform").pvalue > 1e-3
    z = m.z.value
    assert stats.kstest((z - 0.5) / 2.0, "norm").pvalue > 1e-3
    assert m._meta["states"][1]["random"] == ["normal", 0.5, 2.0]
    given = R(3, init_u=np.array([0.1, 0.2, 0.3]))          # init_<state>= still wins
    np.testing.assert_array_equal(given.init_all_states().u.value, [0.1, 0.2, 0.3])


def test_random_state_in_a_network_draws_the_same_as_its_node():
    node = bm.StuartLandauStep(5)
    net = bm.Network(node, conn=np.ones((5, 5)), coupled_var="x", k=0.1)
    net.init_all_states(batch_size=2)
    ref = bm.StuartLandauStep(5).init_all_states(batch_size=2)
    np.testing.assert_array_equal(net.node.x.value, ref.x.value)


def test_printer_round_trip_keeps_the_random_initial_value():
    from brainmass_dsl.frontend.printer import format_expr

    prog = load_program("r.nmm", text=SRC)
    states = [m for m in prog.block("R").members if type(m).__name__ == "State"]
    assert [format_expr(s.init) for s in states] == ["uniform(-1 mV, 3 mV)", "normal(0.5, 2)"]
    assert isinstance(ModelLibrary(prog, ["R"]).R, type)
