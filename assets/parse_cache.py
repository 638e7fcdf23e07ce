"""What sqlglot found in a SQL text, kept on disk by the text's hash.

Reading the models' dependencies and renaming the scenarios' schemas parses about seventy
statements with sqlglot: over a second in every process that loads the definitions (each
`junheng` command, each `dg dev` reload), for texts that rarely change. The results are pure
functions of the text and the sqlglot version, so they are kept in
``$XDG_CACHE_HOME/junheng/`` (default ``~/.cache/junheng/``), one JSON file per sqlglot version,
keyed by a hash of the text: an edited model is simply a new key. A cache that cannot be read or
written is ignored (the text is parsed, as without it).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import sqlglot


def cache_file() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "junheng" / f"sqlglot-{sqlglot.__version__}.json"


@cache
def _entries(path: Path) -> dict[str, Any]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


def remembered(kind: str, text: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` (a JSON value), or what it returned for this ``kind`` and ``text`` before."""
    path = cache_file()
    entries = _entries(path)
    key = f"{kind}:{hashlib.sha256(text.encode()).hexdigest()}"
    if key not in entries:
        entries[key] = compute()
        _save(path, entries)
    return entries[key]


def _save(path: Path, entries: dict[str, Any]) -> None:
    """Replace the file whole: a concurrent reader sees the old or the new file, never half."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as out:
            json.dump(entries, out)
        os.replace(out.name, path)
    except OSError:
        pass  # a read-only or full home: parse again next time
