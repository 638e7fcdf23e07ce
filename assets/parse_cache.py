"""What sqlglot found in a SQL text, kept on disk by the text's hash.

Reading the models' dependencies and renaming the scenarios' schemas parses about seventy
statements with sqlglot: over a second in every process that loads the definitions (each
`junheng` command, each `dg dev` reload), for texts that rarely change. The results are pure
functions of the text and the sqlglot version, so they are kept in
``$XDG_CACHE_HOME/junheng/sqlglot-<version>/`` (default ``~/.cache/junheng/…``), one small JSON
file per question and text, named by their hash: an edited model is simply a new file, and a
process reads only the entries it asks for (one file of every entry ever made grew to 37 MB
under a mutation run, and its load cost 0.35 s of every start). A cache that cannot be read or
written is ignored (the text is parsed, as without it).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlglot


def cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "junheng" / f"sqlglot-{sqlglot.__version__}"


def entry_file(kind: str, text: str) -> Path:
    digest = hashlib.sha256(f"{kind}\0{text}".encode()).hexdigest()
    return cache_dir() / f"{digest}.json"


_answers: dict[Path, Any] = {}  # this process's: each entry read from disk once


def remembered(kind: str, text: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` (a JSON value), or what it returned for this ``kind`` and ``text`` before."""
    path = entry_file(kind, text)
    if path not in _answers:
        try:
            _answers[path] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # not there yet, or damaged: parse (again)
            _answers[path] = compute()
            _save(path, _answers[path])
    return _answers[path]


def _save(path: Path, value: Any) -> None:
    """Write the entry whole: a concurrent reader sees it complete or not at all."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as out:
            json.dump(value, out)
        os.replace(out.name, path)
    except OSError:
        pass  # a read-only or full home: parse again next time
