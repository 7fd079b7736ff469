"""Runtime parameter values respect the bounds their .nmm declaration gives (`in (0 ms, inf)`):
at construction, by `set_params`, per node and per batch member, for the parameters of wired
noise processes, of network noise and of couplings, and in sweep grids. A value outside is a
ValueError naming the parameter, where it is (node / batch member / grid point) and the
bounds as written; nothing is changed by a refused value."""
from __future__ import annotations

import numpy as np
import pytest

import brainmass_dsl as bm

SOURCE = '''
model Bounded:
    parameter tau = 10.0 ms   "time constant" in (0 ms, inf)
    parameter g   = 0.5       "gain" in [0, 1]
    parameter b   = 1.0       "unbounded"
    input u = 0 /ms
    state x = 0.0
    d(x)/dt = -x / tau + g * u + b * 0 /ms
    output x
    couples x

coupling BoundedDiffusive:
    parameter k = 1.0 "global coupling strength" in [0, inf)
    pre(x_i, x_j) = x_j - x_i
    post(s) = k * s
'''


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    path = tmp_path_factory.mktemp("bounds") / "bounded.nmm"
    path.write_text(SOURCE)
    return bm.load(path)


def test_construction_refuses_a_value_outside_the_bounds(lib):
    with pytest.raises(ValueError, match=r"parameter 'tau' of Bounded = -1 ms is outside its "
                                         r"declared bounds \(0 ms, inf\)"):
        lib.Bounded(1, tau=-1.0)
    with pytest.raises(ValueError, match=r"'tau'.*\(0 ms, inf\)"):
        lib.Bounded(1, tau=0.0)                         # open bound
    with pytest.raises(ValueError, match=r"'g'.*\[0, 1\]"):
        lib.Bounded(1, g=1.0 + 1e-9)
    for g in (0.0, 1.0):                                # closed bounds
        assert lib.Bounded(1, g=g).get_param("g") == g
    lib.Bounded(1, b=-1e300)                            # no bounds declared


def test_quantities_are_checked_in_the_declared_unit(lib):
    from brainmass_dsl.frontend.units import registry

    ureg = registry()
    with pytest.raises(ValueError, match=r"'tau'.* = -0.5 ms"):
        lib.Bounded(1, tau=-0.0005 * ureg.s)
    assert lib.Bounded(1, tau=0.002 * ureg.s).get_param("tau") == pytest.approx(2.0)


def test_per_node_and_per_batch_values_name_the_offending_entry(lib):
    with pytest.raises(ValueError, match=r"'tau' of Bounded is outside its declared bounds "
                                         r"\(0 ms, inf\) at node 2 \(value -3 ms"):
        lib.Bounded(4, tau=[1.0, 2.0, -3.0, 4.0])
    m = lib.Bounded(3)
    with pytest.raises(ValueError, match=r"at batch member 1, node 0 \(value 0 ms.*and at 1 "
                                         r"other index"):
        m.set_params(tau=np.array([[1.0, 1.0, 1.0], [0.0, 1.0, -1.0]]))
    with pytest.raises(ValueError, match=r"'g'.*at batch member 1 \(value 2"):
        m.set_params(g=np.array([0.5, 2.0]))
    with pytest.raises(ValueError, match=r"at node \(1, 0\)"):
        lib.Bounded((2, 2), g=np.array([[0.1, 0.2], [-0.1, 0.3]]))
    # a refused value changes nothing
    m.set_params(tau=5.0)
    with pytest.raises(ValueError):
        m.set_params(tau=[1.0, -1.0, 1.0])
    assert m.get_param("tau") == 5.0


def test_wired_noise_parameters_are_checked(lib):
    with pytest.raises(ValueError, match=r"parameter 'tau' of OUProcess = 0 ms"):
        bm.OUProcess(1, tau=0.0)
    m = lib.Bounded(2, noise_u=bm.OUProcess(1, sigma=0.1))
    with pytest.raises(ValueError, match=r"parameter 'noise_u.sigma' of Bounded = -0.1 is "
                                         r"outside its declared bounds \[0, inf\)"):
        m.set_params(**{"noise_u.sigma": -0.1})
    m.set_params(**{"noise_u.sigma": 0.0})


def test_network_coupling_and_noise_parameters_are_checked(lib):
    W = np.ones((3, 3)) - np.eye(3)
    with pytest.raises(ValueError, match=r"parameter 'coupling.k' of Network\[Bounded\] = -0.5 "
                                         r"is outside its declared bounds \[0, inf\)"):
        bm.Network(lib.Bounded(3), conn=W, coupling="BoundedDiffusive", k=-0.5)
    net = bm.Network(lib.Bounded(3), conn=W, coupling="BoundedDiffusive", k=0.5,
                     noise=bm.OUProcess(1, sigma=0.1))
    with pytest.raises(ValueError, match=r"'coupling.k'.*at node 1"):
        net.set_params(k=[0.1, -0.1, 0.1])
    with pytest.raises(ValueError, match=r"'noise.tau' of Network\[Bounded\] = -1 ms"):
        net.set_params(**{"noise.tau": -1.0})
    with pytest.raises(ValueError, match=r"'tau' of Bounded = -1 ms"):
        net.set_params(tau=-1.0)
    assert net.get_param("coupling.k") == 0.5


def test_sweep_grid_values_are_checked_before_anything_runs(lib):
    from brainmass_dsl.runtime.sweep import grid_points

    m = lib.Bounded(2)
    with pytest.raises(ValueError, match=r"grid\['tau'\]\[2\] \(parameter 'tau'\) of Bounded = "
                                         r"-1 ms is outside its declared bounds \(0 ms, inf\)"):
        bm.sweep(m, {"tau": [1.0, 2.0, -1.0]}, 1.0, dt=0.1)
    with pytest.raises(ValueError, match=r"grid\['g'\]\[0\].*at node 1"):
        grid_points(m, {"g": [np.array([0.5, 1.5])]})
    net = bm.Network(lib.Bounded(2), conn=np.ones((2, 2)), coupling="BoundedDiffusive")
    with pytest.raises(ValueError, match=r"grid\['k'\]\[1\] \(parameter 'coupling.k'\)"):
        grid_points(net, {"k": [0.0, -1.0]})
    res = bm.sweep(m, {"tau": [1.0, 2.0], "g": [0.0, 1.0]}, 1.0, dt=0.1)
    assert res.n_points == 4
