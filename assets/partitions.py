"""One partition per school year the input root has, keyed by the autumn it starts in
("2024" = 2024–25).

The years are dynamic partitions kept in the Dagster instance: `junheng run`, the
``new_year_folders`` sensor and the annual schedule add each year folder they find
(``assets.year_folders``), so the UI lists exactly the years that have data, and a new folder
needs no code change or reload. A year whose folder is removed keeps its partition and its
history, as the warehouse keeps its rows.
"""

from collections.abc import Iterable

import dagster as dg

school_years = dg.DynamicPartitionsDefinition(name="school_years")


def add_years(instance: dg.DagsterInstance, years: Iterable[int]) -> list[str]:
    """Add the years not yet known to the instance; returns the keys added."""
    known = set(instance.get_dynamic_partitions(school_years.name))
    new = [str(y) for y in sorted(set(years)) if str(y) not in known]
    if new:
        instance.add_dynamic_partitions(school_years.name, new)
    return new
