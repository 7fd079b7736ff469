"""How a sweep fails: a grid point diverged (`SweepDiverged`), a batch failed (`SweepFailed`),
Ctrl-C (`SweepInterrupted`); the finished points travel with the exception. All pickle, so
they cross process and machine boundaries."""
from __future__ import annotations

from typing import List

from .errors import SimulationDiverged


class SweepDiverged(SimulationDiverged):
    """A grid point of a sweep diverged (a `SimulationDiverged`): `.point_index` and `.point`
    name it, `.batch` is its index within its batch, `.partial` the batch's result up to that
    time. Unlike its base class it pickles, so it crosses process and machine boundaries."""

    def __init__(self, message, *, point_index=None, point=None, **kw):
        super().__init__(message, **kw)
        self.point_index, self.point = point_index, point

    def __reduce__(self):
        return (_rebuild_exception, (type(self), self.args, dict(self.__dict__)))


def _rebuild_exception(cls, args, attrs):
    e = cls.__new__(cls)
    BaseException.__init__(e, *args)
    e.__dict__.update(attrs)
    return e


def _ranges(indices: List[int]) -> str:
    """'0-3, 8, 10-11' for [0, 1, 2, 3, 8, 10, 11]."""
    parts, start = [], None
    for k, p in enumerate(indices):
        if start is None:
            start = p
        if k + 1 == len(indices) or indices[k + 1] != p + 1:
            parts.append(f"{start}" if start == p else f"{start}-{p}")
            start = None
    return ", ".join(parts)


def raise_incomplete(failure, finished, kept, lost, n_points):
    """Raise for a sweep that did not finish, naming the grid points lost; the finished
    ones travel as `.finished` (also `.partial` on SweepFailed and SweepInterrupted) and
    `.lost`. A divergence or a ValueError/TypeError (a user error) is raised as itself."""
    where = (f"grid points {_ranges(lost)} ({len(lost)} of {n_points}) are lost; the "
             f"{len(kept)} finished are in the exception's .finished" if kept else
             f"all {n_points} grid points are lost")
    if isinstance(failure, (SweepDiverged, ValueError, TypeError)):
        failure.finished, failure.lost = finished, lost     # a user error: keep its type
        if hasattr(failure, "add_note"):
            failure.add_note(f"sweep: {where}")
        raise failure
    if isinstance(failure, KeyboardInterrupt):
        raise SweepInterrupted(f"sweep interrupted: {where}", finished=finished,
                               lost=lost) from None
    raise SweepFailed(f"sweep failed ({type(failure).__name__}: {failure}): {where}",
                      finished=finished, lost=lost) from failure


class _Incomplete:
    """`.finished` (a SweepResult of the finished points, or None), `.partial` (the same),
    `.lost` (the grid indices lost); pickles."""

    def _setup(self, finished, lost):
        self.finished = self.partial = finished
        self.lost = list(lost)

    def __reduce__(self):
        return (_rebuild_exception, (type(self), self.args, dict(self.__dict__)))


class SweepFailed(_Incomplete, RuntimeError):
    """A sweep's batch failed (e.g. a worker lost: KilledWorker, BrokenProcessPool)."""

    def __init__(self, message, *, finished=None, lost=()):
        RuntimeError.__init__(self, message)
        self._setup(finished, lost)


class SweepInterrupted(_Incomplete, KeyboardInterrupt):
    """Ctrl-C during a sweep: the batches finished so far are kept."""

    def __init__(self, message, *, finished=None, lost=()):
        KeyboardInterrupt.__init__(self, message)
        self._setup(finished, lost)
