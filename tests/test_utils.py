import doctest
from collections import namedtuple

import numpy as np
import pytest

import brainmass_dsl.utils as U
from brainmass_dsl.utils import bounded_input, delay_index, process_sequence, sigmoid, sys2nd


def test_doctests():
    res = doctest.testmod(U)
    assert res.attempted > 0 and res.failed == 0


def test_sys2nd_formula():
    A, a, u, x, v = 3.25, 0.1, np.array([1.0, 2.0]), np.array([0.5, -1.0]), np.array([0.2, 0.0])
    np.testing.assert_allclose(sys2nd(A, a, u, x, v), A * a * u - 2 * a * v - a**2 * x)


def test_sigmoid_matches_formula_and_is_stable():
    x = np.linspace(-20, 30, 101)
    np.testing.assert_allclose(sigmoid(x, 5.0, 6.0, 0.56), 5.0 / (1 + np.exp(0.56 * (6.0 - x))),
                               rtol=1e-12)
    with np.errstate(all="raise"):  # no overflow warnings for huge |x|
        big = sigmoid(np.array([-1e6, 1e6]), 5.0, 6.0, 0.56)
    np.testing.assert_array_equal(big, [0.0, 5.0])
    assert np.all(np.isfinite(big))


def test_bounded_input():
    x = np.array([-1e9, -1.0, 0.0, 1.0, 1e9])
    np.testing.assert_allclose(bounded_input(x), 500.0 * np.tanh(x / 500.0))
    np.testing.assert_allclose(bounded_input(x, bound=2.0), [-2, 2 * np.tanh(-0.5), 0, 2 * np.tanh(0.5), 2])


@pytest.mark.parametrize(
    "mode,expected",
    [("last", [5.0, 6.0]), ("first", [1.0, 2.0]), ("avg", [3.0, 4.0]), ("mean", [3.0, 4.0]),
     ("max", [5.0, 6.0]), ("min", [1.0, 2.0])],
)
def test_process_sequence_modes(mode, expected):
    seq = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])  # (T=3, N=2)
    np.testing.assert_allclose(process_sequence(seq, mode), expected)


def test_process_sequence_stack_is_identity_and_default():
    seq = np.arange(6.0).reshape(3, 2)
    assert process_sequence(seq) is seq
    assert process_sequence(seq, "stack") is seq


def test_process_sequence_nested_tree_and_callable():
    Pair = namedtuple("Pair", "a b")
    tree = {"x": np.arange(4.0), "y": (np.ones((4, 2)), [np.arange(4) * 2]), "p": Pair(np.arange(3), np.arange(2))}
    out = process_sequence(tree, "max")
    assert set(out) == {"x", "y", "p"}
    assert out["x"] == 3.0
    assert isinstance(out["y"], tuple) and isinstance(out["y"][1], list)
    np.testing.assert_array_equal(out["y"][0], [1.0, 1.0])
    assert out["y"][1][0] == 6
    assert isinstance(out["p"], Pair) and out["p"] == Pair(2, 1)
    out2 = process_sequence(tree, lambda a: np.asarray(a).shape[0])
    assert out2 == {"x": 4, "y": (4, [4]), "p": Pair(3, 2)}


def test_process_sequence_bad_mode():
    with pytest.raises(ValueError, match="unknown mode 'median'.*last"):
        process_sequence(np.arange(3), "median")


def test_delay_index():
    idx = delay_index(4)
    assert idx.shape == (4, 4) and np.issubdtype(idx.dtype, np.integer)
    for row in idx:
        np.testing.assert_array_equal(row, np.arange(4))
    np.testing.assert_array_equal(delay_index(1), [[0]])
    # reading history[delay, idx] picks node j's delayed value for every (i, j)
    hist = np.arange(12.0).reshape(3, 4)
    delays = np.array([[0, 1, 2, 0]] * 4)
    np.testing.assert_array_equal(hist[delays, idx], np.tile([0.0, 5.0, 10.0, 3.0], (4, 1)))


@pytest.mark.parametrize("bad", [0, -3, 2.5])
def test_delay_index_rejects_bad_n(bad):
    with pytest.raises(ValueError):
        delay_index(bad)
