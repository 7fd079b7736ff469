"""Simulation results: a mapping name -> array (time, [batch,] node...) plus `ts`, units."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Dict, Optional

import numpy as np


class Result(Mapping):
    """`res["x"]` is an array (time, [batch,] node...) in the declared unit `res.units["x"]`;
    `res["ts"]` are the times (ms) at the end of each recorded step.

    `ts` may be given as a function that makes the array: it is then made on first use
    (a run's times are regular, and many runs - a sweep's - never read them).
    """

    def __init__(self, data: Dict[str, np.ndarray], ts, units: Dict[str, str],
                 labels=None, meta: Optional[dict] = None, output=None, times=None):
        self.data = dict(data)
        self._ts = ts
        #: time axes (ms) of the series that have their own clock (a fused forward monitor)
        self.times: Dict[str, np.ndarray] = dict(times or {})
        self.units = dict(units)
        self.labels = labels
        self.meta = dict(meta or {})
        self._output = output

    @property
    def ts(self) -> np.ndarray:
        """The times (ms) at the end of each recorded step."""
        if callable(self._ts):
            self._ts = self._ts()
        return self._ts

    def time_of(self, name: str) -> np.ndarray:
        """The times (ms) of series `name`: its own clock if it has one, else `ts`."""
        if name not in self.data:
            raise KeyError(f"no series {name!r} in this result (series: "
                           f"{', '.join(self.data)})")
        return self.times.get(name, self.ts)

    def __getitem__(self, key):
        if key == "ts":
            return self.ts
        if key == "output" and "output" not in self.data and self._output is not None:
            return self._output
        return self.data[key]

    def __iter__(self):
        yield from self.data
        yield "ts"

    def __len__(self):
        return len(self.data) + 1

    def __repr__(self):
        shapes = ", ".join(f"{k}: {v.shape}" for k, v in self.data.items())
        return f"Result({shapes}; {len(self.ts)} samples)"

    def as_quantities(self, backend: str = "pint") -> Dict[str, object]:
        """Every series (and "ts", in ms) as a quantity with its unit: `backend="pint"` gives
        pint Quantities of the package's registry, `"brainunit"` brainunit Quantities (needs
        brainunit; built from SI base units, so they print in base units). Plain arrays stay
        what indexing returns; this is the opt-in view brainmass users know.

        >>> q = res.as_quantities()          # doctest: +SKIP
        >>> q["V"].to("volt")                # doctest: +SKIP
        """
        if backend not in ("pint", "brainunit"):
            raise ValueError(f"backend must be 'pint' or 'brainunit', got {backend!r}")
        from ..frontend.units import registry

        ureg = registry()
        series = dict(self.data)
        units = {k: self.units.get(k, "1") or "1" for k in series}
        series["ts"], units["ts"] = self.ts, "ms"
        out = {}
        for name, arr in series.items():
            q = ureg.Quantity(np.asarray(arr), _pint_text(units[name]))
            out[name] = q if backend == "pint" else _to_brainunit(q)
        return out

    def truncated(self, n: int) -> "Result":
        """The first `n` samples (used for partial results of a diverged run)."""
        ts = self.ts[:n]
        end = ts[-1] if len(ts) else -np.inf
        # a series on its own clock keeps its samples stamped by the last kept time
        cut = {k: int(np.searchsorted(t, end, side="right")) for k, t in self.times.items()}
        return Result({k: v[:cut.get(k, n)] for k, v in self.data.items()}, ts, self.units,
                      self.labels, self.meta,
                      times={k: t[:cut[k]] for k, t in self.times.items()})

    def to_xarray(self):
        """An xarray.Dataset with dims (time, [batch,] node) (needs xarray)."""
        try:
            import xarray as xr
        except ImportError:
            raise ImportError("to_xarray needs xarray: pip install brainmass-dsl[io]") from None
        vars_ = {}
        coords = {"time": ("time", self.ts, {"units": "ms"})}
        for k, v in self.data.items():
            time = "time"
            if k in self.times:            # its own clock: its own time dimension
                time = f"time_{k}"
                coords[time] = (time, self.times[k], {"units": "ms"})
            dims = [time] + (["batch"] if self.meta.get("batched") else [])
            dims += [f"node{i}" if i else "node" for i in range(v.ndim - len(dims))]
            vars_[k] = (dims, v, {"units": self.units.get(k, "")})
        if self.labels is not None:
            coords["node"] = ("node", np.asarray(self.labels))
        attrs = {k: (v if isinstance(v, (int, float, str)) and not isinstance(v, bool)
                     else str(v)) for k, v in self.meta.items()}
        return xr.Dataset(vars_, coords=coords, attrs=attrs)

    NETCDF_SUFFIXES = (".nc", ".h5", ".hdf5", ".netcdf")

    def save(self, path, *, overwrite: bool = False) -> Path:
        """Write `.npz` (always available) or `.nc`/`.h5` (netCDF4 via h5netcdf).

        The file is written beside `path` and renamed into place: a failed or interrupted
        save leaves no partial file. An existing file is replaced only with `overwrite=True`
        (FileExistsError otherwise); another suffix is a ValueError."""
        from .safe_write import write_new

        path = Path(path)
        if path.suffix in self.NETCDF_SUFFIXES:
            ds = self.to_xarray()
            try:
                import h5netcdf  # noqa: F401
            except ImportError as e:
                raise ImportError(f"saving {path.suffix} needs h5netcdf: pip install "
                                  f"brainmass-dsl[io] ({e})") from None
            return write_new(path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"),
                             overwrite=overwrite)
        if path.suffix != ".npz":
            found = path.suffix or "no suffix"
            raise ValueError(f"path: results are saved as .npz or "
                             f"{'/'.join(self.NETCDF_SUFFIXES)}, not {found!r} ({path})")
        arrays = {k: v for k, v in self.data.items()}
        arrays["ts"] = self.ts
        for name, t in self.times.items():       # series on their own clock
            arrays[f"__time__{name}"] = t
        arrays["__units__"] = np.array([f"{k}={u}" for k, u in self.units.items()])
        if self.labels is not None:
            arrays["__labels__"] = np.asarray(self.labels, dtype=str)

        def write(tmp):
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)
        return write_new(path, write, overwrite=overwrite)

    @staticmethod
    def load(path) -> "Result":
        z = np.load(path, allow_pickle=False)
        units = dict(s.split("=", 1) for s in z["__units__"]) if "__units__" in z else {}
        labels = z["__labels__"] if "__labels__" in z else None
        data = {k: z[k] for k in z.files if not k.startswith("__") and k != "ts"}
        times = {k[len("__time__"):]: z[k] for k in z.files if k.startswith("__time__")}
        return Result(data, z["ts"], units, labels, times=times)


def _pint_text(unit: str) -> str:
    """A unit string of the package ('1', '1/ms', 'mV/s') as pint reads it."""
    unit = unit.strip() or "1"
    return "dimensionless" if unit == "1" else unit


#: pint's base dimensions -> brainunit's base unit names
_BRAINUNIT_BASE = {"[length]": "meter", "[mass]": "kilogram", "[time]": "second",
                   "[current]": "ampere", "[temperature]": "kelvin",
                   "[substance]": "mole", "[luminosity]": "candela"}


def _to_brainunit(q):
    """A pint quantity as a brainunit Quantity (SI base units)."""
    try:
        import brainunit as bu
    except ImportError:
        raise ImportError("as_quantities('brainunit') needs brainunit: pip install brainunit "
                          "(or use the default 'pint')") from None
    base = q.to_base_units()
    value = np.asarray(base.magnitude)
    unit = None
    for dim, exp in base.dimensionality.items():
        u = getattr(bu, _BRAINUNIT_BASE[dim]) ** exp
        unit = u if unit is None else unit * u
    return value if unit is None else value * unit
