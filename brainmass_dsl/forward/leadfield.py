"""Lead-field forward models (brainmass's names): region signals (..., R) -> sensors (..., M).

    y = (scale * obs) @ L  [+ noise ~ N(0, noise_cov), one draw per sample]

`L` is (R, M) in ``sensor_unit / dipole_unit`` (e.g. mV/(nA*m)); ``scale * obs`` is the dipole
moment in `dipole_unit`. A plain-number `obs` is read in the unit `scale` divides by
(``dipole_unit / unit(scale)``: mV for `EEGLeadFieldModel`, T for `MEGLeadFieldModel`,
`sensor_unit` for `LeadFieldModel`'s default scale), so its numbers are brainmass's; a quantity
or a `Result` output with a unit is converted to it. Outputs are float arrays in `sensor_unit`.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from .fields import LeadField
from .sensor_noise import covariance_factor, draw_noise
from .units import as_quantity, as_unit, magnitude_in, registry, unit_text
from .weights import build_fixed_orientation_weights, compress_vertex_leadfield

__all__ = ["LeadFieldModel", "EEGLeadFieldModel", "MEGLeadFieldModel"]


def _size(size, name: str) -> Tuple[int, ...]:
    shape = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
    if not shape or not all(isinstance(s, (int, np.integer)) and s > 0 for s in shape):
        raise ValueError(f"{name} must be a positive int or a tuple of them, got {size!r}")
    return tuple(int(s) for s in shape)


class LeadFieldModel:
    """Lead field `L` (R, M) from region dipoles to M sensors, with optional sensor noise.

    `in_size` (R = in_size[-1] regions), `out_size` (M = out_size[-1] sensors); `L` an (R, M)
    array in ``sensor_unit/dipole_unit`` or a quantity (converted, checked), a `LeadField`, or
    a callable ``L(shape) -> array``; `scale` maps the observable to a dipole moment (default
    ``1 dipole_unit/sensor_unit``; a plain number means the observable is a dipole moment
    already); `noise_cov` (M, M) in ``sensor_unit**2`` (positive semi-definite). `seed` (an
    int or a NumPy Generator; keyword only, not in brainmass) makes the noise reproducible.
    """

    def __init__(self, in_size, out_size, L, sensor_unit="mV", dipole_unit="nA*m",
                 scale=None, noise_cov=None, *, seed=None):
        self.in_size = _size(in_size, "in_size")
        self.out_size = _size(out_size, "out_size")
        R, M = self.R, self.M
        self.sensor_unit = as_unit(sensor_unit, "sensor_unit")
        self.dipole_unit = as_unit(dipole_unit, "dipole_unit")
        self.leadfield_unit = self.sensor_unit / self.dipole_unit
        self.sensor_names: Optional[Tuple[str, ...]] = None
        if isinstance(L, LeadField):
            self.sensor_names = L.sensor_names
            L = L.quantity
        elif callable(L) and not hasattr(L, "shape") and not hasattr(L, "magnitude"):
            L = L((R, M))
        self.L = magnitude_in(L, self.leadfield_unit, "L", "sensor_unit / dipole_unit")
        if self.L.shape != (R, M):
            hint = (" (it looks transposed: brainmass's layout is (regions, sensors); pass L.T)"
                    if self.L.shape == (M, R) else "")
            raise ValueError(f"L must be (R, M) = ({R}, {M}): one row per region (in_size[-1] = "
                             f"{R}) and one column per sensor (out_size[-1] = {M}); got shape "
                             f"{self.L.shape}{hint}")
        if not np.isfinite(self.L).all():
            raise ValueError("L contains NaN or infinite values")
        if scale is None:
            scale = registry().Quantity(1.0, self.dipole_unit / self.sensor_unit)
        self.scale = as_quantity(scale, registry().dimensionless, "scale")
        s = np.asarray(self.scale.magnitude, dtype=float)
        if s.shape not in ((), (R,)):
            raise ValueError(f"scale must be a number or one value per region ({R},), got "
                             f"shape {s.shape}")
        self._scale = s
        self.obs_unit = self.dipole_unit / self.scale.units
        self.noise_cov = None
        self._noise_factor = None
        if noise_cov is not None:
            self.noise_cov = magnitude_in(noise_cov, self.sensor_unit ** 2, "noise_cov",
                                          "sensor_unit**2")
            self._noise_factor = covariance_factor(self.noise_cov, M, "noise_cov")
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    @property
    def R(self) -> int:
        """Number of regions (sources), in_size[-1]."""
        return self.in_size[-1]

    @property
    def M(self) -> int:
        """Number of sensors, out_size[-1]."""
        return self.out_size[-1]

    @property
    def projection(self) -> np.ndarray:
        """(R, M) matrix taking the observable (plain numbers in `obs_unit`) to noiseless
        sensors in `sensor_unit`: ``scale[:, None] * L`` (what a monitor multiplies by)."""
        return np.broadcast_to(self._scale, (self.R,))[:, None] * self.L

    @property
    def noise_factor(self) -> Optional[np.ndarray]:
        """`F` (M, M) with ``F @ F.T == noise_cov`` (None without noise): noise = z @ F.T."""
        return self._noise_factor

    compress_vertex_leadfield = staticmethod(compress_vertex_leadfield)
    build_fixed_orientation_weights = staticmethod(build_fixed_orientation_weights)

    def dipoles(self, nmm_obs_or_dipoles) -> np.ndarray:
        """``scale * obs`` in `dipole_unit`, shape (..., R); checks unit, shape, finiteness."""
        obs = magnitude_in(nmm_obs_or_dipoles, self.obs_unit, "nmm_obs_or_dipoles",
                           "dipole_unit / unit of scale")
        if obs.ndim == 0 or obs.shape[-1] != self.R:
            raise ValueError(f"nmm_obs_or_dipoles must be (..., R) with R = {self.R} regions on "
                             f"its last axis (in_size[-1]); got shape {obs.shape}")
        if not np.isfinite(obs).all():
            raise ValueError("nmm_obs_or_dipoles contains NaN or infinite values")
        return self._scale * obs

    def update(self, nmm_obs_or_dipoles) -> np.ndarray:
        """Sensors (..., M) in `sensor_unit` for region signals (..., R) (time first, as a
        Result's arrays; any leading axes), plus one noise draw per sample if `noise_cov`."""
        y = self.dipoles(nmm_obs_or_dipoles) @ self.L
        if self._noise_factor is not None:
            y = y + draw_noise(self.rng, y.shape, self._noise_factor)
        return y

    __call__ = update

    def observe(self, result, output: Optional[str] = None, *, name: Optional[str] = None):
        """A `Result` with the sensor signal of a saved result's `output` (time, [batch,] M),
        on the result's time axis, in `sensor_unit`, labelled by sensor names when known.

        An output recorded with a unit is converted to the observable's unit (a ValueError
        when the dimension differs); one without a unit is read as plain numbers."""
        from ..runtime.results import Result

        key = _pick_output(result, output)
        unit = result.units.get(key, "")
        data = np.asarray(result[key], dtype=float)
        obs = data if unit in ("", "1", "dimensionless") else registry().Quantity(data, unit)
        try:
            y = self.update(obs)
        except ValueError as e:
            raise ValueError(f"output {key!r} of the result: {e}") from None
        name = name or self._default_name
        meta = dict(result.meta)
        meta.update(forward=type(self).__name__, source_output=key)
        return Result({name: y}, result.ts, {name: unit_text(self.sensor_unit)},
                      labels=self.sensor_names, meta=meta)

    _default_name = "sensors"

    def monitor(self, source: str, *, every: int = 10, tr=None, network=None,
                name: Optional[str] = None):
        """A monitor computing this model's sensors inside a network's compiled run:
        `Simulator(net).run(..., forward=lf.monitor("E", every=10, network=net))`.

        Each sample is the projection (`self.projection`, (R, M)) of the mean of the node
        expression `source` over `every` steps (a TemporalAverage at the sensors' rate),
        taken every `tr` (default: every `every` steps), in `sensor_unit`, named `name`
        (default "eeg", "meg" or "sensors"). With `network`, a `source` that is a state or
        output with a unit is converted to the observable's unit (a ValueError when the
        dimensions differ); otherwise its numbers are read in the observable's unit, as
        `update` reads plain numbers. Sensor noise is not drawn in the kernel: a model with
        `noise_cov` is refused (add it to the result with `update`)."""
        from ..runtime.forward_monitor import ForwardMonitor
        from ..runtime.library import load
        from pathlib import Path

        if self.noise_cov is not None:
            raise ValueError("monitor(): the kernel draws no sensor noise; build the model "
                             "without noise_cov and add noise to the result (update)")
        if len(self.in_size) != 1:
            raise ValueError(f"monitor() needs one region axis (in_size=(R,)), got "
                             f"{self.in_size}")
        factor = 1.0
        if network is not None:
            factor = _source_factor(network, source, self.obs_unit)
        lib = load(Path(__file__).with_name("source_mean.nmm"))
        return ForwardMonitor(lib.SourceMean(self.R), drive=source, every=every, tr=tr,
                              projection=self.projection * factor,
                              unit=unit_text(self.sensor_unit),
                              name=name or self._default_name)

    def __repr__(self):
        noise = "yes" if self.noise_cov is not None else "no"
        return (f"{type(self).__name__}(R={self.R}, M={self.M}, L in "
                f"{unit_text(self.leadfield_unit)}, noise={noise})")


def _source_factor(net, source: str, obs_unit) -> float:
    """Kernel value of `source` (canonical units) -> plain number in `obs_unit`."""
    names = list(net.state_names) + list(net.output_names)
    if source not in names:
        return 1.0
    i = names.index(source)
    S = len(net.state_names)
    meta = net._meta["states"][i] if i < S else net._meta["outputs"][i - S]
    if meta["unit"] in ("", "1", "dimensionless"):
        return 1.0 / meta["factor"] if i < S else meta["factor"]
    try:
        to_obs = registry().Quantity(1.0, meta["unit"]).to(obs_unit).magnitude
    except Exception:
        raise ValueError(f"source {source!r} is in {meta['unit']}, which is not "
                         f"{unit_text(obs_unit)} (the lead field's observable)") from None
    # the kernel holds a state in canonical units (declared * factor), an output as
    # declared / factor (Result = kernel value * factor)
    return to_obs / meta["factor"] if i < S else to_obs * meta["factor"]


def _pick_output(result, output: Optional[str]) -> str:
    keys = list(result.data)
    if output is not None:
        if output not in result.data:
            raise ValueError(f"output: the result has no signal {output!r}; it has {keys}")
        return output
    if len(keys) == 1:
        return keys[0]
    default = getattr(result, "_output", None)
    for k in keys:
        if result.data[k] is default:
            return k
    raise ValueError(f"output: the result records several signals {keys}; name the one to "
                     "project with output=...")


def _check_dimension(unit, like: str, name: str, what: str):
    if unit.dimensionality != registry().Unit(like).dimensionality:
        raise ValueError(f"{name} must be a unit of {what} for this model, got "
                         f"{unit_text(unit)!r}")


class EEGLeadFieldModel(LeadFieldModel):
    """EEG: dipoles in nA*m, `scale` fixed at nA*m/mV (the observable is in mV), `L` in
    ``sensor_unit/(nA*m)`` (default mV/(nA*m)); `sensor_unit` must be a voltage."""

    _default_name = "eeg"

    def __init__(self, in_size, out_size, L, sensor_unit="mV", noise_cov=None, *, seed=None):
        _check_dimension(as_unit(sensor_unit, "sensor_unit"), "V", "sensor_unit",
                         "electric potential (EEG sensors measure a voltage, e.g. 'mV', 'uV')")
        super().__init__(in_size, out_size, L=L, sensor_unit=sensor_unit, dipole_unit="nA*m",
                         scale=registry().Quantity(1.0, "nA*m/mV"), noise_cov=noise_cov,
                         seed=seed)


class MEGLeadFieldModel(LeadFieldModel):
    """MEG: dipoles in nA*m, `scale` fixed at nA*m/T (the observable is in T), `L` in
    ``sensor_unit/(nA*m)`` (default T/(nA*m)); `sensor_unit` must be a magnetic field (T, fT)
    or its gradient (T/m, fT/cm)."""

    _default_name = "meg"

    def __init__(self, in_size, out_size, L, sensor_unit="T", noise_cov=None, *, seed=None):
        unit = as_unit(sensor_unit, "sensor_unit")
        if unit.dimensionality != registry().Unit("T/m").dimensionality:
            _check_dimension(unit, "T", "sensor_unit",
                             "magnetic field (T, fT) or field gradient (T/m, fT/cm)")
        super().__init__(in_size, out_size, L=L, sensor_unit=sensor_unit, dipole_unit="nA*m",
                         scale=registry().Quantity(1.0, "nA*m/T"), noise_cov=noise_cov,
                         seed=seed)
