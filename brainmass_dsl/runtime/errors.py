"""Run-time errors that keep what was computed."""
from __future__ import annotations

import numpy as np


class SimulationDiverged(FloatingPointError):
    """A state became NaN or infinite. `.partial` holds the result up to that time;
    `.variable`, `.node`, `.batch`, `.time_ms` and `.step` say where it happened."""

    def __init__(self, message, *, variable, node, batch, time_ms, step, partial=None):
        super().__init__(message)
        self.variable, self.node, self.batch = variable, node, batch
        self.time_ms, self.step, self.partial = time_ms, step, partial

    def __reduce__(self):  # picklable, so that worker processes can report a divergence
        return (_rebuild_diverged, (self.args[0] if self.args else "", self.variable, self.node,
                                    self.batch, self.time_ms, self.step, self.partial))


def _rebuild_diverged(message, variable, node, batch, time_ms, step, partial):
    return SimulationDiverged(message, variable=variable, node=node, batch=batch,
                              time_ms=time_ms, step=step, partial=partial)


class SimulationInterrupted(KeyboardInterrupt):
    """Ctrl-C during `Simulator.run`. `.partial` holds the result up to the last completed
    chunk, `.step` the steps completed and `.time_ms` their end time; the model is left
    exactly as after that step (a run with `init_states=False` continues from it)."""

    def __init__(self, message, *, step, time_ms, partial=None):
        super().__init__(message)
        self.step, self.time_ms, self.partial = step, time_ms, partial

    def __reduce__(self):
        return (_rebuild_interrupted, (self.args[0] if self.args else "", self.step,
                                       self.time_ms, self.partial))


def _rebuild_interrupted(message, step, time_ms, partial):
    return SimulationInterrupted(message, step=step, time_ms=time_ms, partial=partial)


def first_failure(status: np.ndarray):
    """(step, state index, batch, node) of the earliest failure in a (B, N, 2) status array."""
    steps = status[..., 0]
    failed = np.argwhere(steps > 0)
    order = np.lexsort((failed[:, 1], failed[:, 0], steps[steps > 0]))
    b, n = failed[order[0]]
    return int(steps[b, n]) - 1, int(status[b, n, 1]), int(b), int(n)


def diverged_error(model, status: np.ndarray, dt: float, partial=None) -> SimulationDiverged:
    step, var, b, n = first_failure(status)
    name = model._meta["states"][var]["name"]
    node = np.unravel_index(n, model.in_size)
    node = node[0] if len(node) == 1 else tuple(int(i) for i in node)
    t = (step + 1) * dt
    where = f"node {node}" + (f", batch element {b}" if model._batch_size else "")
    return SimulationDiverged(
        f"{model.name}: state {name!r} became non-finite at t = {t:g} ms (step {step}) in "
        f"{where}; the result up to that time is in the exception's .partial "
        "(try a smaller dt, another integrator, or check the parameters)",
        variable=name, node=node, batch=b, time_ms=t, step=step, partial=partial)
