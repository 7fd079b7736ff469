"""BOLDSignal and BOLDSignalStephan2007 (models/hemodynamics/bold.nmm) against an independent
SciPy integration of the published Balloon-Windkessel equations (Friston et al. 2003), written
here from the paper, not from the model file.

Time in the reference is in seconds (the model's parameters are declared per s, per s**2 and
in s); the compiled model runs in ms (dt = 10 ms = 0.01 s).
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import brainmass_dsl as bm

# Friston et al. 2003, Table 1 (brainmass's BOLDSignal defaults)
FRISTON = dict(gamma=0.41, k=0.65, alpha=0.32, tau=0.98, rho=0.34, V0=0.02)
DT_MS = 10.0
DT_S = DT_MS / 1000.0


def friston_k(rho):
    """Friston et al. 2003's output coefficients k1, k2, k3."""
    return 7.0 * rho, 2.0, 2.0 * rho - 0.2


def stephan_k(rho, nu0=40.3, r0=25.0, TE=0.04, epsilon=1.43):
    """Stephan et al. 2007's revised coefficients (Obata et al. 2004), 1.5 T constants."""
    return 4.3 * nu0 * rho * TE, epsilon * r0 * rho * TE, 1.0 - epsilon


def balloon_rhs(t, y, z, gamma, k, alpha, tau, rho):
    s, f, v, q = y
    E = 1.0 - (1.0 - rho) ** (1.0 / f)
    fout = v ** (1.0 / alpha)
    return [z - k * s - gamma * (f - 1.0), s, (f - fout) / tau,
            (f * E / rho - fout * q / v) / tau]


def bold_of(q, v, V0, k1, k2, k3):
    return V0 * (k1 * (1.0 - q) + k2 * (1.0 - q / v) + k3 * (1.0 - v))


def reference(z_blocks, block_steps, p=FRISTON):
    """States (4, T) at the end of every step of DT_S, for a drive held constant over blocks
    of `block_steps` steps (integrated block by block: the drive is smooth inside each)."""
    y = np.array([0.0, 1.0, 1.0, 1.0])
    out = []
    args = (p["gamma"], p["k"], p["alpha"], p["tau"], p["rho"])
    for b, z in enumerate(z_blocks):
        t0 = b * block_steps * DT_S
        t_eval = t0 + DT_S * np.arange(1, block_steps + 1)
        sol = solve_ivp(balloon_rhs, (t0, t_eval[-1]), y, method="DOP853", t_eval=t_eval,
                        args=(z,) + args, rtol=1e-12, atol=1e-14)
        assert sol.success
        out.append(sol.y)
        y = sol.y[:, -1]
    return np.concatenate(out, axis=1)


def simulate(cls_name, z_series, method, **params):
    """(result, model): the compiled model driven by z_series (T, N) at DT_MS."""
    m = getattr(bm, cls_name)(z_series.shape[1], method=method, **params)
    res = bm.Simulator(m, dt=DT_MS).run(z_series.shape[0] * DT_MS, inputs={"z": z_series},
                                        monitors=["bold", "s", "f", "v", "q"],
                                        progress=False)
    return res, m


# a drive: 1-s blocks, different per node (a pulse train and a slow ramp), 30 s
BLOCK = 100
Z_BLOCKS = [np.array([1.0 if b % 6 < 2 else 0.0, 0.05 * b if b < 12 else 0.2, 0.0 if b else 2.0])
            for b in range(30)]


def _z_series():
    return np.repeat(np.stack(Z_BLOCKS), BLOCK, axis=0)


@pytest.mark.parametrize("name,coeffs", [("BOLDSignal", friston_k),
                                         ("BOLDSignalStephan2007", stephan_k)])
