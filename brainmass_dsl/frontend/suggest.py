""""Did you mean ...?": the one helper every stage uses to suggest a name for a misspelt one.

It lives at the bottom of the package (it imports nothing of brainmass_dsl), so the front
end, the runtime, the catalogue and the command line all suggest names the same way:

* closeness is the optimal-string-alignment (restricted Damerau-Levenshtein) distance,
  ignoring case: a swap of two neighbouring letters is ONE edit (`tahn` -> `tanh`), as are an
  insertion, a deletion and a substitution; a name is suggested when it is within about a
  third of the typed name's length (at least one edit);
* names of the kind that was asked for (a function where a function is called, with an
  arity that fits the call) come before names of another kind;
* ties go to a name with the same letters (a transposition), then the same case, then the
  more similar name by `difflib`'s ratio, then alphabetical order.

>>> suggest("tahn", ["tan", "tanh", "exp"])
['tanh']
>>> suggest("rat", ["rate", "tau"])
['rate']
>>> suggest("mx", [Candidate("max", "function", (2, None)), Candidate("mu", "parameter")],
...         kind="function", arity=2)
['max']
>>> did_you_mean("difusive", ["diffusive", "additive"])
"did you mean 'diffusive'?"
>>> did_you_mean("zzz", ["diffusive"])
''
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple, Union

__all__ = ["Candidate", "osa_distance", "suggest", "did_you_mean"]


@dataclass(frozen=True)
class Candidate:
    """A name that could be suggested, with what it is (`kind`: "function", "parameter",
    ...) and, for functions, how many arguments it takes (an int, or (min, max) with max
    None for any number)."""

    name: str
    kind: Optional[str] = None
    arity: Union[None, int, Tuple[int, Optional[int]]] = None

    def takes(self, n: int) -> bool:
        if self.arity is None:
            return True
        lo, hi = (self.arity, self.arity) if isinstance(self.arity, int) else self.arity
        return lo <= n and (hi is None or n <= hi)


def osa_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`.

    >>> osa_distance("tahn", "tanh"), osa_distance("tahn", "tan"), osa_distance("ca", "abc")
    (1, 1, 3)
    """
    if a == b:
        return 0
    prev2: List[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def _max_distance(name: str) -> int:
    return max(1, (len(name) + 1) // 3)


def suggest(name: str, candidates: Iterable[Union[str, Candidate]], *, kind: Optional[str] = None,
            arity: Optional[int] = None, n: int = 1,
            max_distance: Optional[int] = None) -> List[str]:
    """Up to `n` names of `candidates` close to `name`, best first (see the module doc).

    `kind` and `arity` describe what was asked for; candidates given as plain strings match
    any kind. `max_distance` overrides the default tolerance (a third of the length)."""
    limit = _max_distance(name) if max_distance is None else max_distance
    folded = name.lower()
    ranked = []
    seen = set()
    for c in candidates:
        c = c if isinstance(c, Candidate) else Candidate(str(c))
        if c.name in seen or c.name == name:
            continue
        seen.add(c.name)
        d = osa_distance(folded, c.name.lower())
        if d > limit:
            continue
        wrong_kind = kind is not None and c.kind is not None and c.kind != kind
        wrong_arity = arity is not None and not c.takes(arity)
        ranked.append((wrong_kind or wrong_arity, d, sorted(folded) != sorted(c.name.lower()),
                       osa_distance(name, c.name),
                       -difflib.SequenceMatcher(None, name, c.name).ratio(), c.name))
    ranked.sort()
    return [r[-1] for r in ranked[:n]]


def did_you_mean(name: str, candidates: Iterable[Union[str, Candidate]], **kw) -> str:
    """"did you mean 'x'?" (or "'x' or 'y'" with n=2), or "" when nothing is close."""
    close = suggest(name, candidates, **kw)
    if not close:
        return ""
    return "did you mean " + " or ".join(repr(c) for c in close) + "?"
