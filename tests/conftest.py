"""Shared test set-up: one kernel cache folder per machine (compiled kernels are reused
across tests and test runs), and quick access to the test models."""
import logging
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("BRAINMASS_CACHE_DIR", str(ROOT / ".brainmass_cache"))

MODELS = Path(__file__).resolve().parent / "models"


@pytest.fixture(scope="session")
def test_models():
    """The classes of tests/models/test_models.nmm."""
    import brainmass_dsl as bm

    return bm.load(MODELS / "test_models.nmm")


@pytest.fixture(autouse=True)
def _fresh_environ():
    from brainmass_dsl.runtime import environ

    environ.reset()
    yield
    environ.reset()


@pytest.fixture(scope="session")
def dask_cluster():
    """A local Dask cluster of two worker processes, started once for the session
    (`client.get_executor()` is the executor the sweeps and fits take)."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    client = distributed.Client(cluster, timeout="60s")
    try:
        yield client
    finally:
        client.close()
        cluster.close()
