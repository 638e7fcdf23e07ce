"""The ``junheng`` command: summaries, exit codes, validate without writing."""

import shutil
import subprocess
import sys
from importlib.metadata import version

import pytest

from assets.year_folders import YearFolderError, year_of
from pipelines.cli import FILE_FAILED, OK, ROWS_REJECTED, USAGE, WAREHOUSE_BUSY, main
from tests import district as d
from tests.helpers import (
    cli_command,
    enrollment,
    facilities,
    query,
    school,
    snapshot_tables,
    start_paused,
    teachers,
    write_year,
)


def clean_year():
    return {
        "schools": [school("1101010001", "小学")],
        "enrollment": [enrollment("1101010001", "小学", 400)],
        "teachers": teachers("1101010001", "小学", 20, "本科", "县级", "体育"),
        "facilities": [facilities("1101010001", 2200, 200, 2800, 1_000_000, 10)],
    }


def test_run_prints_the_summary_and_exits_0(tmp_path, capsys):
    write_year(tmp_path / "in", 2024, clean_year())
    code = main(["run", "--input", str(tmp_path / "in"), "--warehouse", str(tmp_path / "w.duckdb")])
    out = capsys.readouterr().out
    assert code == OK
    assert "2024 110101 县110101: 参评学校(学部) 1 个, 不参评 0 个" in out
    assert (
        "学部达标情况: 七项指标均达标 1; 达到要求（6项达标、余项不低于85%） 0; 未达要求，需化解 0"
        in out
    )
    assert "差异系数超过上限: 无" in out and "被拒绝的数据行: 0" in out
    # No county file: the verdict in words, its code in brackets, items by name, not code
    assert "  结论: 数据不完整, 未作结论: 未判定项 规划布局合理；城乡四统一；" in out
    assert "[incomplete]" in out and "G1" not in out


def test_rejected_rows_exit_1_and_are_listed(tmp_path, capsys):
    write_year(tmp_path / "in", 2024, d.district())
    code = main(["run", "--input", str(tmp_path / "in"), "--warehouse", str(tmp_path / "w.duckdb")])
    out = capsys.readouterr().out
    assert code == ROWS_REJECTED
    assert "2024/teachers.csv: 1 行: code" in out
    assert "差异系数超过上限: 初中 每百名学生拥有县级及以上骨干教师数 0.500 > 0.45" in out


@pytest.mark.slow
def test_file_failure_exits_3_and_names_file_and_fix(tmp_path, capsys):
    write_year(tmp_path / "in", 2024, clean_year())
    write_year(tmp_path / "in", 2023, clean_year())
    assert (
        main(
            [
                "run",
                "--input",
                str(tmp_path / "in"),
                "--warehouse",
                str(tmp_path / "w.duckdb"),
                "--year",
                "2023",
            ]
        )
        == OK
    )
    (tmp_path / "in" / "2024" / "enrollment.csv").write_text("school_id,stage\n1,小学\n")
    code = main(["run", "--input", str(tmp_path / "in"), "--warehouse", str(tmp_path / "w.duckdb")])
    captured = capsys.readouterr()
    assert code == FILE_FAILED
    assert "2024: FAILED" in captured.err and "enrollment.csv" in captured.err
    assert "missing required column(s): students (在校生数)" in captured.err
    # 2023 ran again in the same command and is there; 2024 was never written.
    assert query(tmp_path / "w.duckdb", "SELECT DISTINCT year FROM staging.schools") == [(2023,)]


def test_validate_prints_every_problem_and_writes_nothing(tmp_path, capsys):
    write_year(tmp_path / "in", 2024, d.district())
    code = main(["validate", "--input", str(tmp_path / "in")])
    out = capsys.readouterr().out
    assert code == ROWS_REJECTED
    assert "2024/teachers.csv row " in out and "[code] '暂缺' is not a known education" in out
    assert not list(tmp_path.rglob("*.duckdb"))


