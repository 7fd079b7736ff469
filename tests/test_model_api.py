"""The brainmass-compatible per-step API: construction, parameters, units, states, update."""
import numpy as np
import pint
import pytest

import brainmass_dsl as bm

ureg = pint.UnitRegistry()


def test_update_advances_one_step_and_returns_outputs(test_models):
    bm.environ.set(dt=0.1)
    m = test_models.LinearDecay(3)
    m.init_all_states()
    out = m.update()
    np.testing.assert_allclose(out, 0.01 * np.exp(-1.0), rtol=1e-14)
    np.testing.assert_allclose(m.x.value, out)
    two = test_models.Oscillator(2, method="rk4")
    x, energy = two.update()
    assert x.shape == (2,) and energy.shape == (2,)


def test_update_equals_simulator(test_models):
    m = test_models.Oscillator(2, method="heun")
    res = bm.Simulator(m, dt=0.1).run(1.0, progress=False)
    m.init_all_states()
    with bm.environ.context(dt=0.1):
        xs = [m.update()[0] for _ in range(10)]
    np.testing.assert_allclose(np.array(xs), res["x"], rtol=1e-15)


def test_states_are_readable_and_writable_in_declared_units(test_models):
    m = test_models.Units(2)
    m.init_all_states()
    np.testing.assert_allclose(m.v.value, -65.0)
    m.v.value = np.array([-70.0, -60.0])
    np.testing.assert_allclose(m.v.value, [-70.0, -60.0])
    m.v.value = -0.055 * ureg.volt
    np.testing.assert_allclose(m.v.value, -55.0)
    with pytest.raises(ValueError, match="state 'v'.*expects a value in mV"):
        m.v.value = 3 * ureg.ms


def test_plain_numbers_mean_the_declared_unit(test_models):
    # rate is declared in Hz: rate=200 means 200 Hz = 0.2 /ms
    a = test_models.Units(1, rate=200.0)
    b = test_models.Units(1, rate=0.2 * ureg.kHz)
    c = test_models.Units(1, rate=200 * ureg.Hz)
    with bm.environ.context(dt=0.1):
        outs = []
        for m in (a, b, c):
            m.init_all_states()
            m.v.value = -60.0
            outs.append(m.update()[0])
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-14)
    np.testing.assert_allclose(outs[0], outs[2], rtol=1e-14)
    assert a.rate.value() == 200.0
    # exp-Euler of dv/dt = -0.2/ms (v - v0) from -60 mV for 0.1 ms
    np.testing.assert_allclose(outs[0], -65 + 5 * np.exp(-0.02), rtol=1e-13)


def test_parameter_shapes(test_models):
    g = np.array([-1.0, -2.0, -3.0, -4.0])
    per_node = test_models.LinearDecay(4, gamma=g)
    res = bm.Simulator(per_node, dt=0.1).run(1.0, progress=False)
    np.testing.assert_allclose(res["x"][-1], 0.01 * np.exp(g * 1.0), rtol=1e-12)
    per_batch = test_models.LinearDecay(4, gamma=np.array([-1.0, -2.0]))
    res = bm.Simulator(per_batch, dt=0.1).run(1.0, batch_size=2, progress=False)
    np.testing.assert_allclose(res["x"][-1], 0.01 * np.exp(np.array([[-1.0], [-2.0]])) * np.ones(4))
    full = test_models.LinearDecay(4, gamma=-np.arange(1.0, 9.0).reshape(2, 4))
    res = bm.Simulator(full, dt=0.1).run(1.0, batch_size=2, progress=False)
    np.testing.assert_allclose(res["x"][-1], 0.01 * np.exp(-np.arange(1.0, 9.0).reshape(2, 4)))
    multi = test_models.LinearDecay((2, 3), gamma=-np.ones((2, 3)))
    assert bm.Simulator(multi, dt=0.1).run(1.0, progress=False)["x"].shape == (10, 2, 3)


