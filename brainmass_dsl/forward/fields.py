"""`LeadField`: a region lead field (R, M) with its unit, sensors and where it came from."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

import numpy as np

from .units import registry

__all__ = ["LeadField"]


@dataclass(frozen=True)
class LeadField:
    """A region-level lead field in brainmass's layout: `matrix[r, m]` is sensor `m`'s signal
    per unit dipole moment of region `r`, in `unit` (e.g. ``"V/(A*m)"``).

    `sensor_positions` (M, 3) and `region_positions` (R, 3) are in metres (the head model's
    frame), `kind` is ``"eeg"`` or ``"meg"``. Pass it as `L` to a lead-field model, or use
    `eeg_model` / `meg_model`.
    """

    matrix: np.ndarray
    unit: str
    kind: str
    sensor_names: Tuple[str, ...]
    sensor_positions: Optional[np.ndarray] = None
    region_positions: Optional[np.ndarray] = None
    description: str = ""
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        m = np.asarray(self.matrix, dtype=float)
        if m.ndim != 2:
            raise ValueError(f"matrix must be (regions, sensors), got shape {m.shape}")
        if len(self.sensor_names) != m.shape[1]:
            raise ValueError(f"sensor_names: {len(self.sensor_names)} names for "
                             f"{m.shape[1]} sensors (matrix columns)")
        if self.kind not in ("eeg", "meg"):
            raise ValueError(f"kind must be 'eeg' or 'meg', got {self.kind!r}")
        object.__setattr__(self, "matrix", m)
        object.__setattr__(self, "sensor_names", tuple(self.sensor_names))

    @property
    def n_regions(self) -> int:
        return self.matrix.shape[0]

    @property
    def n_sensors(self) -> int:
        return self.matrix.shape[1]

    @property
    def quantity(self):
        """The matrix as a pint quantity in `unit`."""
        return registry().Quantity(self.matrix, self.unit)

    def eeg_model(self, sensor_unit="mV", noise_cov=None, *, seed=None):
        """An `EEGLeadFieldModel` with this lead field (in_size = regions, out_size = sensors)."""
        from .leadfield import EEGLeadFieldModel

        return EEGLeadFieldModel(self.n_regions, self.n_sensors, self, sensor_unit=sensor_unit,
                                 noise_cov=noise_cov, seed=seed)

    def meg_model(self, sensor_unit="T", noise_cov=None, *, seed=None):
        """A `MEGLeadFieldModel` with this lead field."""
        from .leadfield import MEGLeadFieldModel

        return MEGLeadFieldModel(self.n_regions, self.n_sensors, self, sensor_unit=sensor_unit,
                                 noise_cov=noise_cov, seed=seed)

    def __repr__(self):
        return (f"LeadField({self.kind}, {self.n_regions} regions x {self.n_sensors} sensors, "
                f"{self.unit}{'; ' + self.description if self.description else ''})")
