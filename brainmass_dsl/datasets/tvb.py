"""TVB connectivity format (zip or folder) and the optional ``tvb-data`` package.

A TVB connectivity holds ``weights.txt``, ``tract_lengths.txt`` (mm) and ``centres.txt``
(``label x y z`` per line, mm), each possibly ``.txt.bz2``, possibly inside one sub-folder,
plus optional ``info.txt``, ``cortical.txt``, ``hemispheres.txt``, ``areas.txt``.
TVB documents ``weights[k, j]`` as the connection *from j to k* (tvb/simulator/coupling.py),
the same as :class:`~brainmass_dsl.datasets.connectome.Connectome`, so no transpose is done.

The ``tvb-data`` files are GPL-3.0-or-later and are never bundled here: they are read from an
installed ``tvb_data`` package, located with ``importlib.util.find_spec`` without importing it.
"""
from __future__ import annotations

import bz2
import io
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

from ._locate import package_dir
from .connectome import Connectome
from .registry import DatasetUnavailableError

__all__ = [
    "TVB_SIZES",
    "TVB_LICENSE",
    "TVB_CITATION",
    "tvb_data_dir",
    "tvb_connectivity_file",
    "read_tvb_connectivity",
    "load_tvb",
]

TVB_SIZES = (66, 68, 76, 96, 192)
TVB_LICENSE = "GPL-3.0-or-later"
TVB_CITATION = (
    "Sanz Leon P, Knock SA, Woodman MM, Domide L, Mersmann J, McIntosh AR, Jirsa V (2013). "
    "The Virtual Brain: a simulator of primate brain network dynamics. "
    "Front. Neuroinform. 7:10. doi:10.3389/fninf.2013.00010"
)
_OPTIONAL_ARRAYS = ("cortical", "hemispheres", "areas")


def tvb_data_dir() -> Path | None:
    """Directory of the installed ``tvb_data`` package (not imported), or None."""
    return package_dir("tvb_data")


def tvb_connectivity_file(n_regions: int, root=None) -> Path:
    """Path of ``connectivity_<n_regions>.zip`` (or an unpacked folder of that name).

    ``root`` may be the ``tvb_data`` package folder or its ``connectivity`` sub-folder;
    default: the installed ``tvb_data`` package.  Raises ``DatasetUnavailableError``.
    """
    if n_regions not in TVB_SIZES:
        raise ValueError(f"n_regions must be one of {TVB_SIZES}, got {n_regions!r}")
    if root is None:
        root = tvb_data_dir()
        if root is None:
            raise DatasetUnavailableError(
                f"tvb{n_regions} needs the optional 'tvb-data' package, which is not installed. "
                "Install it with `pip install tvb-data` (its data are GPL-3.0-or-later and are "
                "not bundled with brainmass_dsl), or pass root=<folder with the zips>."
            )
    root = Path(root)
    stem = f"connectivity_{n_regions}"
    candidates = [root / f"{stem}.zip", root / "connectivity" / f"{stem}.zip",
                  root / stem, root / "connectivity" / stem]
    for cand in candidates:
        if cand.exists():
            return cand
    raise DatasetUnavailableError(
        f"{stem}.zip not found under {root} (looked for: {', '.join(map(str, candidates))})"
    )


def _member_readers(path: Path) -> dict[str, Callable[[], bytes]]:
    """Map file basename -> reader, the shallowest file winning (zip or folder)."""
    if path.is_dir():
        files = sorted((p for p in path.rglob("*") if p.is_file()),
                       key=lambda p: (len(p.relative_to(path).parts), str(p)))
        entries = [(p.name, p.read_bytes) for p in files]
    else:
        with zipfile.ZipFile(path) as zf:
            names = sorted((m for m in zf.namelist() if not m.endswith("/")),
                           key=lambda m: (m.count("/"), m))
            blobs = {m: zf.read(m) for m in names}
        entries = [(m.rsplit("/", 1)[-1], (lambda b=blobs[m]: b)) for m in names
                   if not m.startswith("__MACOSX/")]
    readers: dict[str, Callable[[], bytes]] = {}
    for base, reader in entries:
        if not base.startswith("._"):
            readers.setdefault(base, reader)
    return readers


def _read_text(readers, stem: str) -> bytes | None:
    if f"{stem}.txt" in readers:
        return readers[f"{stem}.txt"]()
    if f"{stem}.txt.bz2" in readers:
        return bz2.decompress(readers[f"{stem}.txt.bz2"]())
    return None


def _parse_centres(raw: bytes) -> tuple[list[str] | None, np.ndarray]:
    labels, xyz = [], []
    for line in raw.decode("utf-8", errors="replace").splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) >= 4:
            labels.append(parts[0])
            xyz.append([float(v) for v in parts[1:4]])
        elif len(parts) == 3:
            xyz.append([float(v) for v in parts])
        else:
            raise ValueError(f"centres.txt: cannot parse line {line!r} (expected 'label x y z')")
    return (labels if len(labels) == len(xyz) else None), np.array(xyz, dtype=np.float64)


def read_tvb_connectivity(path, *, name: str | None = None, license: str | None = None,
                          citation: str | None = None, require_symmetric: bool = False) -> Connectome:
    """Read a TVB-format connectivity ``.zip`` or folder (lengths and centres in mm)."""
    path = Path(path)
    readers = _member_readers(path)
    raw_w = _read_text(readers, "weights")
    if raw_w is None:
        raise ValueError(f"{path}: no weights.txt or weights.txt.bz2 found")
    weights = np.loadtxt(io.BytesIO(raw_w), ndmin=2)
    raw_l = _read_text(readers, "tract_lengths")
    lengths = None if raw_l is None else np.loadtxt(io.BytesIO(raw_l), ndmin=2)
    labels, centres = None, None
    raw_c = _read_text(readers, "centres")
    if raw_c is not None:
        labels, centres = _parse_centres(raw_c)
    meta: dict = {"file": str(path), "format": "tvb"}
    raw_i = _read_text(readers, "info")
    if raw_i is not None:
        meta["info"] = raw_i.decode("utf-8", errors="replace")
    for stem in _OPTIONAL_ARRAYS:
        raw = _read_text(readers, stem)
        if raw is not None:
            try:
                meta[stem] = np.loadtxt(io.BytesIO(raw), ndmin=1)
            except ValueError:  # e.g. True/False words: keep the text
                meta[stem] = raw.decode("utf-8", errors="replace").split()
    stem = path.name[:-4] if path.name.lower().endswith(".zip") else path.name
    return Connectome(
        weights=weights,
        lengths=lengths,
        labels=labels,
        centres=centres,
        name=name or stem,
        license=license or "unspecified (user file)",
        citation=citation or "",
        meta=meta,
        require_symmetric=require_symmetric,
    )


def load_tvb(n_regions: int, *, root=None, require_symmetric: bool = False) -> Connectome:
    """``tvb-data``'s ``connectivity_<n_regions>.zip`` as a Connectome (GPL-3.0-or-later)."""
    path = tvb_connectivity_file(n_regions, root)
    conn = read_tvb_connectivity(path, name=f"tvb{n_regions}", license=TVB_LICENSE,
                                 citation=TVB_CITATION, require_symmetric=require_symmetric)
    conn.meta["source"] = f"tvb-data connectivity_{n_regions}"
    return conn
