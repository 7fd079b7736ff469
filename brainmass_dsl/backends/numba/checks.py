"""Finite-value tests for the generated kernels (compiled once, cached).

A kernel that found a non-finite state passes its states as one tuple to `first_nonfinite`:
a chain of `abs(x) < inf` tests per state, typed anew in every kernel, made up a tenth of a
kernel's Numba compile time. The test at every checkpoint stays inline in the kernel (a call
there, even in a branch rarely taken, made the whole time loop 3 % slower).
"""
import math

from numba import njit


@njit(cache=True)
def all_finite(values):
    """True if no value of the tuple is NaN or infinite.

    >>> all_finite((1.0, -2.0)), all_finite((1.0, math.nan)), all_finite((math.inf,))
    (True, False, False)
    """
    for v in values:
        if not abs(v) < math.inf:
            return False
    return True


@njit(cache=True)
def first_nonfinite(values):
    """Index of the tuple's first NaN or infinite value, -1 if there is none.

    >>> first_nonfinite((1.0, -math.inf, math.nan)), first_nonfinite((0.0, 1.0))
    (1, -1)
    """
    i = 0
    for v in values:
        if not abs(v) < math.inf:
            return i
        i += 1
    return -1