def test_rk4_matches_solve_ivp(name, coeffs):
    res, _ = simulate(name, _z_series(), "rk4")
    for node in range(3):
        ref = reference([zb[node] for zb in Z_BLOCKS], BLOCK)
        s, f, v, q = ref
        # states: deviations from rest to 1e-6 of their range
        for key, r, rest in (("s", s, 0.0), ("f", f, 1.0), ("v", v, 1.0), ("q", q, 1.0)):
            got = res[key][:, node]
            scale = np.abs(r - rest).max()
            assert scale > 1e-3, (key, node)            # the drive moves every state
            np.testing.assert_allclose(got - rest, r - rest, rtol=0, atol=1e-6 * scale,
                                       err_msg=f"{name} {key} node {node}")
        want = bold_of(q, v, FRISTON["V0"], *coeffs(FRISTON["rho"]))
        np.testing.assert_allclose(res["bold"][:, node], want, rtol=0,
                                   atol=1e-6 * np.abs(want).max(), err_msg=f"{name} node {node}")


def test_heun_converges_at_second_order():
    """brainmass integrates BOLDSignal with braintools's rk2 (the trapezoid, here "heun2";
    "heun" is braintools's third-order Heun): second order here as well."""
    z = np.array([1.0 if b < 2 else 0.0 for b in range(20)])
    ref = reference(list(z), BLOCK)
    want = bold_of(ref[3], ref[2], FRISTON["V0"], *friston_k(FRISTON["rho"]))
    errs = []
    for factor in (1, 2):   # dt = 10 ms and 20 ms, the same piecewise-constant drive
        series = np.repeat(z, BLOCK // factor)[:, None]
        m = bm.BOLDSignal(1, method="heun2")
        res = bm.Simulator(m, dt=DT_MS * factor).run(len(series) * DT_MS * factor,
                                                     inputs={"z": series}, progress=False)
        errs.append(np.abs(res["bold"][:, 0] - want[factor - 1::factor]).max())
    assert errs[0] < 1e-4 * np.abs(want).max()
    assert 3.5 < errs[1] / errs[0] < 4.5, errs


@pytest.mark.parametrize("name", ["BOLDSignal", "BOLDSignalStephan2007"])
@pytest.mark.parametrize("method", ["exp_euler", "heun", "rk4"])
def test_rest_is_exact(name, method):
    """s = 0, f = v = q = 1 is a fixed point in floating point too, for any rho: the
    resting BOLD is exactly 0 (brainmass's is -0.0776, see the differences document)."""
    rho = np.random.default_rng(0).uniform(0.01, 0.99, 64)
    res, _ = simulate(name, np.zeros((2000, 64)), method, rho=rho)
    assert np.all(res["bold"] == 0.0)
    assert np.all(res["s"] == 0.0)
    for key in "fvq":
        assert np.all(res[key] == 1.0), key


def test_pulse_response_peak_and_undershoot():
    """After a brief pulse (0.1 s) the BOLD rises to a peak and undershoots below 0, at the
    times of the published model: peak 3.1 s, undershoot minimum 9.1 s (Friston et al.
    2003's parameters: a faster response than SPM's canonical 5-s HRF)."""
    n = 3000
    z = np.zeros((n, 1))
    z[:10] = 1.0
    res, _ = simulate("BOLDSignal", z, "rk4")
    bold = res["bold"][:, 0]
    t = res.ts / 1000.0
    t_peak, t_min = t[np.argmax(bold)], t[np.argmin(bold)]
    assert 2.9 <= t_peak <= 3.3, t_peak
    assert 8.5 <= t_min <= 9.7, t_min
    assert bold.max() > 0 > bold.min()
    assert abs(bold.min()) < 0.3 * bold.max()
    # the same peak time as the reference (to one step)
    ref = reference([1.0] + [0.0] * 299, 10)
    want = bold_of(ref[3], ref[2], FRISTON["V0"], *friston_k(FRISTON["rho"]))
    assert abs(t_peak - t[np.argmax(want)]) <= DT_S + 1e-12
    # the default scheme (exp_euler, first order) within a few steps of it
    default, _ = simulate("BOLDSignal", z, "exp_euler")
    assert abs(t[np.argmax(default["bold"][:, 0])] - t_peak) <= 3 * DT_S + 1e-12


def test_parameter_sets_differ_as_published():
    """Same hemodynamics, different output coefficients: k1, k2, k3 as in each paper."""
    a = bm.BOLDSignal(1)
    b = bm.BOLDSignalStephan2007(1)
    assert set(a.param_names) == set(FRISTON)
    assert set(b.param_names) == set(FRISTON) | {"nu0", "r0", "TE", "epsilon"}
    for p, v in FRISTON.items():
        assert float(a.get_param(p)) == v and float(b.get_param(p)) == v
    assert (float(b.get_param("nu0")), float(b.get_param("r0")), float(b.get_param("TE")),
            float(b.get_param("epsilon"))) == (40.3, 25.0, 0.04, 1.43)
    # the coefficients, read off the compiled output at three (q, v) points
    for m, coeffs in ((a, friston_k(0.34)), (b, stephan_k(0.34))):
        m.init_all_states()
        rows, rhs = [], []
        for q, v in ((0.9, 1.0), (1.0, 1.1), (0.8, 1.2)):
            m.q.value, m.v.value = q, v
            rows.append([1 - q, 1 - q / v, 1 - v])
            rhs.append(float(m.outputs()["bold"][0]) / 0.02)
        np.testing.assert_allclose(np.linalg.solve(np.array(rows), np.array(rhs)), coeffs,
                                   rtol=1e-12)
    assert friston_k(0.34) == pytest.approx((2.38, 2.0, 0.48))
    assert stephan_k(0.34) == pytest.approx((2.356744, 0.4862, -0.43))
    # and the same drive gives the same hemodynamics, a different BOLD
    z = np.zeros((1500, 1))
    z[:100] = 1.0
    ra, _ = simulate("BOLDSignal", z, "heun")
    rb, _ = simulate("BOLDSignalStephan2007", z, "heun")
    for key in "sfvq":
        assert np.array_equal(ra[key], rb[key])
    assert rb["bold"].max() < 0.8 * ra["bold"].max()


def test_per_step_api_equals_simulator():
    """bm.BOLDSignal(in_size).update(z=...) steps the same kernel as a Simulator run."""
    z = _z_series()[:500]
    res, _ = simulate("BOLDSignal", z, "heun")
    bw = bm.BOLDSignal(3, method="heun")
    bm.environ.set(dt=DT_MS)
    bw.init_all_states()
    out = np.array([bw.update(z=z[i]) for i in range(len(z))])
    assert np.array_equal(out, res["bold"])
    assert np.array_equal(bw.q.value, res["q"][-1])
    assert np.array_equal(bw.bold(), res["bold"][-1])
    assert bm.BOLD is bm.BOLDSignal and bm.BalloonWindkessel is bm.BOLDSignal


@pytest.mark.parametrize("name", ["BOLDSignal", "BOLDSignalStephan2007"])
def test_interface(name):
    """Category forward; input z (positional, as brainmass's update(z)); output bold; the
    declared units that make the published numbers mean what brainmass's plain numbers mean."""
    m = getattr(bm, name)(2)
    assert m._meta["category"] == "forward"
    assert m.input_names == ("z",) and m.output_names == ("bold",)
    assert m.state_names == ("s", "f", "v", "q")
    units = {q["name"]: q["unit"] for q in m._meta["parameters"]}
    assert (units["gamma"], units["k"], units["tau"]) == ("/s**2", "/s", "s")
    bm.environ.set(dt=DT_MS)
    a, b = getattr(bm, name)(2), getattr(bm, name)(2)
    assert np.array_equal(a.update(np.array([1.0, 0.5])), b.update(z=np.array([1.0, 0.5])))


def test_drive_units():
    """z is per second squared: 1 /s**2 given as a plain number or a quantity is the same."""
    pint = pytest.importorskip("pint")
    ureg = pint.UnitRegistry()
    bm.environ.set(dt=DT_MS)
    a, b = bm.BOLDSignal(1), bm.BOLDSignal(1)
    for _ in range(50):
        ya = a.update(z=1.0)
        yb = b.update(z=1e-6 * ureg("1/ms**2"))
    np.testing.assert_allclose(yb, ya, rtol=1e-12)
