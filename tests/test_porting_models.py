"""brainmass's model-level API beyond update(), ported by changing the import (issue 17):
JansenRitTR (a time-resolved JR network) against a NumPy transcription of brainmass's
algorithm, JansenRitStep(fr_scale=...), WongWangStep.get_decision(threshold) and
WongWangExcInhStep.update() returning S_e (the other outputs reachable).
"""
from __future__ import annotations

import numpy as np
import pytest

import brainmass_dsl as brainmass

JR = dict(Ae=3.25, Ai=22.0, be=0.1, bi=0.05, C=135.0, a1=1.0, a2=0.8, a3=0.25, a4=0.25,
          s_max=0.005, v0=6.0, r=0.56)          # canonical units: mV, 1/ms


def _S(v, p):
    return p["s_max"] / (1.0 + np.exp(p["r"] * (p["v0"] - v)))


def jr_euler(y, u, dt, p, fr=1.0):
    """One forward-Euler step of Jansen & Rit (y: M, E, I, Mv, Ev, Iv in mV, mV/ms; u: M_inp
    mV, E_inp 1/ms, I_inp mV)."""
    M, E, I, Mv, Ev, Iv = y
    Ae, Ai, be, bi, C = p["Ae"], p["Ai"], p["be"], p["bi"], p["C"]
    d = [Mv, Ev, Iv,
         Ae * be * fr * _S(E - I + u[0], p) - 2 * be * Mv - be ** 2 * M,
         Ae * be * fr * (u[1] + C * p["a2"] * _S(C * p["a1"] * M, p)) - 2 * be * Ev - be ** 2 * E,
         Ai * bi * fr * C * p["a4"] * _S(C * p["a3"] * M + u[2], p) - 2 * bi * Iv - bi ** 2 * I]
    return [a + dt * b for a, b in zip(y, d)]


def numpy_jansen_rit_tr(n_tr, inputs, N, delay, sc, k, w, g, dt, tr, y0):
    """brainmass's JansenRitTR.update() loop (jansen_rit/network.py + connectivity.py),
    lateral pathway symmetrised, node stepped with forward Euler."""
    def norm(wp, sym):
        wb = np.exp(wp) * sc
        if sym:
            wb = 0.5 * (wb + wb.T)
        wn = wb / np.linalg.norm(wb)
        return wn, -wn.sum(axis=1)
    W = {"l": norm(w["l"], True), "f": norm(w["f"], False), "b": norm(w["b"], False)}
    y = [np.full(N, y0) for _ in range(3)] + [np.full(N, y0 / 1000.0) for _ in range(3)]  # mV/s
    history = []                                  # M at the end of each TR
    out = []
    n_step = int(round(tr / dt))
    for t in range(n_tr):
        xd = np.zeros((N, N))                     # delay_init = 0
        for i in range(N):
            for j in range(N):
                back = t - 1 - delay[i, j]
                xd[i, j] = history[back][j] if back >= 0 else 0.0
        le = {p: (W[p][0] * xd).sum(axis=1) for p in "lfb"}
        for _ in range(n_step):
            M, E, I = y[0], y[1], y[2]
            inp_M = g["l"] * le["l"] + g["l"] * W["l"][1] * M + k * inputs[t]
            inp_E = g["f"] * le["f"] + g["f"] * W["f"][1] * (E - I)
            inp_I = -g["b"] * le["b"] - g["b"] * W["b"][1] * (E - I)
            y = jr_euler(y, (inp_M, inp_E / 1000.0, inp_I), dt, JR)     # E_inp: Hz -> 1/ms
        history.append(y[0].copy())
        out.append(y[1] - y[2])
    return np.array(out)


