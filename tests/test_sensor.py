"""The new_year_folders sensor on a real folder that appears, settles, stays and changes."""

import os
import shutil

import dagster as dg

from assets.partitions import add_years
from assets.resources import InputsResource, WarehouseResource
from pipelines.definitions import defs
from pipelines.sensors import new_year_folders
from tests import district as d
from tests.helpers import instance_with_years, run_year, write_year


class Ticks:
    """Evaluate the sensor as the daemon does: the cursor carried over, partitions added."""

    def __init__(self, root, warehouse):
        self.instance = instance_with_years()
        self.resources = {
            "inputs": InputsResource(root=str(root)),
            "warehouse": WarehouseResource(path=str(warehouse)),
        }
        self.cursor = None

    def __call__(self) -> dg.SensorResult | dg.SkipReason:
        context = dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, resources=self.resources
        )
        result = new_year_folders(context)
        if isinstance(result, dg.SensorResult):
            self.cursor = result.cursor
            for request in result.dynamic_partitions_requests:
                add_years(self.instance, map(int, request.partition_keys))
        return result

    def partitions(self) -> list[str]:
        return self.instance.get_dynamic_partitions("school_years")


def _requests(result) -> list[dg.RunRequest]:
    return list(result.run_requests or []) if isinstance(result, dg.SensorResult) else []


def _skipped(result) -> str:
    reason = result.skip_reason if isinstance(result, dg.SensorResult) else result
    return reason.skip_message


def test_the_sensor_is_in_the_code_location_and_stopped_by_default():
    sensor = defs.resolve_sensor_def("new_year_folders")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert sensor.job_name == "warehouse_job"


def test_a_folder_that_appears_settles_stays_and_changes(tmp_path):
    root, warehouse = tmp_path / "in", tmp_path / "w.duckdb"
    root.mkdir()
    tick = Ticks(root, warehouse)
    assert not _requests(tick()) and tick.partitions() == []

    # Appears: the year is a partition at once, but nothing runs until the files settle.
    folder = write_year(root, 2024, d.district()).rename(root / "2024-2025学年")
    first = tick()
    assert tick.partitions() == ["2024"]
    assert not _requests(first) and "waiting until its files stay unchanged" in _skipped(first)

    # Settled (unchanged since the last tick): one run of that year, keyed by content.
    (request,) = _requests(tick())
    assert request.partition_key == "2024"
    year, published, content = request.run_key.split(":")
    assert (year, published) == ("2024", "none")

    # Launched already: the same folder does not launch again.
    assert not _requests(tick())
    # The run publishes; a fresh sensor (cursor lost) sees the warehouse holds this content.
    assert run_year(root, warehouse, 2024, tick.instance).success
    tick.cursor = None
    assert not _requests(tick()) and not _requests(tick())

    # Touched but not changed: it waits one tick, then finds the same content.
    teachers = folder / "teachers.csv"
    os.utime(teachers, ns=(teachers.stat().st_atime_ns, teachers.stat().st_mtime_ns + 10**9))
    assert not _requests(tick())
    assert not _requests(tick())

    # Changed: it waits for the change to settle, then runs it, keyed by old and new content.
    with teachers.open("a", encoding="utf-8") as handle:
        handle.write("T9999999,1101010001,小学,本科,二级,无,语文,是,400,否,否\n")
    assert not _requests(tick())
    (changed,) = _requests(tick())
    assert changed.run_key.split(":") == ["2024", content, changed.run_key.split(":")[2]]
    assert changed.run_key.split(":")[2] != content


def test_it_waits_for_required_files_and_files_still_open(tmp_path):
    root = tmp_path / "in"
    files = d.district()
    write_year(root, 2025, {"schools": files["schools"], "enrollment": files["enrollment"]})
    tick = Ticks(root, tmp_path / "w.duckdb")
    tick()
    waiting = tick()
    assert not _requests(waiting)
    assert "waiting for teachers (专任教师), facilities (办学条件)" in _skipped(waiting)

    write_year(root, 2025, files)
    (root / "2025" / "~$teachers.xlsx").write_bytes(b"lock")  # open in Excel
    tick()
    open_file = tick()
    assert not _requests(open_file) and "~$teachers.xlsx still open" in _skipped(open_file)

    (root / "2025" / "~$teachers.xlsx").unlink()
    tick()
    assert [r.partition_key for r in _requests(tick())] == ["2025"]


def test_a_folder_it_cannot_read_as_a_year_is_named_not_skipped(tmp_path):
    root = tmp_path / "in"
    write_year(root, 2024, d.district())
    shutil.copytree(root / "2024", root / "2024年")  # the same year twice
    shutil.copytree(root / "2024", root / "2023年秋季补录")
    tick = Ticks(root, tmp_path / "w.duckdb")
    result = tick()
    tick()
    assert tick.partitions() == []
    assert "'2024' and '2024年' are both school year 2024" in _skipped(result)
    assert "'2023年秋季补录' is not a school year folder name" in _skipped(result)
    assert not _requests(tick())
