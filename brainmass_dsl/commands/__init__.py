"""The subcommands of `brainmass`, one module each; importing this package registers them
(in the order `brainmass --help` lists them). Shared pieces live in `base.py`."""
from . import check, list_cmd, show  # noqa: F401
from . import cache_cmd, compile_cmd, simulate  # noqa: F401
