"""A year's monitoring reads earlier years: the dependency in Dagster (partition mapping, stale
partitions in a real instance), and the command rebuilding later years when an earlier year is
re-run or arrives late."""

import dagster as dg
import pytest
from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
from dagster._core.loader import LoadingContextForTest

from assets.cross_year import earlier_year_tables, this_and_earlier_years
from assets.partitions import school_years
from assets.sql_models import SqlModel
from pipelines.cli import OK, main
from pipelines.definitions import build_definitions, defs
from pipelines.jobs import MONITORING_JOB, WAREHOUSE_JOB
from tests import monitoring_district as m
from tests.helpers import QUIET, query, snapshot_tables, write_year

CROSS_YEAR = {
    "indicators/student_projections": ["indicators/school_sections"],
    "marts/monitoring_index": ["indicators/key_indicator_sections", "indicators/key_indicators"],
}


def key(name: str) -> dg.AssetKey:
    return dg.AssetKey(name.split("/"))


def test_cross_year_dependencies_map_a_year_to_every_earlier_year():
    graph = defs.resolve_asset_graph()
    for child, parents in CROSS_YEAR.items():
        for parent in parents:
            mapping = graph.get_partition_mapping(key(child), key(parent))
            assert isinstance(mapping, dg.TimeWindowPartitionMapping), (child, parent)
            upstream = graph.get_parent_partition_keys_for_child("2024", key(parent), key(child))
            assert list(upstream.partitions_subset.get_partition_keys()) == [
                str(y) for y in range(2015, 2025)
            ]
    # Everything else reads its own year only.
    upstream = graph.get_parent_partition_keys_for_child(
        "2024", key("marts/monitoring_index"), key("marts/monitoring_summary")
    )
    assert list(upstream.partitions_subset.get_partition_keys()) == ["2024"]
    monitoring = defs.resolve_job_def(MONITORING_JOB)
    selected = {k.to_user_string() for k in monitoring.asset_layer.selected_asset_keys}
    assert selected == set(CROSS_YEAR) | {"marts/monitoring_summary", "marts/early_warnings"}


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
    # Year partitions that are not time windows (one per input folder) get every year.
    dynamic = dg.DynamicPartitionsDefinition(name="years")
    assert isinstance(this_and_earlier_years(dynamic), dg.AllPartitionMapping)
    assert isinstance(this_and_earlier_years(school_years), dg.TimeWindowPartitionMapping)


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


def stale_statuses(instance, definitions) -> dict[tuple[str, str], str]:
    resolver = CachingStaleStatusResolver(
        instance, definitions.resolve_asset_graph(), LoadingContextForTest(instance)
    )
    return {
        (name, year): resolver.get_status(key(name), year).value
        for name in CROSS_YEAR
        for year in ("2022", "2023", "2024")
    }


def test_rerunning_an_earlier_year_marks_later_monitoring_stale(tmp_path):
    root, warehouse = tmp_path / "in", tmp_path / "w.duckdb"
    for year, files in decomposition_county().items():
        write_year(root, year, files)
    (tmp_path / "dagster_home").mkdir()
    instance = dg.DagsterInstance.local_temp(tempdir=str(tmp_path / "dagster_home"))
    definitions = build_definitions(str(root), str(warehouse))
    job = definitions.resolve_job_def(WAREHOUSE_JOB)
    for year in m.YEARS:
        result = job.execute_in_process(
            partition_key=str(year), instance=instance, run_config=QUIET
        )
        assert result.success
    assert set(stale_statuses(instance, definitions).values()) == {StaleStatus.FRESH.value}
    # The 2024 materialisation shows the levels at a glance: primary falls, no junior section.
    figures = {
        e.event_specific_data.materialization.asset_key.to_user_string(): (
            e.event_specific_data.materialization.metadata
        )
        for e in result.get_asset_materialization_events()
    }["marts/monitoring_summary"]
    assert (figures["stages_fall"].value, figures["stages_no_index"].value) == (1, 1)

    fix_2022(root)
    assert job.execute_in_process(partition_key="2022", instance=instance, run_config=QUIET).success
    statuses = stale_statuses(instance, definitions)
    assert {k: v for k, v in statuses.items() if v == "STALE"} == {
        (name, year): "STALE" for name in CROSS_YEAR for year in ("2023", "2024")
    }
    resolver = CachingStaleStatusResolver(
        instance, definitions.resolve_asset_graph(), LoadingContextForTest(instance)
    )
    causes = resolver.get_stale_root_causes(key("marts/monitoring_index"), "2024")
    assert {(c.key.asset_key.to_user_string(), c.key.partition_key) for c in causes} == {
        ("indicators/key_indicators", "2022"),
        ("indicators/key_indicator_sections", "2022"),
    }
    # Stale indeed: 2022 itself is rebuilt, 2024 still holds the old comparison.
    assert teaching_index(warehouse, 2022) == (12.5, 100.0)
    assert teaching_index(warehouse, 2024) == (10.0, pytest.approx(BEFORE[2024], rel=1e-12))

    monitoring = definitions.resolve_job_def(MONITORING_JOB)
    for year in ("2023", "2024"):
        assert monitoring.execute_in_process(
            partition_key=year, instance=instance, run_config=QUIET
        ).success
    assert set(stale_statuses(instance, definitions).values()) == {StaleStatus.FRESH.value}
    for year in (2023, 2024):
        assert teaching_index(warehouse, year) == (12.5, pytest.approx(AFTER[year], rel=1e-12))


def test_years_out_of_order_and_a_rerun_through_the_command(tmp_path, capsys):
    root = tmp_path / "in"
    for year, files in decomposition_county().items():
        write_year(root, year, files)

    def run(warehouse, *years):
        args = ["run", "--input", str(root), "--warehouse", str(tmp_path / warehouse)]
        assert main(args + (["--year", *map(str, years)] if years else [])) == OK
        return capsys.readouterr().out

    in_order = run("in_order.duckdb")  # 2022, 2023, 2024 in one command
    assert "rebuilt" not in in_order
    assert run("late.duckdb", 2024).count("rebuilt") == 0
    # Given newest first, the command runs 2022 then 2023, then rebuilds 2024's monitoring once.
    out = run("late.duckdb", 2023, 2022)
    assert out.index("2022 120001") < out.index("2023 120001")
    assert "2024: monitoring and early warning rebuilt (they read 2022, 2023)" in out
    assert "2023: monitoring and early warning rebuilt" not in out
    # 2024 arrived first and 2022 last, yet every table is what the in-order run made.
    assert snapshot_tables(tmp_path / "late.duckdb") == snapshot_tables(
        tmp_path / "in_order.duckdb"
    )
    for year in (2023, 2024):
        assert teaching_index(tmp_path / "late.duckdb", year)[1] == pytest.approx(BEFORE[year])

    fix_2022(root)
    out = run("late.duckdb", 2022)
    assert "2023: monitoring and early warning rebuilt (they read 2022)" in out
    assert "2024: monitoring and early warning rebuilt (they read 2022)" in out
    for year in (2023, 2024):
        assert teaching_index(tmp_path / "late.duckdb", year) == (
            12.5,
            pytest.approx(AFTER[year], rel=1e-12),
        )
