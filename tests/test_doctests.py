"""Every docstring example in the package runs (small functions with doctests, as vbjax)."""
import doctest
import importlib
import pkgutil

import pytest

import brainmass_dsl

MODULES = sorted(m.name for m in pkgutil.walk_packages(brainmass_dsl.__path__, "brainmass_dsl.")
                 if not m.name.endswith("__main__"))


def test_walks_the_whole_package():
    assert "brainmass_dsl.ir.network" in MODULES
    assert "brainmass_dsl.runtime.simulator" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
