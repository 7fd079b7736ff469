"""Integrators: analytic solutions, convergence orders, scheme/noise compatibility, and the
compiled kernels against the NumPy reference with the same noise stream."""
import math

import numpy as np
import pytest

import brainmass_dsl as bm
from brainmass_dsl.backends.numpy_ref import reference_run
from brainmass_dsl.frontend import load_program
from brainmass_dsl.integrators.schemes import _REGISTRY, available, get
from brainmass_dsl.integrators.step import SchemeRefused, build_step
from brainmass_dsl.ir.lower import lower_block

from conftest import MODELS

#: every deterministic scheme (aliases share a kernel) and its order
ODE_ORDERS = {s.name: int(s.order) for s in _REGISTRY.values() if s.noise is None}
ODE_ORDERS["exp_euler"] = 1


@pytest.fixture(scope="module")
def program():
    return load_program(MODELS / "test_models.nmm")


def run(cls, T, dt, method, **kw):
    m = cls(1, method=method, **kw.pop("params", {}))
    return bm.Simulator(m, dt=dt).run(T, progress=False, **kw)


def test_registry_lists_every_scheme():
    assert {"euler", "heun", "midpoint", "rk4", "exp_euler", "euler_maruyama",
            "heun_stochastic"} <= set(available())
    assert get("rk2").name == "heun2"
    with pytest.raises(ValueError, match="unknown integrator 'rk5'.*rk4"):
        get("rk5")


def test_exp_euler_is_exact_for_linear_decay(test_models):
    # brainmass oracle: LinearStep one step dt=0.1 from 0.01 -> 0.01 e^-1 = 0.00367879
    res = run(test_models.LinearDecay, 1.0, 0.1, "exp_euler")
    assert res["x"][0, 0] == pytest.approx(0.01 * math.exp(-1.0), rel=1e-14)
    np.testing.assert_allclose(res["x"][:, 0], 0.01 * np.exp(-10 * res.ts), rtol=1e-12)


def test_rk4_matches_the_damped_oscillator(test_models):
    res = run(test_models.Oscillator, 20.0, 0.01, "rk4")
    w, z = 0.5, 0.1
    wd = w * math.sqrt(1 - z * z)
    t = res.ts
    exact = np.exp(-z * w * t) * (np.cos(wd * t) + z * w / wd * np.sin(wd * t))
    np.testing.assert_allclose(res["x"][:, 0], exact, atol=1e-9)


def _slope(dts, errs):
    return np.polyfit(np.log(dts), np.log(errs), 1)[0]


#: the largest of three steps dt, dt/2, dt/4 per order: in the asymptotic range, errors
#: well above roundoff
CONVERGENCE_DT = {1: 0.1, 2: 0.1, 3: 0.1, 4: 0.2, 5: 0.1, 8: 0.5}


@pytest.mark.parametrize("scheme", sorted(ODE_ORDERS))
def test_ode_convergence_order(test_models, scheme):
    """Largest error over [0, 4 ms] against the known solution x = cos(t/2), at dt, dt/2 and
    dt/4: the slope in log-log is the scheme's order (one kernel per scheme, three runs)."""
    T, order = 4.0, ODE_ORDERS[scheme]
    dts = [CONVERGENCE_DT[order] / 2 ** k for k in range(3)]
    errs = []
    for dt in dts:
        res = run(test_models.HalfCosine, T, dt, scheme)
        errs.append(np.max(np.abs(res["x"][:, 0] - np.cos(0.5 * res.ts))))
    assert abs(_slope(dts, errs) - order) < 0.3, errs


def test_ode_convergence_order_of_a_system(test_models):
    """Two coupled nonlinear states (no closed form): Heun's third-order method against a fine
    dopri8 solution."""
    T = 4.0
    ref = run(test_models.Nonlinear, T, 0.05, "dopri8")["x"][-1, 0]
    dts = [0.1, 0.05, 0.025]
    errs = [abs(run(test_models.Nonlinear, T, dt, "heun")["x"][-1, 0] - ref) for dt in dts]
    assert abs(_slope(dts, errs) - 3) < 0.3, errs


