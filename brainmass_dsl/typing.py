"""brainmass's typing aliases (`brainmass.typing`), for annotations in ported scripts.

- `Array`: an array-like of numbers (NumPy's ArrayLike).
- `Initializer`: an initial value: an array-like or a callable `f(shape)` returning one (what
  `init_<state>=` takes).
- `Parameter`: a parameter value: an array-like, a callable, or a `bm.Param` (trainable).
"""
from __future__ import annotations

from typing import Callable, Union

from numpy.typing import ArrayLike

from .runtime.param import Param

Array = ArrayLike
Initializer = Union[Callable, ArrayLike]
Parameter = Union[Callable, ArrayLike, Param]

__all__ = ["Array", "Initializer", "Parameter", "ArrayLike"]
