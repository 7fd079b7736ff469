"""Writing a file so that no fault destroys one: a temporary file beside it, then a rename.

    written = write_new(path, lambda tmp: np.savez(tmp, ...), overwrite=False)

An interrupted or failed write leaves the old file (or none) and no temporary file; an
existing file is replaced only with `overwrite=True` (else FileExistsError), atomically.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_writable(path, overwrite: bool = False, what: str = "output") -> Path:
    """Raise (FileExistsError, FileNotFoundError, PermissionError) now if `path` could not
    be written later: an existing file without `overwrite`, a missing or read-only folder."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{what} file {path} exists; choose another name or allow "
                              "overwriting it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"{what} folder {folder} does not exist")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
    except OSError as e:
        raise PermissionError(f"cannot write to the {what} folder {folder}: "
                              f"{e.strerror or e}") from None
    os.close(fd)
    os.unlink(probe)
    return path


def write_new(path, write: Callable[[str], None], *, overwrite: bool = False) -> Path:
    """Call `write(tmp)` on a temporary path beside `path`, then move it to `path`."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                               dir=path.parent if str(path.parent) else ".")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)       # atomic, and fails if `path` appeared meanwhile
            except FileExistsError:
                raise FileExistsError(f"{path} exists; pass overwrite=True to replace "
                                      "it") from None
            except OSError:              # no hard links here: check, then rename
                if path.exists():
                    raise FileExistsError(f"{path} exists; pass overwrite=True to replace "
                                          "it") from None
                os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
