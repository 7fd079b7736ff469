"""Parsing of command-line quantities such as `60s`, `0.1ms`, `10m/s`, `k=0:1:16`."""
from __future__ import annotations

import re
from typing import Tuple

import numpy as np

from .base import EXIT_USAGE, CliError

_QTY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z/*0-9.\u00b5]*)\s*$")


def quantity(text: str, unit: str, what: str) -> float:
    """`text` ('60s', '0.1 ms', '10m/s', or a bare number in `unit`) as a number in `unit`."""
    m = _QTY.match(text)
    if not m:
        raise CliError(f"{what}: cannot read {text!r}; write a number with a unit, e.g. 60s",
                       EXIT_USAGE)
    value, u = float(m.group(1)), m.group(2)
    if not u:
        return value
    from ..frontend.units import registry

    try:
        return float(registry().Quantity(value, u).to(unit).magnitude)
    except Exception as e:  # pint's errors: undefined unit, dimensionality
        raise CliError(f"{what}: {text!r} is not a quantity in {unit} ({e})",
                       EXIT_USAGE) from None


def sweep_values(text: str) -> Tuple[str, np.ndarray]:
    """`name=start:stop:count` (inclusive linspace) or `name=v1,v2,...`."""
    if "=" not in text:
        raise CliError(f"--batch {text!r}: write NAME=START:STOP:COUNT or NAME=V1,V2,...", EXIT_USAGE)
    name, spec = text.split("=", 1)
    try:
        if ":" in spec:
            start, stop, count = spec.split(":")
            values = np.linspace(float(start), float(stop), int(count))
        else:
            values = np.array([float(v) for v in spec.split(",")])
    except ValueError:
        raise CliError(f"--batch {text!r}: values must be numbers", EXIT_USAGE) from None
    if values.size < 1:
        raise CliError(f"--batch {text!r}: no values", EXIT_USAGE)
    return name.strip(), values
