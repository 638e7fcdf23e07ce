import atexit
import os
import shutil
import tempfile
from pathlib import Path

# A fixed test key; production reads JUNHENG_PSEUDONYM_KEY or a local key file (see README).
os.environ.setdefault("JUNHENG_PSEUDONYM_KEY", "test-key-0123456789abcdef")

# `junheng run` records its runs in $DAGSTER_HOME (default: the project's dagster_home/). Tests
# get their own instance, with the project's dagster.yaml, and never touch a developer's.
_home = Path(tempfile.mkdtemp(prefix="junheng-test-dagster-home-"))
shutil.copy(Path(__file__).resolve().parent.parent / "dagster_home" / "dagster.yaml", _home)
os.environ["DAGSTER_HOME"] = str(_home)
atexit.register(shutil.rmtree, _home, ignore_errors=True)
