"""Shared test set-up: one kernel cache folder per machine (compiled kernels are reused
across tests and test runs), and quick access to the test models."""
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