def test_installed_console_script(tmp_path):
    write_year(tmp_path / "in", 2024, clean_year())
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "run",
            "--input",
            str(tmp_path / "in"),
            "--warehouse",
            str(tmp_path / "w.duckdb"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "参评学校(学部)" in result.stdout


@pytest.mark.parametrize("argv", [["run", "--year", "nineteen"], ["frobnicate"]])
def test_usage_errors_exit_2(argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2


HOLD = (
    "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only={ro}); "
    "print('ready', flush=True); time.sleep(60)"
)


def _hold(path, read_only):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD.format(ro=read_only), str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "ready"
    return holder


def test_a_writer_holding_the_file_stops_the_run_with_its_pid(tmp_path, capsys):
    write_year(tmp_path / "in", 2024, clean_year())
    args = ["run", "--input", str(tmp_path / "in"), "--warehouse", str(tmp_path / "w.duckdb")]
    assert main(args) == OK
    holder = _hold(tmp_path / "w.duckdb", read_only=False)
    try:
        code = main(args)
    finally:
        holder.kill()
    err = capsys.readouterr().err
    assert code == WAREHOUSE_BUSY
    assert f"(PID {holder.pid})" in err and "Close that DuckDB CLI" in err


def test_a_reader_holding_the_file_does_not_block_the_run(tmp_path):
    write_year(tmp_path / "in", 2024, clean_year())
    args = ["run", "--input", str(tmp_path / "in"), "--warehouse", str(tmp_path / "w.duckdb")]
    assert main(args) == OK
    holder = _hold(tmp_path / "w.duckdb", read_only=True)
    try:
        assert main(args) == OK
    finally:
        holder.kill()


@pytest.mark.slow
def test_two_runs_at_once_never_corrupt_the_warehouse(tmp_path):
    write_year(tmp_path / "in", 2024, d.district())
    warehouse = tmp_path / "w.duckdb"
    command = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "run",
        "--input",
        str(tmp_path / "in"),
        "--warehouse",
        str(warehouse),
    ]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outcomes = [(run.wait(timeout=300), run.stderr.read()) for run in runs]
    codes = sorted(code for code, _ in outcomes)
    # Either both ran one after the other (1 = rows rejected, by design of the district), or
    # the second stopped at once naming the first; never anything else.
    assert codes in ([ROWS_REJECTED, ROWS_REJECTED], [ROWS_REJECTED, WAREHOUSE_BUSY]), outcomes
    if WAREHOUSE_BUSY in codes:
        busy = next(err for code, err in outcomes if code == WAREHOUSE_BUSY)
        assert "another junheng run (PID" in busy
    single = tmp_path / "single.duckdb"
    assert (
        main(["run", "--input", str(tmp_path / "in"), "--warehouse", str(single)]) == ROWS_REJECTED
    )
    assert snapshot_tables(warehouse) == snapshot_tables(single)


def test_a_run_stopped_right_after_taking_the_lock_is_named_by_its_pid(tmp_path):
    # The first run holds the lock but has not yet written its PID into the lock file (the
    # window that made the test above flaky): the second must still name it, not "unknown".
    write_year(tmp_path / "in", 2024, clean_year())
    command = cli_command(tmp_path / "in", tmp_path / "w.duckdb")
    first, pid = start_paused(command, "lock_taken", tmp_path / "paused")
    try:
        assert (tmp_path / "w.duckdb.lock").read_text() == ""  # really inside the window
        second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    finally:
        first.kill()
        first.wait(timeout=60)
    assert second.returncode == WAREHOUSE_BUSY, second.stderr
    assert f"another junheng run (PID {pid}) is writing" in second.stderr


def test_a_warehouse_named_like_a_schema_is_refused(tmp_path, capsys):
    # DuckDB names the catalog after the file: marts.duckdb would make "marts.x" ambiguous.
    write_year(tmp_path / "in", 2024, clean_year())
    warehouse = str(tmp_path / "marts.duckdb")
    code = main(["run", "--input", str(tmp_path / "in"), "--warehouse", warehouse])
    assert code == FILE_FAILED
    assert "named like one of its schemas" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name, year",
    [
        ("2024", 2024),
        ("2024年", 2024),
        ("2024学年", 2024),
        ("2024年度", 2024),
        ("2024-2025学年", 2024),
        ("2024—2025学年", 2024),
        ("２０２４－２０２５学年", 2024),
        ("2024-25学年", 2024),
        ("2024 学年", 2024),
        ("说明材料", None),
        ("archive", None),
    ],
)
def test_year_folder_names_as_districts_write_them(name, year):
    assert year_of(name) == year


