"""The finite-value lookup of the generated kernels (compiled once, cached by `jitcache`).

A kernel that found a non-finite state passes its states as one tuple to `first_nonfinite`:
a chain of `abs(x) < inf` tests per state, typed anew in every kernel, made up a tenth of a
kernel's Numba compile time. The test at every checkpoint stays inline in the kernel (a call
there, even in a branch rarely taken, made the whole time loop 3 % slower).
"""
import math

from ...jitcache import njit_cached


@njit_cached
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
