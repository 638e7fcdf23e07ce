"""replace_year on a real DuckDB file: a new table is made from its first year, a table whose
model gained a column gets it (older years NULL), comments follow the model, and a refused
write leaves every table as it was."""

import duckdb
import pytest

from assets.warehouse import Write, replace_view, replace_year


def _year(year: int, extra: str = "") -> str:
    return f"(SELECT {year} AS year, 'a' AS school_id, 2 AS rooms{extra})"


def _comments(con, table: str) -> dict:
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT column_name, comment FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ?",
        [schema, name],
    ).fetchall()
    [(table_comment,)] = con.execute(
        "SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [schema, name],
    ).fetchall()
    return dict(rows) | {"": table_comment}


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        yield con


def test_first_year_makes_the_table_with_its_comments(con):
    comments = {"": "rooms per school", "rooms": "classrooms"}
    assert replace_year(con, 2023, [Write("marts.t", _year(2023), comments)]) == {"marts.t": 1}
    assert con.sql("SELECT * FROM marts.t").fetchall() == [(2023, "a", 2)]
    assert _comments(con, "marts.t") == {
        "": "rooms per school",
        "year": None,
        "school_id": None,
        "rooms": "classrooms",
    }


def test_a_column_the_model_gained_is_added_and_older_years_get_null(con):
    replace_year(con, 2023, [Write("marts.t", _year(2023))])
    counts = replace_year(
        con,
        2024,
        [Write("marts.t", _year(2024, ", 5 AS labs"), {"labs": "laboratories"})],
    )
    assert counts == {"marts.t": 1}
    assert con.sql("SELECT year, rooms, labs FROM marts.t ORDER BY year").fetchall() == [
        (2023, 2, None),
        (2024, 2, 5),
    ]
    assert _comments(con, "marts.t")["labs"] == "laboratories"


def test_rerun_replaces_only_its_year_and_updates_a_changed_comment(con):
    replace_year(con, 2023, [Write("marts.t", _year(2023), {"rooms": "old text"})])
    replace_year(con, 2024, [Write("marts.t", _year(2024), {"rooms": "old text"})])
    rerun = "(SELECT 2024 AS year, 'a' AS school_id, 9 AS rooms UNION ALL " + _year(2024)[1:]
    assert replace_year(con, 2024, [Write("marts.t", rerun, {"rooms": "new text"})]) == {
        "marts.t": 2
    }
    assert con.sql("SELECT year, rooms FROM marts.t ORDER BY year, rooms").fetchall() == [
        (2023, 2),
        (2024, 2),
        (2024, 9),
    ]
    assert _comments(con, "marts.t")["rooms"] == "new text"


def test_a_model_that_was_a_view_becomes_a_table(con):
    replace_view(con, "marts.t", "SELECT 2022 AS year, 'b' AS school_id, 1 AS rooms", None)
    replace_year(con, 2023, [Write("marts.t", _year(2023))])
    assert con.sql(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' AND table_name = 't'"
    ).fetchall() == [(1,)]
    assert con.sql("SELECT year FROM marts.t").fetchall() == [(2023,)]


def test_a_refused_write_leaves_every_table_as_it_was(con):
    replace_year(con, 2023, [Write("marts.t", _year(2023)), Write("marts.u", _year(2023))])
    before = con.sql("SELECT * FROM marts.t").fetchall()
    with pytest.raises(ValueError, match="marts.u: 1 rows are not of year 2024"):
        # The first write succeeds inside the transaction, the second holds a stray year.
        replace_year(
            con,
            2024,
            [
                Write("marts.t", _year(2024)),
                Write("marts.u", _year(2023)),
                Write("marts.v", _year(2024)),
            ],
        )
    assert con.sql("SELECT * FROM marts.t").fetchall() == before
    assert con.sql("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'v'").fetchall() == [
        (0,)
    ]


def test_a_binder_error_that_is_not_a_missing_column_is_raised(con):
    replace_year(con, 2023, [Write("marts.t", _year(2023))])
    with pytest.raises(duckdb.BinderException, match="no_such_column"):
        replace_year(con, 2024, [Write("marts.t", "(SELECT 2024 AS year, no_such_column)")])
