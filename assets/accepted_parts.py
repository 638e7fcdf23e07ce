"""The accepted rows of a file validated in parts, on disk as Parquet until staging holds them.

At nation scale the accepted teachers take 1.5 GiB in memory and about 0.3 GB as Parquet;
DuckDB stores them from the Parquet files about as fast as from a frame, holding 0.3 GiB.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl

from assets.reading import ROW

# DuckDB's rows per row group. Each file holds whole row groups (the last excepted): files
# cut anywhere left 172 part-filled row groups for 10.8 M teachers instead of 88, and every
# later checkpoint of the warehouse spent 3.4 s merging them.
ROW_GROUP = 122_880


class SpillError(Exception):
    """The accepted rows could not be kept on disk (a full or unwritable temporary folder)."""


class AcceptedParts:
    """Parts of one file's accepted rows, each still carrying its row number (ROW).

    A file that came in one part stays in memory (``result`` is then a frame); from the second
    part on, the rows go to Parquet files in a temporary folder that lives as long as this
    object.
    """

    def __init__(self, name: str):
        self._name = name
        self._parts = 0
        self._pending: list[pl.DataFrame] = []  # not yet on disk
        self._folder: tempfile.TemporaryDirectory | None = None
        self._paths: list[Path] = []
        self._dropped = pl.Series(ROW, [], dtype=pl.Int64)

    def add(self, part: pl.DataFrame) -> None:
        self._pending.append(part)
        self._parts += 1
        if self._parts > 1:
            self._write(whole_row_groups=True)

    def drop(self, rows: pl.Series) -> None:
        """Leave out the rows numbered ``rows`` (found failing after their part was added)."""
        self._dropped = pl.concat([self._dropped, rows.cast(pl.Int64).rename(ROW)]).unique()

    def rows(self, numbers: pl.Series, columns: list[str]) -> pl.DataFrame:
        """ROW and ``columns`` of the rows numbered ``numbers`` (those not added are absent)."""
        wanted = numbers.cast(pl.Int64).implode()
        return self._all().select(ROW, *columns).filter(pl.col(ROW).is_in(wanted)).collect()

    def result(self) -> pl.DataFrame | AcceptedParts:
        """The rows as a frame when they came in one part, else this object (see ``relation``)."""
        if not self._parts:
            raise ValueError(f"no part of {self._name} was added")
        if self._parts == 1:
            return self._kept(self._pending[0].lazy()).collect()
        if self._pending:
            self._write(whole_row_groups=False)
        return self

    def relation(self) -> str:
        """A DuckDB query of the rows, without ROW, for ``INSERT … SELECT * FROM``."""
        files = ", ".join(_literal(p) for p in self._paths)
        query = f'SELECT * EXCLUDE ("{ROW}") FROM read_parquet([{files}])'
        if self._dropped.len():
            dropped = Path(self._folder.name) / "dropped.parquet"
            pl.DataFrame(self._dropped).write_parquet(dropped)
            left_out = f'SELECT "{ROW}" FROM read_parquet({_literal(dropped)})'
            query += f' WHERE "{ROW}" NOT IN ({left_out})'
        return f"({query})"

    def collect(self) -> pl.DataFrame:
        """The rows as one frame (tests; small files)."""
        return self._kept(self._all()).collect()

    def _all(self) -> pl.LazyFrame:
        on_disk = [pl.scan_parquet(self._paths)] if self._paths else []
        return pl.concat([*on_disk, *(frame.lazy() for frame in self._pending)])

    def _kept(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        return frame.filter(~pl.col(ROW).is_in(self._dropped.implode())).drop(ROW)

    def _write(self, whole_row_groups: bool) -> None:
        """The pending rows to the next file: all of them, or as many whole row groups as
        they fill (the rest waits for the next part)."""
        pending = pl.concat(self._pending)
        count = pending.height // ROW_GROUP * ROW_GROUP if whole_row_groups else pending.height
        if count:
            try:
                if self._folder is None:
                    self._folder = tempfile.TemporaryDirectory(prefix=f"junheng-{self._name}-")
                path = Path(self._folder.name) / f"part-{len(self._paths):05d}.parquet"
                pending.head(count).write_parquet(
                    path, compression="lz4", statistics=False, row_group_size=ROW_GROUP
                )
            except (OSError, pl.exceptions.PolarsError) as exc:
                where = self._folder.name if self._folder else tempfile.gettempdir()
                raise SpillError(
                    f"could not keep the accepted {self._name} rows in {where} until the "
                    f"warehouse holds them ({exc}). Fix: free space there (about 30 bytes a "
                    "row), or set TMPDIR to a folder on a disk with space, and run again"
                ) from None
            self._paths.append(path)
        self._pending = [pending.slice(count)] if count < pending.height else []


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
