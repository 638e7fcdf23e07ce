import os

from hypothesis import settings

# A fixed test key; production reads JUNHENG_PSEUDONYM_KEY or a local key file (see README).
os.environ.setdefault("JUNHENG_PSEUDONYM_KEY", "test-key-0123456789abcdef")

# CI replays the same examples every time (derandomised, no example database), so a red build
# is reproducible; local runs keep searching randomly and remember what failed.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