def test_one_dimensional_value_as_long_as_nodes_and_batch_is_refused(test_models):
    """Issue 20: a length-n 1-D value at batch size n could be per node or per batch; it is
    refused with both spellings, at every place a value meets the batch (parameters,
    initial states, inputs, state assignment), and the explicit forms mean what they say."""
    g = np.array([-1.0, -2.0])
    m = test_models.LinearDecay(2, gamma=g)
    with pytest.raises(ValueError, match=r"parameter 'gamma' of LinearDecay is ambiguous.*"
                       r"bm.per_node\(value\).*bm.per_batch\(value\).*\(2, 2\) indexed "
                       r"\(batch, node\)"):
        bm.Simulator(m, dt=0.1).run(1.0, batch_size=2, progress=False)
    # unbatched and other batch sizes keep today's meaning: per node
    single = bm.Simulator(m, dt=0.1).run(1.0, progress=False)["x"][-1]
    np.testing.assert_allclose(single, 0.01 * np.exp(g), rtol=1e-12)
    three = bm.Simulator(m, dt=0.1).run(1.0, batch_size=3, progress=False)["x"][-1]
    np.testing.assert_array_equal(three, np.broadcast_to(single, (3, 2)))

    per_node = test_models.LinearDecay(2, gamma=bm.per_node(g))
    res = bm.Simulator(per_node, dt=0.1).run(1.0, batch_size=2, progress=False)["x"][-1]
    np.testing.assert_array_equal(res, np.broadcast_to(single, (2, 2)))
    per_batch = test_models.LinearDecay(2, gamma=bm.per_batch(g))
    res = bm.Simulator(per_batch, dt=0.1).run(1.0, batch_size=2, progress=False)["x"][-1]
    np.testing.assert_array_equal(res, np.broadcast_to(single[:, None], (2, 2)))
    # the same as the (batch, node) array; NumPy-style length-1 axes are accepted too
    for value in (g[:, None] * np.ones(2), g[:, None], g[None, :]):
        m.set_params(gamma=value)
        other = bm.Simulator(m, dt=0.1).run(1.0, batch_size=2, progress=False)["x"][-1]
        want = per_node if value.shape == (1, 2) else per_batch
        np.testing.assert_array_equal(
            other, bm.Simulator(want, dt=0.1).run(1.0, batch_size=2, progress=False)["x"][-1])
    # with a unit, and read back
    per_batch.set_params(gamma=bm.per_batch(np.array([-1.0, -2.0]) * ureg("1/s")))
    np.testing.assert_allclose(per_batch.get_param("gamma"), [[-1e-3], [-2e-3]])

    x0 = np.array([1.0, 2.0])
    m = test_models.LinearDecay(2, init_x=x0)
    with pytest.raises(ValueError, match="init_x of LinearDecay is ambiguous"):
        m.init_all_states(batch_size=2)
    m = test_models.LinearDecay(2, init_x=bm.per_batch(x0)).init_all_states(batch_size=2)
    np.testing.assert_array_equal(m.x.value, [[1.0, 1.0], [2.0, 2.0]])
    with pytest.raises(ValueError, match="state 'x' of LinearDecay is ambiguous"):
        m.x.value = x0
    m.x.value = bm.per_node(x0)
    np.testing.assert_array_equal(m.x.value, [[1.0, 2.0], [1.0, 2.0]])
    with bm.environ.context(dt=0.1):
        with pytest.raises(ValueError, match="input 'x_inp' of LinearDecay is ambiguous"):
            m.update(x_inp=x0)
        m.update(x_inp=bm.per_node(x0))
    # Simulator inputs: 2 steps, 2 nodes, batch 2: a time series or a constant?
    sim = bm.Simulator(test_models.LinearDecay(2, gamma=0.0, init_x=0.0), dt=0.1)
    with pytest.raises(ValueError, match=r"input 'x_inp' of LinearDecay is ambiguous.*one value "
                       r"per step \(2 steps\).*value\[:, None\]"):
        sim.run(0.2, batch_size=2, inputs={"x_inp": x0}, progress=False)
    series = sim.run(0.2, batch_size=2, inputs={"x_inp": x0[:, None]}, progress=False)["x"]
    np.testing.assert_allclose(series[:, 0, 0], [0.1, 0.3])        # x += dt * x_inp per step
    const = sim.run(0.2, batch_size=2, inputs={"x_inp": bm.per_batch(x0)}, progress=False)["x"]
    np.testing.assert_allclose(const[:, :, 0], [[0.1, 0.2], [0.2, 0.4]])
    const = sim.run(0.2, batch_size=2, inputs={"x_inp": bm.per_node(x0)}, progress=False)["x"]
    np.testing.assert_allclose(const[:, 0, :], [[0.1, 0.2], [0.2, 0.4]])


