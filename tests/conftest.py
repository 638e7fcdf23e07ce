import atexit
import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

# A fixed test key; production reads JUNHENG_PSEUDONYM_KEY or a local key file (see README).
os.environ.setdefault("JUNHENG_PSEUDONYM_KEY", "test-key-0123456789abcdef")

# CI replays the same examples every time (derandomised, no example database), so a red build
# is reproducible; local runs keep searching randomly and remember what failed.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
# Hypothesis derandomises by itself when it sees a CI variable; "dev" says what it means.
settings.register_profile(
    "dev",
    derandomize=False,
    database=DirectoryBasedExampleDatabase(".hypothesis/examples"),
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# `junheng run` records its runs in $DAGSTER_HOME (default: the project's dagster_home/). Tests
# get their own instance, with the project's dagster.yaml, and never touch a developer's.
_home = Path(tempfile.mkdtemp(prefix="junheng-test-dagster-home-"))
shutil.copy(Path(__file__).resolve().parent.parent / "dagster_home" / "dagster.yaml", _home)
os.environ["DAGSTER_HOME"] = str(_home)
atexit.register(shutil.rmtree, _home, ignore_errors=True)