def test_jansen_rit_tr_against_numpy_transcription():
    N, dt, tr = 4, 0.1, 1.0
    rng = np.random.default_rng(5)
    sc = rng.uniform(0.0, 1.0, (N, N))
    np.fill_diagonal(sc, 0.0)
    delay = rng.integers(0, 4, (N, N))
    w = {p: rng.normal(0.0, 0.3, (N, N)) for p in "lfb"}
    g = {"l": 40.0, "f": 25.0, "b": 30.0}
    inputs = rng.uniform(0.0, 2.0, (30, N))
    brainmass.environ.set(dt=dt)
    net = brainmass.JansenRitTR(N, delay=delay, sc=sc, k=5.0, w_ll=w["l"], w_ff=w["f"],
                                w_bb=w["b"], g_l=g["l"], g_f=g["f"], g_b=g["b"], tr=tr,
                                state_init=0.1, method="euler")
    net.init_all_states()
    got = np.array([net.update(u) for u in inputs])
    want = numpy_jansen_rit_tr(len(inputs), inputs, N, delay, sc, 5.0, w, g, dt, tr, 0.1)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    act, state = net.update(inputs[0], record_state=True)
    assert set(state) == {"M", "E", "I"} and state["M"].shape == (N,)
    np.testing.assert_allclose(act, state["E"] - state["I"])
    with pytest.raises(ValueError, match="rows"):
        net.update(np.zeros((3, N)), iter_input=True)
    with pytest.raises(ValueError, match="std_in"):
        brainmass.JansenRitTR(N, delay=delay, sc=sc, k=1.0, w_ll=0.0, w_ff=0.0, w_bb=0.0,
                              g_l=1.0, g_f=1.0, g_b=1.0, std_in=0.1)


def test_jansen_rit_fr_scale_is_a_gain_on_the_rates():
    dt = 0.1
    brainmass.environ.set(dt=dt)
    y0 = [0.5, 1.0, -0.3, 0.2, 0.1, -0.1]
    m = brainmass.JansenRitStep(1, fr_scale=1.7, method="euler",
                                **{f"init_{s}": v * (1000.0 if s.endswith("v") else 1.0)
                                   for s, v in zip(("M", "E", "I", "Mv", "Ev", "Iv"), y0)})
    m.init_all_states()
    m.update(M_inp=0.2, E_inp=220.0, I_inp=0.1)
    want = jr_euler(y0, (0.2, 0.22, 0.1), dt, JR, fr=1.7)
    got = [float(getattr(m, s).value[0]) / (1000.0 if s.endswith("v") else 1.0)
           for s in ("M", "E", "I", "Mv", "Ev", "Iv")]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    with pytest.raises((TypeError, ValueError), match="fr_scale"):
        brainmass.JansenRitStep(1, fr_scale=lambda r: r)


def test_wong_wang_get_decision():
    ww = brainmass.WongWangStep(3)
    ww.init_all_states()
    assert ww.get_decision().tolist() == [0, 0, 0]          # at rest: undecided
    ww.S1.value = np.array([0.8, 0.1, 0.5])
    ww.S2.value = np.array([0.1, 0.8, 0.5])
    rates = ww.outputs()                                    # in the outputs' unit, 1/ms
    assert rates["r1"][0] > 0.015 and rates["r2"][1] > 0.015    # above 15 Hz
    assert ww.get_decision().tolist() == [1, -1, 0]
    high_hz = 1000.0 * float(max(rates["r1"].max(), rates["r2"].max())) + 1.0
    assert ww.get_decision(threshold=high_hz).tolist() == [0, 0, 0]
    ureg = pytest.importorskip("pint").UnitRegistry()
    assert ww.get_decision(threshold=0.015 * ureg.kHz).tolist() == [1, -1, 0]


def test_wong_wang_exc_inh_update_returns_S_e():
    brainmass.environ.set(dt=0.1)
    m = brainmass.WongWangExcInhStep(2)
    m.init_all_states()
    S_e = m.update(0.1)                                      # update(coupling)
    assert isinstance(S_e, np.ndarray) and S_e.shape == (2,)
    np.testing.assert_array_equal(S_e, m.S_e.value)
    assert m.update_returns() == ("S_e",)
    assert set(m.outputs()) == {"S_e", "H_e", "H_i"}          # the rates are still there
    assert m.H_e().shape == (2,)
    res = brainmass.Simulator(m, dt=0.1).run(1.0)
    assert {"S_e", "H_e", "H_i"} <= set(res.keys())