def test_per_batch_and_per_node_errors(test_models):
    with pytest.raises(ValueError, match=r"per_batch\(\) takes one value per batch element"):
        test_models.LinearDecay(2, gamma=bm.per_batch(np.ones((2, 2))))
    m = test_models.LinearDecay(2, gamma=bm.per_batch([-1.0, -2.0, -3.0]))
    with pytest.raises(ValueError, match=r"per_batch\(\) gave 3 values but the batch has 2"):
        bm.Simulator(m, dt=0.1).run(1.0, batch_size=2, progress=False)
    with pytest.raises(ValueError, match=r"parameter 'gamma' of LinearDecay has shape \(1, 3\)"):
        test_models.LinearDecay(2, gamma=bm.per_node([-1.0, -2.0, -3.0]))
    with pytest.raises(TypeError, match="already wrapped"):
        bm.per_node(bm.per_batch([1.0]))
    assert repr(bm.per_batch([1.0, 2.0])) == "per_batch([1.0, 2.0])"


def test_changing_parameters_never_recompiles(test_models):
    m = test_models.LinearDecay(4, method="heun")
    bm.Simulator(m, dt=0.1).run(1.0, progress=False)
    run = m.kernel.runner(False)
    n_sigs = len(run.signatures)
    key = m.kernel.key
    for value in (-1.0, np.linspace(-1, -2, 4), np.array([-1.0, -3.0])):
        m.set_params(gamma=value)
        batch = 2 if np.ndim(value) == 1 and len(value) == 2 else None
        bm.Simulator(m, dt=0.1).run(1.0, batch_size=batch, progress=False)
    other = test_models.LinearDecay(7, method="heun", gamma=-5.0)
    bm.Simulator(other, dt=0.05).run(1.0, progress=False)
    assert len(run.signatures) == n_sigs and other.kernel.key == key


def test_clear_errors_for_bad_arguments(test_models):
    cls = test_models.Units
    with pytest.raises(TypeError, match="unexpected keyword argument 'rat'; did you mean 'rate'"):
        cls(1, rat=1.0)
    # a swap is one edit; init_ keywords are suggested and listed (issue 20)
    with pytest.raises(TypeError, match=r"'zeat'; did you mean 'zeta'\?.*initial states: "
                       r"init_x, init_v\)"):
        test_models.Oscillator(1, zeat=0.1)
    with pytest.raises(TypeError, match=r"'init_vv'; did you mean 'init_v'\?"):
        test_models.Oscillator(1, init_vv=0.1)
    with pytest.raises(ValueError, match="parameter 'rate' of Units contains NaN"):
        cls(1, rate=np.nan)
    with pytest.raises(ValueError, match="parameter 'rate' of Units \\(decay rate\\) expects a value in Hz"):
        cls(1, rate=3 * ureg.mV)
    with pytest.raises(ValueError, match="parameter 'rate' of Units has shape \\(2, 3, 4\\)"):
        cls(2, rate=np.ones((2, 3, 4)))
    with pytest.raises(TypeError, match="must be a number"):
        cls(1, rate="fast")
    m = cls(3)
    with pytest.raises(ValueError, match="shape"):
        bm.Simulator(m, dt=0.1).run(1.0, batch_size=2, progress=False) if m.set_params(
            rate=np.ones(5)) is None else None
    with pytest.raises(TypeError, match="has no input 'J'.*inputs: I"):
        with bm.environ.context(dt=0.1):
            cls(1).update(J=1.0)
    with pytest.raises(ValueError, match="unknown integrator"):
        cls(1, method="rk5")
    with pytest.raises(ValueError, match="in_size must be positive"):
        cls(0)