@pytest.mark.parametrize(
    "name, problem",
    [
        ("2024-2026学年", "spans 2024-2026"),
        ("2025-2024学年", "spans 2025-2024"),
        ("2024年秋季学期", "is not a school year folder name"),
        ("备份2024", "is not a school year folder name"),
        ("1024年", "1024 is not a plausible school year"),
    ],
)
def test_year_folder_names_that_are_refused(name, problem):
    with pytest.raises(YearFolderError, match=problem):
        year_of(name)


def test_a_folder_named_2024学年_is_read_as_2024(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_year(tmp_path / "in", 2024, clean_year()).rename(tmp_path / "in" / "2024学年")
    (tmp_path / "in" / "说明").mkdir()
    assert main(["validate", "--input", "in"]) == OK
    captured = capsys.readouterr()
    assert "2024: in/2024学年/schools.csv: 1 rows read, 0 rejected (utf-8)" in captured.out
    assert "junheng: note: in/说明: no school year in its name; ignored" in captured.err


def test_a_folder_that_cannot_be_read_as_a_year_stops_with_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_year(tmp_path / "in", 2024, clean_year())
    shutil.copytree(tmp_path / "in" / "2024", tmp_path / "in" / "2023年秋季补录")
    code = main(["run", "--input", "in", "--warehouse", "w.duckdb"])
    err = capsys.readouterr().err
    assert code == USAGE
    assert "junheng: in/2023年秋季补录: '2023年秋季补录' is not a school year folder name" in err
    assert "name it 2024, 2024年, 2024学年 or 2024-2025学年" in err
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "--input", "nowhere"], "input folder nowhere does not exist"),
        (["validate", "--input", "nowhere"], "input folder nowhere does not exist"),
        (["run", "--input", "in", "--year", "2030"], "no folder for school year 2030 under in"),
    ],
)
def test_missing_folders_are_usage_errors(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    write_year(tmp_path / "in", 2024, clean_year())
    assert main(argv) == USAGE
    assert f"junheng: {message}" in capsys.readouterr().err


def test_paths_are_printed_the_same_way_everywhere(tmp_path, monkeypatch, capsys):
    # Relative to the current folder when inside it: the summary, the failure and the warehouse.
    monkeypatch.chdir(tmp_path)
    write_year(tmp_path / "in", 2023, d.district())
    write_year(tmp_path / "in", 2024, clean_year())
    (tmp_path / "in" / "2024" / "enrollment.csv").write_text("school_id,stage\n1,小学\n")
    code = main(["run", "--input", "in", "--warehouse", str(tmp_path / "out" / "w.duckdb")])
    captured = capsys.readouterr()
    assert code == FILE_FAILED
    assert "    in/2023/teachers.csv: 1 行: code" in captured.out
    assert "warehouse: out/w.duckdb" in captured.out
    assert "2024: FAILED, nothing of 2024 was changed in out/w.duckdb" in captured.err
    assert "build_year: in/2024/enrollment.csv: missing required column(s)" in captured.err
    assert str(tmp_path) not in captured.out + captured.err


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"junheng {version('junheng')}\n"
    for argv in (["--help"], ["run", "--help"], ["validate", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        text = capsys.readouterr().out
        assert "``" not in text and "%(" not in text
    assert "exit codes" in _help(["--help"]).lower()
    assert "2024-2025学年" in _help(["run", "--help"])


def _help(argv) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *argv], capture_output=True, text=True
    )
    return result.stdout