def numpy_wong_wang(S1, S2, coherence, n_steps, dt):
    """brainmass's WongWangStep.update(): rates from the pre-step S, held over the step; each
    S then solves its linear equation dS/dt = -S/tau + (1 - S) gamma r by exponential Euler
    (exact for the frozen r), clipped to [0, 1]. Units: ms, 1/ms, nA."""
    from scipy.special import exprel

    tau, gamma, a, theta = 100.0, 0.641, 0.27, 0.31
    J11 = J22 = 0.2609
    J12 = J21 = 0.0497
    JA_mu, I0 = 0.0002243 * 30.0, 0.3255
    out = []
    for _ in range(n_steps):
        I1 = J11 * S1 - J12 * S2 + JA_mu * (1 + coherence) + I0
        I2 = J22 * S2 - J21 * S1 + JA_mu * (1 - coherence) + I0
        r1, r2 = a * np.maximum(I1 - theta, 0), a * np.maximum(I2 - theta, 0)

        def step(S, r):
            f = -S / tau + (1 - S) * gamma * r
            J = -1 / tau - gamma * r
            return np.clip(S + dt * exprel(dt * J) * f, 0.0, 1.0)
        S1, S2 = step(S1, r1), step(S2, r2)
        out.append((S1, S2))
    return np.array(out)


def test_wong_wang_holds_the_rates_over_the_step_as_brainmass():
    dt, n = 0.1, 5000
    coh = np.array([0.0, 0.05, 0.1, -0.2])
    S0 = np.array([0.0, 0.1, 0.3, 0.05])
    m = brainmass.WongWangStep(4, init_S1=S0, init_S2=S0[::-1].copy())
    res = brainmass.Simulator(m, dt=dt).run(n * dt, inputs={"coherence": coh},
                                            monitors=["S1", "S2"])
    want = numpy_wong_wang(S0, S0[::-1].copy(), coh, n, dt)
    np.testing.assert_allclose(res["S1"], want[:, 0], rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(res["S2"], want[:, 1], rtol=1e-11, atol=1e-14)
    # brainmass's oracle (float32): coherence 0.1, 1 s from rest -> S1 0.7607, S2 0.7587
    one = brainmass.Simulator(brainmass.WongWangStep(1), dt=dt).run(
        1000.0, inputs={"coherence": 0.1}, monitors=["S1", "S2"])
    assert one["S1"][-1, 0] == pytest.approx(0.7607, abs=1e-4)
    assert one["S2"][-1, 0] == pytest.approx(0.7587, abs=1e-4)


@pytest.mark.parametrize("method", ["exp_euler", "rk4", "heun2"])
def test_held_lets_compiled_equal_the_numpy_reference_path(method):
    """The NumPy reference path (backends/numpy_ref) holds the lets the same way."""
    from brainmass_dsl.backends.numpy_ref.simulate import reference_run
    from brainmass_dsl.ir.lower import lower_block

    m = brainmass.WongWangStep(3, method=method, init_S1=np.array([0.0, 0.2, 0.5]),
                               init_S2=np.array([0.1, 0.0, 0.4]))
    coh = np.array([0.1, -0.1, 0.0])
    res = brainmass.Simulator(m, dt=0.2).run(40.0, inputs={"coherence": coh},
                                             monitors=["S1", "S2"])
    ir = lower_block(m._block, m._program)
    assert ir.held == ("r1", "r2")
    params = {q["name"]: np.full((1, 3), q["default"]) for q in m._meta["parameters"]}
    inputs = {q["name"]: np.zeros((1, 3)) for q in m._meta["inputs"]}
    inputs["coherence"] = coh[None, :]
    ref = reference_run(ir, method, params=params, inputs=inputs, n_steps=200, dt=0.2,
                        init={"S1": np.array([[0.0, 0.2, 0.5]]),
                              "S2": np.array([[0.1, 0.0, 0.4]])})
    np.testing.assert_allclose(res["S1"], ref[:, 0, 0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res["S2"], ref[:, 1, 0], rtol=1e-12, atol=1e-15)
