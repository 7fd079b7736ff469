"""Python callables in a run: (1) callable inputs, wall time per simulated second of one
Jansen-Rit node (dt 0.1 ms) by the form of what the callable returns, and the largest
difference to the same drive given as an array; (2) callable monitors on a 68-region
Wilson-Cowan network (1 s, dt 0.1 ms) against the monitor by name.

    python bench/bench_callables.py          # prints both tables (paste into RESULTS.md)
"""
import math
import time

import numpy as np

import brainmass_dsl as bm
from brainmass_dsl.frontend.units import registry

u = registry()
N_STEPS = 10_000        # 1 s at dt 0.1 ms
#: the mark exists from this version on; on older code the callable is called per step
vectorized_input = getattr(bm, "vectorized_input", lambda f: f)


def forms():
    stored = [(0.0 * u.mV, (220.0 + 50 * math.sin(0.06 * i * 0.1)) * u.Hz, 0.0 * u.mV)
              for i in range(N_STEPS)]
    return {
        "pint quantities made beforehand (the conversion alone)": lambda i, t: stored[i],
        "pint quantities, math.sin (scalar only)":
            lambda i, t: (0.0 * u.mV, (220.0 + 50 * math.sin(0.06 * t)) * u.Hz, 0.0 * u.mV),
        "pint quantities, np.sin, bm.vectorized_input": vectorized_input(
            lambda i, t: (0.0 * u.mV, (220.0 + 50 * np.sin(0.06 * t)) * u.Hz, 0.0 * u.mV)),
        "float tuple, math.sin": lambda i, t: (0.0, 220.0 + 50 * math.sin(0.06 * t), 0.0),
        "float tuple, np.sin, bm.vectorized_input": vectorized_input(
            lambda i, t: (0.0, 220.0 + 50 * np.sin(0.06 * t), 0.0)),
        "arrays, math.sin": lambda i, t: (np.zeros(1), np.full(1, 220.0 + 50 * math.sin(0.06 * t)),
                                          np.zeros(1)),
        "dict, math.sin": lambda i, t: {"E_inp": 220.0 + 50 * math.sin(0.06 * t)},
    }


def main():
    m = bm.JansenRitStep(1)
    sim = bm.Simulator(m, dt=0.1)
    sim.run(10.0, progress=False)
    t = np.arange(N_STEPS) * 0.1
    ref = sim.run(1000.0, inputs={"E_inp": (220.0 + 50 * np.sin(0.06 * t))[:, None]},
                  progress=False)["eeg"]
    print("| callable returns | s per simulated s | of which calling it per step | max rel. "
          "diff. to the array input |")
    print("|---|---|---|---|")
    for name, f in forms().items():
        walls = []
        for _ in range(3):
            t0 = time.perf_counter()
            res = sim.run(1000.0, inputs=f, progress=False)["eeg"]
            walls.append(time.perf_counter() - t0)
            if walls[-1] > 1.0:          # slow enough to be timed once
                break
        diff = float(np.max(np.abs(res - ref) / np.maximum(np.abs(ref), 1e-300)))
        t0 = time.perf_counter()
        for i in range(N_STEPS):
            f(i, i * 0.1)
        alone = time.perf_counter() - t0
        print(f"| {name} | {min(walls):.3f} | {alone:.3f} | {diff:.1e} |")


def monitors():
    conn = bm.datasets.load_connectome("synthetic68")
    net = bm.Network(bm.WilsonCowanStep(68), conn=conn.weights, k=0.1)
    sim = bm.Simulator(net, dt=0.1)
    forms = {
        "by name: monitors=['rE']": ["rE"],
        "lambda m: m.node.rE.value": {"rE": lambda m: m.node.rE.value},
        "lambda m: 2 * m.rE.value - np.tanh(m.rI.value)":
            {"s": lambda m: 2 * m.rE.value - np.tanh(m.rI.value)},
        "lambda m: np.mean(m.rE.value) (step loop)": {"g": lambda m: np.mean(m.rE.value)},
    }
    sim.run(10.0, monitors=["rE"], progress=False)
    print("| monitors | s per simulated s |")
    print("|---|---|")
    for name, mon in forms.items():
        walls = []
        for _ in range(3):
            t0 = time.perf_counter()
            sim.run(1000.0, monitors=mon, progress=False)
            walls.append(time.perf_counter() - t0)
            if walls[-1] > 1.0:          # slow enough to be timed once
                break
        print(f"| {name} | {min(walls):.3f} |")


if __name__ == "__main__":
    main()
    print()
    monitors()
