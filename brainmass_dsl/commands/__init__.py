"""Subcommands beyond check/list/show; importing this package registers them."""
from . import cache_cmd, compile_cmd, simulate  # noqa: F401
