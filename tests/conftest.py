import os

# A fixed test key; production reads JUNHENG_PSEUDONYM_KEY or a local key file (see README).
os.environ.setdefault("JUNHENG_PSEUDONYM_KEY", "test-key-0123456789abcdef")
