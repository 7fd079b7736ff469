"""Connectome files: ``.npz`` (read/write), MATLAB ``.mat`` (read), and path dispatch.

``.npz`` layout (``allow_pickle=False``): ``weights`` (N, N); ``tract_lengths`` (N, N, mm;
``lengths`` or ``distances`` also accepted); optional ``labels`` (N,) str, ``centres`` (N, 3) mm,
0-d ``name``/``license``/``citation``/``synthetic``; other keys (written as ``meta_<key>``)
go to ``Connectome.meta``.

``.mat`` keys: weights from ``weights`` | ``sc`` | ``SC`` | ``Cmat``; lengths (mm) from
``tract_lengths`` | ``lengths`` | ``len`` | ``distances`` | ``Dmat``; optional ``labels``,
``centres`` | ``centers``.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .connectome import Connectome

__all__ = ["load_npz", "save_npz", "load_mat", "read_mat_array", "load_path"]

_LENGTH_KEYS = ("tract_lengths", "lengths", "distances")
_MAT_WEIGHT_KEYS = ("weights", "sc", "SC", "Cmat")
_MAT_LENGTH_KEYS = ("tract_lengths", "lengths", "len", "distances", "Dmat")
_TEXT_FIELDS = ("name", "license", "citation")


def _first_key(mapping, keys):
    return next((k for k in keys if k in mapping), None)


def save_npz(connectome: Connectome, path, *, overwrite: bool = False) -> Path:
    """Write ``connectome`` to a compressed ``.npz`` (no pickles); return the path. Written
    beside ``path`` and renamed into place (no partial file); an existing file is replaced
    only with ``overwrite=True``."""
    path = Path(path)
    arrays = {
        "weights": connectome.weights,
        "tract_lengths": connectome.lengths,
        "labels": np.array(connectome.labels, dtype=str),
        "name": np.array(connectome.name),
        "license": np.array(connectome.license),
        "citation": np.array(connectome.citation),
        "synthetic": np.array(connectome.synthetic),
    }
    if connectome.centres is not None:
        arrays["centres"] = connectome.centres
    for key, value in connectome.meta.items():
        if isinstance(value, (str, bool, int, float, np.generic, np.ndarray)):
            arr = np.asarray(value)
            if arr.dtype != object:
                arrays[f"meta_{key}"] = arr
    from ..runtime.safe_write import write_new

    def write(tmp):
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
    return write_new(path, write, overwrite=overwrite)


def load_npz(path, *, name: str | None = None, license: str | None = None,
             citation: str | None = None, require_symmetric: bool = False) -> Connectome:
    """Read a connectome ``.npz`` (layout in the module doc); keyword args override fields."""
    path = Path(path)
    with np.load(path, allow_pickle=False) as data:
        if "weights" not in data.files:
            raise ValueError(f"{path}: missing required key 'weights' (keys: {sorted(data.files)})")
        lkey = _first_key(data.files, _LENGTH_KEYS)
        fields = {
            "weights": data["weights"],
            "lengths": data[lkey] if lkey else None,
            "labels": data["labels"] if "labels" in data.files else None,
            "centres": data["centres"] if "centres" in data.files else None,
            "name": path.stem,
            "license": "unspecified (user file)",
        }
        for key in _TEXT_FIELDS:
            if key in data.files:
                fields[key] = str(data[key].item())
        if "synthetic" in data.files:
            fields["synthetic"] = bool(data["synthetic"].item())
        used = {"weights", "labels", "centres", "synthetic", lkey, *_TEXT_FIELDS}
        meta = {"file": str(path)}
        for key in data.files:
            if key not in used:
                arr = data[key]
                meta[key.removeprefix("meta_")] = arr.item() if arr.ndim == 0 else arr
    overrides = {"name": name, "license": license, "citation": citation}
    fields.update({k: v for k, v in overrides.items() if v is not None})
    return Connectome(**fields, meta=meta, require_symmetric=require_symmetric)


def _mat_pick(data: dict, keys, path) -> np.ndarray:
    key = _first_key(data, keys)
    if key is None:
        found = sorted(k for k in data if not k.startswith("__"))
        raise ValueError(f"{path}: none of the keys {list(keys)} found (keys: {found})")
    arr = data[key]
    return arr.toarray() if hasattr(arr, "toarray") else np.asarray(arr)


def read_mat_array(path, keys) -> np.ndarray:
    """Return the first of ``keys`` found in MATLAB file ``path`` as a dense array."""
    from scipy.io import loadmat

    return _mat_pick(loadmat(os.fspath(path)), keys, path)


def _mat_labels(raw) -> list[str]:
    flat = np.asarray(raw).ravel()
    out = []
    for item in flat:
        while isinstance(item, np.ndarray):  # MATLAB cell arrays nest one level deeper
            item = item.ravel()[0] if item.size else ""
        out.append(str(item).strip())
    return out


def load_mat(path, *, name: str | None = None, license: str | None = None,
             citation: str | None = None, require_symmetric: bool = False) -> Connectome:
    """Read a connectome from a MATLAB ``.mat`` file (keys in the module doc)."""
    from scipy.io import loadmat

    path = Path(path)
    data = loadmat(os.fspath(path))
    weights = _mat_pick(data, _MAT_WEIGHT_KEYS, path)
    has_lengths = _first_key(data, _MAT_LENGTH_KEYS) is not None
    lengths = _mat_pick(data, _MAT_LENGTH_KEYS, path) if has_lengths else None
    labels = _mat_labels(data["labels"]) if "labels" in data else None
    ckey = _first_key(data, ("centres", "centers"))
    return Connectome(
        weights=weights,
        lengths=lengths,
        labels=labels,
        centres=data[ckey] if ckey else None,
        name=name or path.stem,
        license=license or "unspecified (user file)",
        citation=citation or "",
        meta={"file": str(path)},
        require_symmetric=require_symmetric,
    )


def load_path(path, **kwargs) -> Connectome:
    """Load a user file by type: ``.npz``, ``.mat``, TVB ``.zip`` or TVB folder."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"connectome file or folder not found: {path}")
    if path.is_dir() or path.suffix.lower() == ".zip":
        from .tvb import read_tvb_connectivity

        return read_tvb_connectivity(path, **kwargs)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return load_npz(path, **kwargs)
    if suffix == ".mat":
        return load_mat(path, **kwargs)
    raise ValueError(
        f"unsupported connectome file type {suffix!r} ({path}); "
        "expected .npz, .mat, a TVB .zip or a TVB folder"
    )
