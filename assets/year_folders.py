"""The year folders of an input root, named as districts name them.

``2024``, ``2024年``, ``2024学年``, ``2024年度``, ``2024-2025学年`` and ``2024-25学年`` (full-width
digits and dashes too) are all school year 2024, the one starting in autumn 2024. A folder whose
name holds a year but none of those forms, two folders for one year, or a span that is not two
consecutive years is refused with a message naming the folder: it is never skipped silently.
Folders with no year in their name are ignored, and listed as such.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

FIRST_YEAR, LAST_YEAR = 1990, 2100
FORMS = "2024, 2024年, 2024学年 or 2024-2025学年"

_YEAR_FOLDER = re.compile(
    r"^(?P<start>\d{4})(?:[-–—~至到_](?P<end>\d{4}|\d{2}))?(?:学年度|学年|年度|年)?$"
)
_ANY_YEAR = re.compile(r"(?<!\d)(19|20|21)\d{2}(?!\d)")


class YearFolderError(ValueError):
    """A folder's name holds a year but cannot be read as exactly one school year."""


def year_of(name: str) -> int | None:
    """The school year a folder name stands for; None if the name holds no year at all."""
    text = "".join(unicodedata.normalize("NFKC", name).split())
    match = _YEAR_FOLDER.match(text)
    if match is None:
        if _ANY_YEAR.search(text):
            raise YearFolderError(f"'{name}' is not a school year folder name; name it {FORMS}")
        return None
    start, end = int(match["start"]), match["end"]
    if end is not None:
        end_year = int(end) if len(end) == 4 else start // 100 * 100 + int(end)
        if end_year != start + 1:
            raise YearFolderError(
                f"'{name}' spans {start}-{end}; a school year spans two consecutive years "
                f"({start}-{start + 1}学年)"
            )
    if not FIRST_YEAR <= start <= LAST_YEAR:
        raise YearFolderError(f"'{name}': {start} is not a plausible school year")
    return start


@dataclass
class YearFolders:
    """What an input root holds: year → folder, refused folders (with why), ignored folders."""

    root: Path
    years: dict[int, Path] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)


def scan(root: Path) -> YearFolders:
    """Every folder directly under ``root``; hidden ones (.git, __MACOSX) are not looked at."""
    found = YearFolders(root)
    by_year: dict[int, list[Path]] = {}
    for path in sorted(root.iterdir()):
        if not path.is_dir() or path.name.startswith((".", "__")):
            continue
        try:
            year = year_of(path.name)
        except YearFolderError as exc:
            found.refused.append(f"{path}: {exc}")
            continue
        if year is None:
            found.ignored.append(path)
        else:
            by_year.setdefault(year, []).append(path)
    for year, paths in sorted(by_year.items()):
        if len(paths) > 1:
            names = " and ".join(f"'{p.name}'" for p in paths)
            found.refused.append(f"{root}: {names} are both school year {year}; keep one")
        else:
            found.years[year] = paths[0]
    return found
