"""The :class:`Connectome` container: structural connectivity plus tract lengths.

Conventions (used by every loader in this package and by the simulator):

* ``weights[i, j]`` is the input **to** region ``i`` **from** region ``j`` (row = target,
  column = source).  This is also TVB's documented convention, so TVB files need no transpose.
* ``lengths[i, j]`` is the tract length between ``j`` and ``i`` in **millimetres**.
* ``centres`` are region coordinates in **millimetres**, shape ``(N, 3)``.
"""
from __future__ import annotations

from dataclasses import InitVar, dataclass, field, replace

import numpy as np

__all__ = ["Connectome"]

_NORMALIZATIONS = ("max", "row", "spectral")


def _as_float_matrix(value, argname: str) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{argname} must be a numeric (N, N) matrix: {exc}") from None
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{argname} must be a square (N, N) matrix, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{argname} must have at least one region, got shape {arr.shape}")
    return arr


def _check_finite_nonnegative(arr: np.ndarray, argname: str) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(
            f"{argname} contains {int(bad.sum())} NaN/inf entries (first at [{i}, {j}])"
        )
    if (arr < 0).any():
        i, j = np.argwhere(arr < 0)[0]
        raise ValueError(
            f"{argname} must be non-negative, found {arr[i, j]!r} at [{i}, {j}]"
        )


def _check_symmetric(arr: np.ndarray, argname: str) -> None:
    if not np.allclose(arr, arr.T, rtol=1e-10, atol=1e-12):
        dev = float(np.max(np.abs(arr - arr.T)))
        raise ValueError(
            f"{argname} is not symmetric (max |{argname} - {argname}.T| = {dev:g}) "
            "but require_symmetric=True"
        )


