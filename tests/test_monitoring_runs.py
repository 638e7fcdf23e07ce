"""A year's monitoring reads earlier years: building a year rebuilds the monitoring of the later
years the warehouse holds, in the same publication, and reports it; years arriving out of order
or re-run give the same tables as an in-order run (assets.cross_year)."""

import pytest

from assets.cross_year import cross_year_models, earlier_year_tables
from assets.sql_models import SqlModel, discover_models
from pipelines.cli import OK, main
from tests import monitoring_district as m
from tests.helpers import instance_with_years, query, run_year, snapshot_tables, write_year

CROSS_YEAR = {
    "indicators.student_projections": ["indicators.school_sections"],
    "marts.monitoring_index": ["indicators.key_indicator_sections", "indicators.key_indicators"],
}
REBUILT = {*CROSS_YEAR, "marts.monitoring_summary", "marts.early_warnings"}


def test_the_header_names_the_tables_read_across_years(tmp_path):
    sql = (
        "-- t | a table\n-- reads earlier years: indicators.a, indicators.b\n-- x: x | x\nSELECT 1"
    )
    assert earlier_year_tables(sql) == {"indicators.a", "indicators.b"}
    assert earlier_year_tables("SELECT 1\n-- reads earlier years: indicators.a") == set()
    model = SqlModel(
        tmp_path / "marts" / "x.sql",
        "-- x | y\n-- reads earlier years: indicators.b\nSELECT * FROM indicators.a",
    )
    with pytest.raises(ValueError, match="reads earlier years of tables it does not read"):
        _ = model.earlier_year_dependencies


def test_the_models_rebuilt_for_later_years_are_those_reading_across_years_and_downstream():
    models = discover_models()
    for table, parents in CROSS_YEAR.items():
        model = next(x for x in models if x.table == table)
        assert model.earlier_year_dependencies == set(parents)
    assert {x.table for x in cross_year_models(models)} == REBUILT


def decomposition_county() -> dict[int, dict[str, list[dict]]]:
    """120001 of the monitoring district: four schools over 2022-2024 (test_monitoring.py)."""
    files = m.district()
    out = {}
    for year, by_file in files.items():
        schools = {
            s["school_id"] for s in by_file["schools"] if s["county_code"] == m.DECOMPOSITION
        }
        out[year] = {
            name: [r for r in rows if r["school_id"] in schools]
            for name, rows in by_file.items()
            if name != "county"
        }
    return out


def fix_2022(root):
    """S1's 2022 teaching area was wrong: 2000 m², not 1000. The 2022 county: 5000 m² / 400."""
    path = root / "2022" / "facilities.csv"
    text = path.read_text(encoding="utf-8")
    assert f"{m.S1},1000.0," in text
    path.write_text(text.replace(f"{m.S1},1000.0,", f"{m.S1},2000.0,"), encoding="utf-8")


def teaching_index(path, year):
    return query(
        path,
        "SELECT baseline_value, index FROM marts.monitoring_index WHERE year = ? AND "
        "county_code = ? AND stage = 'primary' AND indicator = 'teaching_area_per_student'",
        [year, m.DECOMPOSITION],
    )[0]


# 2024: 3600 m² / 420 students. 2023: S1 1000, S2 1050, S4 1000, S5 1100 = 4150 m² / 435.
# Baseline 2022 before the fix: 4000 / 400 = 10; after it: 5000 / 400 = 12.5.
BEFORE = {2023: 4150 / 435 / 10 * 100, 2024: 3600 / 420 / 10 * 100}  # 95.40, 85.71
AFTER = {2023: 4150 / 435 / 12.5 * 100, 2024: 3600 / 420 / 12.5 * 100}  # 76.32, 68.57


def test_rerunning_an_earlier_year_rebuilds_later_monitoring_in_the_same_run(tmp_path):
    root, warehouse = tmp_path / "in", tmp_path / "w.duckdb"
    for year, files in decomposition_county().items():
        write_year(root, year, files)
    instance = instance_with_years(*m.YEARS)
    for year in m.YEARS:
        assert run_year(root, warehouse, year, instance).success
    for year in (2023, 2024):
        assert teaching_index(warehouse, year) == (10.0, pytest.approx(BEFORE[year], rel=1e-12))

    fix_2022(root)
    result = run_year(root, warehouse, 2022, instance)
    assert result.success
    # 2022 itself, and 2023 and 2024 compared with the corrected 2022, in one publication.
    assert teaching_index(warehouse, 2022) == (12.5, 100.0)
    for year in (2023, 2024):
        assert teaching_index(warehouse, year) == (12.5, pytest.approx(AFTER[year], rel=1e-12))
    # The run reports the later years' rebuilt tables for their partitions.
    reported = {
        (e.event_specific_data.materialization.asset_key.to_user_string(), e.partition)
        for e in result.all_events
        if e.is_step_materialization and e.partition != "2022"
    }
    assert reported == {(t.replace(".", "/"), y) for t in REBUILT for y in ("2023", "2024")}


@pytest.mark.slow
def test_years_out_of_order_and_a_rerun_through_the_command(tmp_path, capsys):
    root = tmp_path / "in"
    for year, files in decomposition_county().items():
        write_year(root, year, files)

    def run(warehouse, *years):
        args = ["run", "--input", str(root), "--warehouse", str(tmp_path / warehouse)]
        assert main(args + (["--year", *map(str, years)] if years else [])) == OK
        return capsys.readouterr().out

    run("in_order.duckdb")  # 2022, 2023, 2024 in one command
    run("late.duckdb", 2024)
    run("late.duckdb", 2023, 2022)  # run oldest first; each rebuilds the years after it
    # 2024 arrived first and 2022 last, yet every table is what the in-order run made.
    assert snapshot_tables(tmp_path / "late.duckdb") == snapshot_tables(
        tmp_path / "in_order.duckdb"
    )
    for year in (2023, 2024):
        assert teaching_index(tmp_path / "late.duckdb", year)[1] == pytest.approx(BEFORE[year])

    fix_2022(root)
    run("late.duckdb", 2022)
    for year in (2023, 2024):
        assert teaching_index(tmp_path / "late.duckdb", year) == (
            12.5,
            pytest.approx(AFTER[year], rel=1e-12),
        )
