"""What an operating-system error means to the person running junheng, and what to do.

Python's ``[Errno 13] Permission denied: '…'`` names the call, not the cause or the fix. Reading
errors become ``InputFileError`` (see ``assets.reading``); writing errors become
``WarehouseWriteError`` (see ``assets.warehouse``). DuckDB reports the same system errors as
text, so both are recognised by the operating system's wording as well as by errno.
"""

from __future__ import annotations

import errno
import getpass
import os
from pathlib import Path

DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
NOT_ALLOWED = (errno.EACCES, errno.EPERM, errno.EROFS)


def _account() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.geteuid()}"


def _errno_of(exc: BaseException, among: tuple[int, ...]) -> int | None:
    """The errno of ``exc``, or of the system error its text reports (DuckDB's exceptions)."""
    if isinstance(exc, OSError) and exc.errno in among:
        return exc.errno
    text = str(exc)
    return next((code for code in among if os.strerror(code) in text), None)


def reading_problem(exc: OSError, path: Path) -> tuple[str, str]:
    """(problem, fix) for an input file or folder that could not be read."""
    folder = os.path.isdir(path)
    if exc.errno in NOT_ALLOWED:
        who = f"the account running junheng ({_account()})"
        if folder:
            return (
                f"the folder cannot be read: permission denied for {who}",
                f"let that account read the folder (on Linux: chmod a+rx {path}) or copy the "
                "files to a folder it can read",
            )
        return (
            f"the file cannot be opened: permission denied for {who}",
            f"let that account read the file (on Linux: chmod a+r {path}; on Windows: "
            "Properties › Security) or copy it to a folder it can read",
        )
    if exc.errno == errno.ENOENT:
        return (
            "disappeared while the year was being read",
            "make sure nothing moves, renames or deletes the input files during a run",
        )
    if exc.errno == errno.EIO:
        return (
            "the disk reported an error while reading it",
            "copy the file to another disk (or export it again) and run again",
        )
    return (
        f"cannot be read ({exc.strerror or exc})",
        "check that it opens and that its disk is healthy, then run again",
    )


def writing_problem(exc: BaseException, path: Path) -> str | None:
    """What went wrong writing the warehouse ``path`` and what to do; None when the system did
    not refuse the write (a bug, reported as it is)."""
    full = _errno_of(exc, DISK_FULL)
    if full is not None:
        size = path.stat().st_size if path.exists() else 0
        copy = f"a copy of the warehouse ({size / 2**20:.0f} MB) and " if size >> 20 else ""
        return (
            f"the disk holding {path} is full, or a file there reached its size limit "
            f"({os.strerror(full)}). Fix: free disk space (a run needs room for {copy}the "
            "year's new rows) or raise the limit (ulimit -f, disk quota), then run again"
        )
    refused = _errno_of(exc, NOT_ALLOWED)
    if refused is not None:
        return (
            f"junheng may not write in {path.parent} ({os.strerror(refused)} for the account "
            f"running it, {_account()}). Fix: let that account write in the folder, or choose "
            "another --warehouse (JUNHENG_WAREHOUSE)"
        )
    return None
