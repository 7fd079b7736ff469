"""Butcher tableaus of the registered explicit Runge-Kutta schemes: each satisfies the order
conditions (one per rooted tree, Butcher's theory) up to its stated order and not all of the
next order, and each row of A sums to its node c_i; braintools's names point at them."""
from fractions import Fraction
from functools import lru_cache

import pytest

from brainmass_dsl.integrators.schemes import _REGISTRY, get


@lru_cache(maxsize=None)
def trees(n):
    """The rooted trees with n vertices, each a sorted tuple of its subtrees."""
    if n == 1:
        return ((),)
    out = set()
    for t in trees(n - 1):           # add a leaf at every vertex of every smaller tree
        out.update(_grow(t))
    return tuple(sorted(out))


def _grow(t):
    yield tuple(sorted(t + ((),)))
    for i, child in enumerate(t):
        for g in _grow(child):
            yield tuple(sorted(t[:i] + (g,) + t[i + 1:]))


def order_of(t):
    return 1 + sum(order_of(u) for u in t)


def gamma(t):
    g = order_of(t)
    for u in t:
        g *= gamma(u)
    return g


def _tableau(scheme):
    s = scheme.stages
    A = [[Fraction(0)] * s for _ in range(s)]
    for i, row in enumerate(scheme.a, start=1):
        for j, v in enumerate(row):
            A[i][j] = Fraction(v)
    return A, [Fraction(v) for v in scheme.b], [Fraction(v) for v in scheme.c]


def elementary_weight(A, b, t):
    s = len(b)

    def g(t):
        vec = [Fraction(1)] * s
        for u in t:
            gu = g(u)
            for i in range(s):
                vec[i] *= sum((A[i][j] * gu[j] for j in range(s) if A[i][j]), Fraction(0))
        return vec

    return sum((bi * gi for bi, gi in zip(b, g(t))), Fraction(0))


def residuals(scheme, p):
    """|Phi(t) - 1/gamma(t)| over the trees of order p."""
    A, b, _ = _tableau(scheme)
    return [abs(elementary_weight(A, b, t) - Fraction(1, gamma(t))) for t in trees(p)]


RK = sorted({s.name for s in _REGISTRY.values()
             if s.family == "runge_kutta" and s.noise is None})
# DOP853's coefficients are Hairer's 30-digit decimals (its nodes involve sqrt(6))
TOL = {"dopri8": Fraction(1, 10 ** 25)}


def test_tree_counts():
    assert [len(trees(n)) for n in range(1, 9)] == [1, 1, 2, 4, 9, 20, 48, 115]


@pytest.mark.parametrize("name", RK)
def test_tableau_shape_and_row_sums(name):
    scheme = get(name)
    A, b, c = _tableau(scheme)
    assert len(scheme.a) == scheme.stages - 1 and len(c) == len(b)
    assert all(len(row) == i + 1 for i, row in enumerate(scheme.a))     # explicit
    assert all(isinstance(v, Fraction) for row in scheme.a for v in row)
    assert all(isinstance(v, Fraction) for v in (*scheme.b, *scheme.c))
    tol = TOL.get(name, 0)
    for i in range(scheme.stages):
        assert abs(sum(A[i]) - c[i]) <= tol, (name, i)


@pytest.mark.parametrize("name", RK)
def test_order_conditions(name):
    scheme = get(name)
    p = int(scheme.order)
    tol = TOL.get(name, 0)
    for q in range(1, p + 1):
        worst = max(residuals(scheme, q))
        assert worst <= tol, (name, q, float(worst))
    # the stated order is the order: some condition of order p + 1 fails
    assert max(residuals(scheme, p + 1)) > 1e-6, name


BRAINTOOLS = {  # braintools.quad.ode_<name>_step -> (our scheme, its order)
    "euler": ("euler", 1), "midpoint": ("midpoint", 2), "heun": ("heun", 3),
    "rk2": ("heun2", 2), "rk3": ("rk3", 3), "ralston2": ("ralston2", 2),
    "ralston3": ("ralston3", 3), "ssprk33": ("ssprk33", 3), "rk4": ("rk4", 4),
    "rk4_38": ("rk4_38", 4), "bs32": ("rk23", 3), "rk23": ("rk23", 3), "rk45": ("rk45", 5),
    "rkf45": ("rkf45", 5), "rk45_dopri": ("dopri5", 5), "dopri5": ("dopri5", 5),
    "rk87_dopri": ("dopri8", 8), "dopri8": ("dopri8", 8),
}


@pytest.mark.parametrize("method", sorted(BRAINTOOLS))
def test_braintools_names(method):
    name, order = BRAINTOOLS[method]
    assert get(method).name == name and get(method).order == order


def test_heun_is_heuns_third_order_method_and_heun2_the_trapezoid():
    heun, heun2 = get("heun"), get("heun2")
    assert heun.b == (Fraction(1, 4), 0, Fraction(3, 4)) and heun.c == (0, Fraction(1, 3),
                                                                         Fraction(2, 3))
    assert heun2.b == (Fraction(1, 2), Fraction(1, 2)) and heun2.c == (0, 1)
    assert get("trapezoid") is heun2