def _strong_error(cls, method, T, dt, ref, seeds, nsub_ref):
    errs = []
    for seed in seeds:
        res = bm.Simulator(cls(1, method=method), dt=dt).run(
            T, progress=False, seed=seed, noise_substeps=int(round(dt / nsub_ref)))
        errs.append(abs(res["x"][-1, 0] - ref[seed]))
    return float(np.mean(errs))


def test_strong_order_euler_maruyama_multiplicative(test_models):
    """GBM: exact solution from the same Brownian path; EM strong order 0.5."""
    from brainmass_dsl.rng import fast_normals_numpy

    T, fine = 1.0, 0.0005
    n_fine = int(round(T / fine))
    seeds = range(40)
    exact = {}
    for seed in seeds:
        z = fast_normals_numpy(seed, np.arange(n_fine), 0, 0, 0)
        W = math.sqrt(fine) * z.sum()
        exact[seed] = math.exp((0.5 - 0.8 ** 2 / 2) * T + 0.8 * W)
    dts = [0.1, 0.05, 0.025, 0.0125]
    errs = [_strong_error(test_models.GBM, "euler_maruyama", T, dt, exact, seeds, fine)
            for dt in dts]
    assert abs(_slope(dts, errs) - 0.5) < 0.2, errs


@pytest.mark.parametrize("scheme", ["euler_maruyama", "heun_stochastic"])
def test_strong_order_one_on_additive_noise(test_models, scheme):
    T, fine = 1.0, 0.00025
    seeds = range(24)
    ref = {s: bm.Simulator(test_models.AdditiveNonlinear(1, method="heun_stochastic"),
                           dt=fine).run(T, progress=False, seed=s)["x"][-1, 0] for s in seeds}
    dts = [0.1, 0.05, 0.025, 0.0125]
    errs = [_strong_error(test_models.AdditiveNonlinear, scheme, T, dt, ref, seeds, fine)
            for dt in dts]
    assert abs(_slope(dts, errs) - 1.0) < 0.2, errs


def test_ode_scheme_refuses_noise(program):
    model = lower_block(program.block("OU"))
    with pytest.raises(SchemeRefused, match="'rk4' is for deterministic.*d\\(x\\)/dt.*"
                                            "euler_maruyama"):
        build_step(model, "rk4")


def test_additive_scheme_refuses_multiplicative_noise(program):
    model = lower_block(program.block("GBM"))
    with pytest.raises(SchemeRefused, match="needs additive noise.*depends on the state x"):
        build_step(model, "heun_stochastic")


REFERENCE_CASES = [("Oscillator", s) for s in ("euler", "heun2", "midpoint", "rk4", "exp_euler")] + \
    [("Nonlinear", s) for s in sorted(ODE_ORDERS) if s not in ("euler", "exp_euler")] + \
    [("AdditiveNonlinear", s) for s in ("euler_maruyama", "heun_stochastic", "exp_euler")] + \
    [("GBM", "euler_maruyama"), ("DelayedDecay", "heun2"), ("Units", "exp_euler")]


@pytest.mark.parametrize("name,scheme", REFERENCE_CASES)
def test_compiled_equals_numpy_reference(test_models, program, name, scheme):
    """Same IR, same Philox normals: the compiled kernel equals the reference to 1e-12."""
    cls = getattr(test_models, name)
    B, N, n = 2, 3, 200
    m = cls((N,), method=scheme)
    ir = lower_block(program.block(name))
    rng = np.random.default_rng(0)
    params = {}
    for q in ir.parameters:
        values = q.default * (1 + 0.1 * rng.random((B, N)))
        params[q.name] = values
        m.set_params(**{q.name: values / q.factor})
    init = {q.name: np.full((B, N), q.default) + 0.01 * rng.random((B, N)) for q in ir.states}
    m.init_all_states(batch_size=B)
    for q in ir.states:
        getattr(m, q.name).value = init[q.name] / q.factor
    inputs = {q.name: np.zeros((B, N)) for q in ir.inputs}
    res = bm.Simulator(m, dt=0.05).run(n * 0.05, monitors=list(m.state_names), init_states=False,
                                       batch_size=None, seed=7, progress=False)
    ref = reference_run(ir, scheme, params=params, init=init, inputs=inputs, n_steps=n,
                        dt=0.05, seed=7)
    for j, q in enumerate(ir.states):
        got = res[q.name] * q.factor
        np.testing.assert_allclose(got, ref[:, j], rtol=1e-12, atol=1e-14)