@dataclass(eq=False, repr=False)
class Connectome:
    """Structural connectome of ``N`` regions.

    Parameters
    ----------
    weights : (N, N) array_like
        Coupling strengths, ``weights[i, j]`` = input to region ``i`` from region ``j``.
        Stored as float64; must be finite and non-negative.
    lengths : (N, N) array_like or None
        Tract lengths in mm (float64, finite, non-negative).  ``None`` means "unknown":
        all zeros (no conduction delays) and ``meta["lengths_missing"] = True``.
    labels : sequence of str or None
        One name per region; ``None`` gives ``"n0" .. "n{N-1}"``.
    centres : (N, 3) array_like or None
        Region centres in mm.
    name, license, citation : str
        Provenance shown by :meth:`summary`.
    synthetic : bool
        True for generated (not measured) data; summaries then say SYNTHETIC.
    meta : dict
        Free-form extra information (source file, generator parameters, ...).
    require_symmetric : bool, init-only
        If True, raise ``ValueError`` unless ``weights`` and ``lengths`` are symmetric.
    """

    weights: np.ndarray
    lengths: np.ndarray | None = None
    labels: list[str] | None = None
    centres: np.ndarray | None = None
    name: str = "connectome"
    license: str = "unspecified"
    citation: str = ""
    synthetic: bool = False
    meta: dict = field(default_factory=dict)
    require_symmetric: InitVar[bool] = False

    def __post_init__(self, require_symmetric: bool = False) -> None:
        self.validate(require_symmetric=require_symmetric)

    # -- validation -------------------------------------------------------------------------
    def validate(self, *, require_symmetric: bool = False) -> "Connectome":
        """Coerce fields to their canonical types and check them; return ``self``.

        Raises ``ValueError`` whose message names the offending argument.
        """
        self.meta = dict(self.meta or {})
        self.weights = _as_float_matrix(self.weights, "weights")
        n = self.weights.shape[0]
        _check_finite_nonnegative(self.weights, "weights")

        if self.lengths is None:
            self.lengths = np.zeros((n, n))
            self.meta["lengths_missing"] = True
        self.lengths = _as_float_matrix(self.lengths, "lengths")
        if self.lengths.shape != self.weights.shape:
            raise ValueError(
                f"lengths shape {self.lengths.shape} does not match weights shape "
                f"{self.weights.shape}"
            )
        _check_finite_nonnegative(self.lengths, "lengths")

        if self.labels is None:
            self.labels = [f"n{i}" for i in range(n)]
        if isinstance(self.labels, (str, bytes)):
            raise ValueError("labels must be a sequence of str, not a single string")
        labels = [
            x.decode() if isinstance(x, bytes) else str(x)
            for x in np.asarray(self.labels, dtype=object).ravel()
        ]
        if len(labels) != n:
            raise ValueError(f"labels has {len(labels)} entries but weights has {n} regions")
        self.labels = labels

        if self.centres is not None:
            try:
                centres = np.array(self.centres, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"centres must be a numeric (N, 3) array: {exc}") from None
            if centres.shape != (n, 3):
                raise ValueError(f"centres must have shape ({n}, 3), got {centres.shape}")
            if not np.isfinite(centres).all():
                raise ValueError("centres contains NaN/inf entries")
            self.centres = centres

        for attr in ("name", "license", "citation"):
            if not isinstance(getattr(self, attr), str):
                raise ValueError(f"{attr} must be a str, got {type(getattr(self, attr)).__name__}")
        self.synthetic = bool(self.synthetic)

        if require_symmetric:
            _check_symmetric(self.weights, "weights")
            _check_symmetric(self.lengths, "lengths")
        return self

    # -- derived quantities -----------------------------------------------------------------
    @property
    def n_regions(self) -> int:
        """Number of regions ``N``."""
        return int(self.weights.shape[0])

    @property
    def distances(self) -> np.ndarray:
        """Alias of :attr:`lengths` (mm), as named in ``brainmass``."""
        return self.lengths

    def __iter__(self):
        """Unpacks as brainmass's ``Connectome`` named tuple: ``weights, distances, labels``
        (distances in mm, labels as a ``'<U'`` array)."""
        return iter((self.weights, self.lengths, np.array(self.labels)))

    @property
    def density(self) -> float:
        """Fraction of off-diagonal entries with non-zero weight."""
        n = self.n_regions
        if n < 2:
            return 0.0
        off = ~np.eye(n, dtype=bool)
        return float(np.count_nonzero(self.weights[off]) / off.sum())

    def is_symmetric(self) -> bool:
        """True if ``weights`` equals its transpose (to 1e-10 relative)."""
        return bool(np.allclose(self.weights, self.weights.T, rtol=1e-10, atol=1e-12))

    def delays(self, speed_mm_per_ms: float) -> np.ndarray:
        """Conduction delays in ms: ``lengths / speed`` (1 mm/ms = 1 m/s)."""
        speed = float(speed_mm_per_ms)
        if not np.isfinite(speed) or speed <= 0:
            raise ValueError(f"speed_mm_per_ms must be a positive finite number, got {speed_mm_per_ms!r}")
        return self.lengths / speed

    def normalized(self, kind: str = "max") -> "Connectome":
        """Return a copy with rescaled weights (lengths unchanged).

        ``kind``: ``"max"`` (largest weight = 1), ``"row"`` (each non-empty row sums to 1,
        i.e. unit total input per region), ``"spectral"`` (spectral radius = 1).
        """
        w = self.weights
        if kind == "max":
            scale = w.max()
            if scale == 0:
                raise ValueError("cannot normalise weights: all weights are zero")
            new = w / scale
        elif kind == "row":
            rows = w.sum(axis=1, keepdims=True)
            new = np.divide(w, rows, out=np.zeros_like(w), where=rows > 0)
        elif kind == "spectral":
            scale = float(np.max(np.abs(np.linalg.eigvals(w))))
            if scale == 0:
                raise ValueError("cannot normalise weights: spectral radius is zero")
            new = w / scale
        else:
            raise ValueError(f"kind must be one of {_NORMALIZATIONS}, got {kind!r}")
        return replace(
            self,
            weights=new,
            lengths=self.lengths.copy(),
            labels=list(self.labels),
            centres=None if self.centres is None else self.centres.copy(),
            meta={**self.meta, "normalized": kind},
        )

    # -- text -------------------------------------------------------------------------------
    def summary(self) -> str:
        """Multi-line human-readable description (units: mm)."""
        w, ln = self.weights, self.lengths
        off = ~np.eye(self.n_regions, dtype=bool)
        nz = ln[off & (w > 0)]
        head = f"Connectome '{self.name}'"
        if self.synthetic:
            head += "  [SYNTHETIC - generated data, not a measured brain]"
        lines = [
            head,
            f"  regions     : {self.n_regions} ({', '.join(self.labels[:3])}"
            f"{', ...' if self.n_regions > 3 else ''})",
            f"  density     : {self.density:.3f} (off-diagonal non-zero weights)",
            f"  symmetric   : {self.is_symmetric()}",
            f"  weights     : min {w.min():.4g}, max {w.max():.4g}",
            "  lengths (mm): "
            + (f"connected edges {nz.min():.1f} .. {nz.max():.1f}" if nz.size else "no connected edges"),
            f"  centres     : {'yes (mm)' if self.centres is not None else 'none'}",
            f"  license     : {self.license}",
        ]
        if self.citation:
            lines.append(f"  citation    : {self.citation}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        flag = ", SYNTHETIC" if self.synthetic else ""
        return (
            f"Connectome(name={self.name!r}, n_regions={self.n_regions}{flag}, "
            f"license={self.license!r})"
        )
