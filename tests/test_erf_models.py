"""erf and erfc in models (tests/models/erf_models.nmm): lowered to SymPy's erf/erfc, printed
as the inline portable functions, differentiated for exponential Euler's Jacobian, and the
compiled kernels against the NumPy reference path (rtol 1e-12) and SciPy's solve_ivp."""
import math

import numpy as np
import pytest
import sympy as sp

import brainmass_dsl as bm
from brainmass_dsl.backends.numpy_ref import reference_run
from brainmass_dsl.backends.numpy_ref.simulate import _lambdify
from brainmass_dsl.frontend import load_program
from brainmass_dsl.ir.analysis import jacobian_diagonal
from brainmass_dsl.ir.lower import lower_block

from conftest import MODELS

FILE = MODELS / "erf_models.nmm"


@pytest.fixture(scope="module")
def lib():
    return bm.load(FILE)


@pytest.fixture(scope="module")
def program():
    return load_program(FILE)


def test_lowered_to_sympy_and_printed_inline(lib, program):
    ir = lower_block(program.block("ErfMeanField"))
    drift = ir.expand_lets(ir.drift["nu_e"]) + ir.expand_lets(ir.drift["nu_i"])
    assert drift.has(sp.erfc) and drift.has(sp.erf)
    src = lib.ErfMeanField(1, method="rk4").kernel.source()
    assert "portable_erfc(" in src and "portable_erf(" in src
    assert "math.erf" not in src and "_f0 = " not in src          # inline, not a libm call


def test_jacobian_through_erf_is_sympys_rule(program):
    """d/du erfc(u) = -2/sqrt(pi) exp(-u**2): the Jacobian diagonal (exponential Euler)
    against a central difference of the drift."""
    ir = lower_block(program.block("ErfMeanField"))
    jac = jacobian_diagonal(ir)
    assert jac["nu_e"].has(sp.exp) and not jac["nu_e"].has(sp.Derivative)
    syms, f = _lambdify(ir, [ir.drift["nu_e"]])
    _, j = _lambdify(ir, [jac["nu_e"]])
    values = {q.symbol.name: q.default for q in (*ir.parameters, *ir.states, *ir.inputs)}
    args = [values.get(s.name, 0.0) for s in syms]
    i = [s.name for s in syms].index(next(q.symbol.name for q in ir.states if q.name == "nu_e"))
    h = 1e-7
    up, down = list(args), list(args)
    up[i] += h
    down[i] -= h
    fd = (f[0](*up) - f[0](*down)) / (2 * h)
    assert float(j[0](*args)) == pytest.approx(float(fd), rel=1e-6)


CASES = [("ErfMeanField", s) for s in ("euler", "heun", "rk4", "exp_euler")] + \
    [("ErfNoisy", s) for s in ("euler_maruyama", "heun_stochastic", "exp_euler")]


@pytest.mark.parametrize("name,scheme", CASES)
def test_compiled_equals_numpy_reference(lib, program, name, scheme):
    """Same IR, same normals, the same portable erf/erfc bits: equal to rtol 1e-12."""
    B, N, n, dt = 2, 3, 400, 0.05
    m = getattr(lib, name)((N,), method=scheme)
    ir = lower_block(program.block(name))
    rng = np.random.default_rng(1)
    params = {}
    for q in ir.parameters:
        values = q.default * (1 + 0.1 * rng.random((B, N)))
        params[q.name] = values
        m.set_params(**{q.name: values / q.factor})
    init = {q.name: np.full((B, N), q.default) * (1 + 0.5 * rng.random((B, N)))
            for q in ir.states}
    m.init_all_states(batch_size=B)
    for q in ir.states:
        getattr(m, q.name).value = init[q.name] / q.factor
    inputs = {q.name: np.full((B, N), q.default) for q in ir.inputs}
    res = bm.Simulator(m, dt=dt).run(n * dt, monitors=list(m.state_names), init_states=False,
                                     batch_size=None, seed=3, progress=False)
    ref = reference_run(ir, scheme, params=params, init=init, inputs=inputs, n_steps=n,
                        dt=dt, seed=3)
    for j, q in enumerate(ir.states):
        got = res[q.name] * q.factor
        assert np.all(np.isfinite(got)) and np.ptp(got) > 0
        np.testing.assert_allclose(got, ref[:, j], rtol=1e-12, atol=1e-15)


def test_rk4_matches_solve_ivp(lib):
    """The Zerlaut-style transfer functions written out with SciPy's erf/erfc."""
    from scipy.integrate import solve_ivp
    from scipy.special import erf, erfc

    T, tau_V, E_L, th_e, th_i = 5.0, 20.0, -65.0, -52.0, -54.0
    g_e, g_i, s_0, s_e, drive = 600.0, 900.0, 3.0, 150.0, 8.0

    def rhs(_t, y):
        nu_e, nu_i = y
        mu = E_L + g_e * nu_e - g_i * nu_i + drive
        sigma = s_0 + s_e * (nu_e + nu_i)
        f_e = 0.5 / tau_V * erfc((th_e - mu) / (math.sqrt(2) * sigma))
        f_i = 0.5 / tau_V * (1 - erf((th_i - mu) / (math.sqrt(2) * sigma)))
        return [(f_e - nu_e) / T, (f_i - nu_i) / T]

    t_end, dt = 40.0, 0.01
    ref = solve_ivp(rhs, (0, t_end), [0.004, 0.008], method="DOP853", rtol=1e-12, atol=1e-16,
                    t_eval=dt * np.arange(1, int(round(t_end / dt)) + 1))
    res = bm.Simulator(lib.ErfMeanField(1, method="rk4"), dt=dt).run(t_end, progress=False,
                                                                    monitors=["nu_e", "nu_i"])
    for name, row in (("nu_e", 0), ("nu_i", 1)):
        got = res[name][:, 0]
        assert np.ptp(got) > 1e-3 * np.abs(got).max()                 # it moves
        np.testing.assert_allclose(got, ref.y[row], rtol=1e-9, atol=1e-13)
