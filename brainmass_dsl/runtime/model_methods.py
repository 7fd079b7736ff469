"""Methods that brainmass's classes have beyond `update()`, for the catalogue models that have
them (an analysis of the model's outputs, not part of its equations):

- `WongWangStep.get_decision(threshold=15 Hz)`: 1 where population 1 wins (r1 above the
  threshold and above r2), -1 where population 2 wins, 0 if undecided, from the rates at the
  current state with coherence 0 and no noise (brainmass's rule).
"""
from __future__ import annotations

import numpy as np

from .values import is_quantity, magnitude_in


class WongWangMethods:
    """brainmass's extra methods of WongWangStep."""

    def get_decision(self, threshold=15.0):
        """1 / -1 / 0 per node (and batch member): which population's rate (Hz) is above
        `threshold` (Hz, or a frequency quantity) and above the other's."""
        if not is_quantity(threshold):                 # a plain number is in Hz
            from ..frontend.units import registry

            threshold = registry().Quantity(np.asarray(threshold, dtype=float), "Hz")
        unit = self._meta["outputs"][self._output_index["r1"]]["unit"]
        th = magnitude_in(threshold, unit, "threshold", self.name)
        rates = self.outputs()
        r1, r2 = rates["r1"], rates["r2"]
        return np.where((r1 > th) & (r1 > r2), 1, np.where((r2 > th) & (r2 > r1), -1, 0))


#: block name -> mixin class with its extra methods
EXTRA_METHODS = {"WongWangStep": WongWangMethods}
