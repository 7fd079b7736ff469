"""`FitResult`: what `Fitter.fit` returns (brainmass's attributes and repr)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np

__all__ = ["FitResult"]


class FitResult:
    """The outcome of `Fitter.fit`.

    `backend`; `best_loss`; `best_params` {name: value in the parameter's unit, the best
    seen}; `history` (grad: the loss of every step; nevergrad: every candidate's loss in the
    order evaluated; scipy differential_evolution: the best loss after each generation;
    other scipy methods: the best loss of each random restart); `n_steps` (steps,
    generations or restarts run, summed over resumed fits); `prediction` (the prediction at
    the best parameters, or `loss_fn`'s aux there); `optimizer` (the optimiser object, kept
    for `fit(..., resume=result)`); `raw` (SciPy's OptimizeResult, nevergrad's best as a
    dict, None for grad); `model` (the model, set to the best parameters); `n_evaluations`
    (candidates simulated); `stopped_early` (a callback returned True).
    """

    def __init__(self, backend: str, best_loss: float, best_params: Dict[str, Any],
                 history: List[float], n_steps: int, prediction=None, optimizer=None, raw=None,
                 model=None, *, n_evaluations: int = 0, stopped_early: bool = False,
                 state: Optional[dict] = None):
        self.backend = backend
        self.best_loss = float(best_loss)
        self.best_params = best_params
        self.history = list(history)
        self.n_steps = int(n_steps)
        self.prediction = prediction
        self.optimizer = optimizer
        self.raw = raw
        self.model = model
        self.n_evaluations = int(n_evaluations)
        self.stopped_early = bool(stopped_early)
        self.state = state or {}      # what `fit(..., resume=self)` continues from

    def __repr__(self):
        return (f"FitResult(backend={self.backend!r}, best_loss={self.best_loss:.6g}, "
                f"n_steps={self.n_steps}, params={list(self.best_params)})")

    def summary(self) -> str:
        lines = [repr(self)]
        for name, v in self.best_params.items():
            arr = np.asarray(v)
            lines.append(f"  {name} = {float(arr):.6g}" if arr.ndim == 0 else
                         f"  {name} = array{arr.shape} mean {arr.mean():.6g}")
        return "\n".join(lines)
