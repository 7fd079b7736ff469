"""Regenerate the bundled SYNTHETIC connectome ``data/synthetic68.npz`` (deterministic).

    python -m brainmass_dsl.datasets._generate            # rewrite the bundled file
    python -m brainmass_dsl.datasets._generate --check    # exit 1 if the bundled file differs
    python -m brainmass_dsl.datasets._generate --out X.npz

Parameters are ``synthetic.SYNTHETIC68_PARAMS`` (seed 0).  No third-party data are used.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from .files import save_npz
from .synthetic import SYNTHETIC68_FILE, SYNTHETIC68_PARAMS, load_synthetic68, synthetic_connectome

BUNDLED_PATH = Path(__file__).resolve().parent / "data" / SYNTHETIC68_FILE


def generate(out=BUNDLED_PATH) -> Path:
    """Write the synthetic 68-region connectome to ``out``; return the path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return save_npz(synthetic_connectome(**SYNTHETIC68_PARAMS), out, overwrite=True)


def matches_bundled() -> bool:
    """True if regenerating gives exactly the bundled arrays and labels."""
    new, old = synthetic_connectome(**SYNTHETIC68_PARAMS), load_synthetic68()
    return (
        np.array_equal(new.weights, old.weights)
        and np.array_equal(new.lengths, old.lengths)
        and np.array_equal(new.centres, old.centres)
        and new.labels == old.labels
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BUNDLED_PATH, help="output .npz path")
    parser.add_argument("--check", action="store_true", help="compare with the bundled file")
    args = parser.parse_args(argv)
    if args.check:
        ok = matches_bundled()
        print("bundled synthetic68.npz is up to date" if ok else "bundled synthetic68.npz DIFFERS")
        return 0 if ok else 1
    path = generate(args.out)
    print(f"wrote {path} ({path.stat().st_size / 1024:.1f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
