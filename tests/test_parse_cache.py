"""What sqlglot found in a model is kept on disk by the text's hash (assets/parse_cache.py), and
a cache that is damaged or cannot be written changes nothing but the time."""

import json
import subprocess
import sys

import pytest

from assets import parse_cache
from assets.sql_models import discover_models


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    parse_cache._answers.clear()
    yield tmp_path
    parse_cache._answers.clear()


def test_a_result_is_computed_once_and_read_back(cache_home):
    calls = []

    def compute():
        calls.append(1)
        return ["staging.schools"]

    assert parse_cache.remembered("tables_read", "SELECT 1", compute) == ["staging.schools"]
    parse_cache._answers.clear()  # as a new process would
    assert parse_cache.remembered("tables_read", "SELECT 1", compute) == ["staging.schools"]
    assert calls == [1]
    # Another text, or the same text asked another question, is computed.
    parse_cache.remembered("tables_read", "SELECT 2", compute)
    parse_cache.remembered("renamed", "SELECT 1", compute)
    assert len(calls) == 3
    # One small file per question and text: a process reads only those it asks for.
    folder = parse_cache.cache_dir()
    assert folder.parent == cache_home / "junheng" and len(list(folder.iterdir())) == 3


def test_a_damaged_entry_is_ignored_and_replaced(cache_home):
    path = parse_cache.entry_file("tables_read", "SELECT 1")
    path.parent.mkdir(parents=True)
    path.write_text('["a.', encoding="utf-8")  # cut short
    assert parse_cache.remembered("tables_read", "SELECT 1", lambda: ["a.b"]) == ["a.b"]
    assert json.loads(path.read_text(encoding="utf-8")) == ["a.b"]


def test_a_cache_that_cannot_be_written_is_only_slower(cache_home):
    (cache_home / "junheng").write_text("a file where the folder would be", encoding="utf-8")
    assert parse_cache.remembered("tables_read", "SELECT 1", lambda: ["a.b"]) == ["a.b"]


def _dependencies_in_a_new_process(cache_home) -> dict:
    code = (
        "import json; from assets.sql_models import discover_models; "
        "print(json.dumps({m.table: [m.dependencies, m.sql] for m in discover_models()}))"
    )
    env = {"XDG_CACHE_HOME": str(cache_home), "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_models_read_from_the_cache_are_those_parsed(cache_home):
    parsed = _dependencies_in_a_new_process(cache_home)  # empty cache: every text parsed
    assert any(parse_cache.cache_dir().iterdir())
    assert _dependencies_in_a_new_process(cache_home) == parsed  # every text from the cache
    here = {m.table: [m.dependencies, m.sql] for m in discover_models()}
    assert parsed == here and "needs.school_sections" in parsed
    assert "needs_input.teachers" in parsed["needs.school_sections"][0]
