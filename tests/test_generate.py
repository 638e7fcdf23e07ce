"""The scale-data generator: contract headers, determinism, plausible counts, counted bad rows."""

import csv
import math

import polars as pl
import pytest

from assets.pseudonym import pseudonymiser
from assets.validate_year import validate_year
from pipelines.generate import FILES, generate, main
from schemas.contract import INPUT_FILES
from schemas.county_items import item_kinds

# Rules the validator applies to rows that are fine themselves but depend on a rejected row:
# the teachers of a rejected enrollment section, a school whose only section was rejected.
CASCADE_RULES = {"stage_not_in_school", "no_enrollment"}


def read(year_dir, name) -> pl.DataFrame:
    return pl.read_csv(year_dir / f"{name}.csv", infer_schema=False)


def validated(year_dir, year=2024):
    return validate_year(year_dir, year, pseudonymiser("test-key"))


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean")
    return root, generate(root, "province", counties=2, bad_row_rate=0.0)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    root = tmp_path_factory.mktemp("dirty")
    return root, generate(root, "province", counties=2, seed=3, bad_row_rate=0.02)


def test_files_have_the_contract_headers(clean):
    root, result = clean
    for name in FILES:
        path = root / "2024" / f"{name}.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert header == [c.name for c in INPUT_FILES[name].columns], name
        assert result["rows"][name] == read(root / "2024", name).height > 0


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    runs = [generate(tmp_path / d, "province", counties=2, seed=s) for d, s in (("a", 5), ("b", 5))]
    assert runs[0]["rows"] == runs[1]["rows"]
    for name in FILES:
        a = (tmp_path / "a" / "2024" / f"{name}.csv").read_bytes()
        assert a == (tmp_path / "b" / "2024" / f"{name}.csv").read_bytes(), name
    generate(tmp_path / "c", "province", counties=2, seed=6)
    teachers = (tmp_path / "c" / "2024" / "teachers.csv").read_bytes()
    assert teachers != (tmp_path / "a" / "2024" / "teachers.csv").read_bytes()


def test_district_counts_are_plausible(tmp_path):
    result = generate(tmp_path, "district", year=2023, bad_row_rate=0.0)
    year_dir = tmp_path / "2023"
    assert 100 <= result["rows"]["schools"] <= 120
    students = result["students"]["primary"] + result["students"]["junior"]
    teachers = result["teachers"]["primary"] + result["teachers"]["junior"]
    assert 120_000 <= students <= 170_000
    assert 8_000 <= teachers <= 11_500
    assert 5.5 <= result["teachers"]["primary"] * 100 / result["students"]["primary"] <= 6.7

    schools = read(year_dir, "schools")
    assert schools["school_id"].str.contains(r"^\d{10}$").all()
    assert schools["school_id"].is_unique().all()
    assert schools["county_code"].str.contains(r"^\d{6}$").all()
    types = schools["school_type"].value_counts()
    counts = dict(zip(types["school_type"], types["count"], strict=True))
    assert counts["special"] == 1 and counts["primary"] > counts["junior"] > 0
    assert schools["built_year"].cast(pl.Int64).is_between(1950, 2023).all()

    enrollment = read(year_dir, "enrollment").with_columns(
        pl.col("students", "classes", "oversized_classes", "migrant_students").cast(pl.Int64)
    )
    assert enrollment["students"].is_between(8, 3000).all()
    assert (enrollment["oversized_classes"] <= enrollment["classes"]).all()
    assert enrollment["oversized_classes"].sum() > 0

    teacher_ids = read(year_dir, "teachers")["teacher_id"]
    assert teacher_ids.is_unique().all()
    assert teacher_ids.str.len_chars().is_in([14, 18]).all()
    assert 0.4 < (teacher_ids.str.len_chars() == 18).mean() < 0.8

    rooms = read(year_dir, "rooms").group_by("school_id", "room_type").len()
    classes = enrollment.group_by("school_id").agg(pl.col("classes").sum())
    expected = {
        sid: math.ceil(c / 12)
        for sid, c in zip(classes["school_id"], classes["classes"], strict=True)
    }
    assert rooms.height == 2 * schools.height
    assert all(n == expected[s] for s, n in zip(rooms["school_id"], rooms["len"], strict=True))

    county = read(year_dir, "county")
    assert set(county["item"]) == set(item_kinds()) and county.height == len(item_kinds())
    assert read(year_dir, "finance").height == read(year_dir, "facilities").height == len(schools)


def test_clean_data_passes_the_validator(clean):
    root, result = clean
    assert sum(result["bad_rows"].values()) == 0
    checked = validated(root / "2024")
    assert checked.rejected.height == 0
    assert checked.accepted["teachers"].height == result["rows"]["teachers"]


def test_every_bad_row_is_counted_and_rejected(dirty):
    root, result = dirty
    bad = result["bad_rows"]
    assert bad["schools"] == 0
    assert bad["teachers"] > 0 and bad["rooms"] > 0
    rejected = validated(root / "2024").rejected
    own = rejected.filter(~pl.col("rule").is_in(CASCADE_RULES))
    per_file = dict(own.group_by("file_kind").agg(pl.col("row_number").n_unique()).iter_rows())
    assert {name: per_file.get(name, 0) for name in FILES} == bad


def test_bad_rows_are_found_without_the_validator(dirty):
    """An independent look: cells that are not numbers, negative, or not a known code."""
    root, result = dirty
    year_dir = root / "2024"

    def number(column):
        return pl.col(column).cast(pl.Float64, strict=False)

    rooms = read(year_dir, "rooms").filter(
        ~pl.col("room_type").is_in(["music", "art"])
        | number("area_m2").is_null()
        | (number("area_m2") < 0)
    )
    assert rooms.height == result["bad_rows"]["rooms"]
    money = [c.name for c in INPUT_FILES["finance"].columns[1:]]
    finance = read(year_dir, "finance").filter(
        pl.any_horizontal(number(c).is_null() | (number(c) < 0) for c in money)
    )
    assert finance.height == result["bad_rows"]["finance"]
    county = read(year_dir, "county").filter(
        (pl.col("value") == "暂缺") | ~pl.col("item").is_in(list(item_kinds()))
    )
    assert county.height == result["bad_rows"]["county"]


def test_main_prints_the_counts(tmp_path, capsys):
    assert main(["--scale", "province", "--counties", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "teachers" in out and "bad rows" in out
    assert (tmp_path / "2024" / "teachers.csv").is_file()
    assert main(["--scale", "district", "--counties", "0", "--out", str(tmp_path)]) == 2