def test_initial_states_values_arrays_and_callables(test_models):
    m = test_models.Oscillator(3, init_x=np.array([1.0, 2.0, 3.0]), init_v=lambda shape: np.full(shape, 0.5))
    m.init_all_states(batch_size=2)
    assert m.x.value.shape == (2, 3)
    np.testing.assert_allclose(m.x.value[1], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(m.v.value, 0.5)


def test_noise_is_reproducible_per_seed(test_models):
    with bm.environ.context(dt=0.1):
        a, b, c = (test_models.OU(4, seed=s) for s in (1, 1, 2))
        xa = [a.update() for _ in range(5)]
        xb = [b.update() for _ in range(5)]
        xc = [c.update() for _ in range(5)]
    np.testing.assert_array_equal(xa, xb)
    assert not np.array_equal(xa, xc)


def test_catalogue_names_resolve_as_attributes():
    with pytest.raises(AttributeError, match="not a catalogue model"):
        bm.NoSuchModelAnywhere


class _BrainunitLike:
    """Stands in for a brainunit Quantity: `.mantissa` and `.unit`."""

    def __init__(self, mantissa, unit):
        self.mantissa, self.unit = mantissa, unit


def test_brainunit_like_quantities_are_converted(test_models):
    a = test_models.Units(1, rate=_BrainunitLike(0.2, "kHz"), v0=_BrainunitLike(-0.07, "V"))
    assert a.get_param("rate") == pytest.approx(200.0)
    assert a.get_param("v0") == pytest.approx(-70.0)
    with pytest.raises(ValueError, match="parameter 'v0' of Units expects a value in mV"):
        test_models.Units(1, v0=_BrainunitLike(1.0, "ms"))


def test_assigning_a_parameter_sets_it_with_the_constructors_checks(test_models):
    m = test_models.Oscillator(2, method="heun")
    before = bm.Simulator(m, dt=0.1).run(2.0, progress=False)["x"]
    m.omega = 0.9
    assert m.get_param("omega") == 0.9 and m.omega.value() == 0.9
    assert "omega" not in vars(m)          # no attribute shadows the parameter
    after = bm.Simulator(m, dt=0.1).run(2.0, progress=False)["x"]
    expected = bm.Simulator(test_models.Oscillator(2, method="heun", omega=0.9),
                            dt=0.1).run(2.0, progress=False)["x"]
    np.testing.assert_array_equal(after, expected)
    assert not np.array_equal(after, before)
    m.omega.set_value(0.5)                 # brainstate's Param.set_value
    assert m.get_param("omega") == 0.5
    with pytest.raises(ValueError, match="parameter 'omega'.*shape"):
        m.omega = np.ones((3, 3, 3))
    with pytest.raises(Exception, match="omega"):
        m.omega = 5 * ureg.mV
    assert m.get_param("omega") == 0.5     # a refused value changes nothing


def test_assigning_a_state_input_or_output_is_refused_with_the_way_to_do_it(test_models):
    m = test_models.Units(2)
    with pytest.raises(AttributeError, match=r"state of Units.*\.v\.value = .*init_v="):
        m.v = -70.0
    with pytest.raises(AttributeError, match=r"input of Units.*update\(I=.*inputs="):
        m.I = 1.0
    with pytest.raises(AttributeError, match="output of Units.*cannot be set"):
        m.shifted = 1.0
    m.my_note = "kept"                     # other attributes are the user's own
    assert m.my_note == "kept"


def test_assigning_network_parameters():
    node = bm.LinearStep(3, gamma=-0.1, method="euler")
    net = bm.Network(node, conn=np.ones((3, 3)), coupling="additive", coupled_var="x", k=0.5)
    net.gamma = -0.3
    assert net.get_param("gamma") == -0.3 and node.get_param("gamma") == -0.3
    net.k = 0.25
    assert net.get_param("coupling.k") == 0.25
    with pytest.raises(AttributeError, match="state of"):
        net.x = 1.0


def test_a_unit_mistake_says_what_the_value_means_and_needs():
    """OUProcess(3, sigma=1 Hz): sigma is unit-free; the message says so in words, with the
    parameter's meaning, the dimensions, and how a noise process's values are read."""
    from brainmass_dsl.frontend.units import registry

    u = registry()
    with pytest.raises(ValueError) as info:
        bm.OUProcess(3, sigma=1 * u.Hz)
    text = str(info.value)
    assert "'sigma' of OUProcess (stationary standard deviation) is a plain number " \
           "(dimensionless); got 1 Hz (1 / [time])" in text
    assert "declared unit" in text and "expects a value in 1" not in text
    with pytest.raises(ValueError, match=r"'tau' of OUProcess \(correlation time\) expects a "
                                         r"value in ms \(\[time\]\); got 1 Hz"):
        bm.OUProcess(3, tau=1 * u.Hz)
    m = bm.JansenRitStep(2, noise_E=bm.OUProcess(1))
    with pytest.raises(ValueError, match="'noise_E.sigma'.*plain number.*unit-free"):
        m.set_params(**{"noise_E.sigma": 2 * u.Hz})


def test_load_of_a_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"bm.load\('nope.nmm'\).*does not exist"):
        bm.load("nope.nmm")
    with pytest.raises(FileNotFoundError, match="is a folder"):
        bm.load(tmp_path)
