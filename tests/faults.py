"""Fault injection for the tests: damaged files, read-only folders, a full file system."""
import contextlib
import os
import subprocess
from pathlib import Path

import pytest


def truncate_lines(path: Path, keep: float = 0.5) -> None:
    """Cut a text file at a line boundary (the damage that still parses)."""
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:int(len(lines) * keep)]))


def flip_bytes(path: Path, where: float = 0.6, n: int = 2) -> None:
    """Invert `n` bytes of a file from `where` (a fraction of its length) on."""
    data = bytearray(path.read_bytes())
    at = int(len(data) * where)
    for i in range(at, min(at + n, len(data))):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def snapshot(root: Path) -> dict:
    """Every file below `root` with its bytes (to show that nothing was written)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def _writable(folder: Path) -> bool:
    try:
        (folder / ".probe").touch()
    except OSError:
        return False
    (folder / ".probe").unlink()
    return True


@contextlib.contextmanager
def read_only(folder: Path):
    """Make `folder` read-only: permissions, and for root (whom permissions do not stop) a
    read-only bind mount; skips the test where neither works."""
    modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
    for p in modes:
        p.chmod(modes[p] & ~0o222)
    mounted = False
    try:
        if _writable(folder) and _mount(["--bind", str(folder), str(folder)]):
            mounted = True
            _mount(["-o", "remount,bind,ro", str(folder)])
        if _writable(folder):
            pytest.skip("cannot make a read-only folder here")
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=False)
        for p, mode in modes.items():
            p.chmod(mode)


@contextlib.contextmanager
def full_filesystem(folder: Path, size_kb: int = 64):
    """A tiny tmpfs at `folder`, filled up (root with mount rights only; skips otherwise)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not _mount(["-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)]):
        pytest.skip("cannot mount a small file system here")
    try:
        fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
        with contextlib.suppress(OSError):
            while os.write(fd, b"\0" * 4096):
                pass
        os.close(fd)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def _mount(args) -> bool:
    if os.geteuid() != 0:
        return False
    try:
        return subprocess.run(["mount", *args], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False
