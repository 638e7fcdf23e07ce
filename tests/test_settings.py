"""Disputed settings are data: a province overrides them, and results record what was used."""

import pytest

from schemas.reference_data import BUNDLED_DIR
from tests import district as d
from tests.helpers import query, run_year, write_year


@pytest.fixture
def outdoor_only(tmp_path, monkeypatch):
    override = tmp_path / "province"
    override.mkdir()
    text = (BUNDLED_DIR / "settings.csv").read_text(encoding="utf-8")
    text = text.replace("indoor_sports_area,move_to_sports,", "indoor_sports_area,outdoor_only,")
    (override / "settings.csv").write_text(text, encoding="utf-8")
    monkeypatch.setenv("JUNHENG_REFERENCE_DIR", str(override))


def test_indoor_sports_area_outdoor_only_setting(tmp_path, outdoor_only):
    # P1 under outdoor_only: teaching 2200/400 = 5.5 (indoor 200 stays in);
    # sports 2800/400 = 7.0 (outdoor only) < 7.5 → 93.3 %: P1 becomes "complies".
    write_year(tmp_path / "in", 2024, d.district())
    assert run_year(tmp_path / "in", tmp_path / "w.duckdb", 2024).success
    rows = query(
        tmp_path / "w.duckdb",
        "SELECT teaching_area_per_student, "
        "sports_area_per_student FROM indicators.school_sections WHERE school_id = ?",
        [d.P1],
    )
    assert rows == [(5.5, 7.0)]
    assert query(
        tmp_path / "w.duckdb",
        "SELECT status FROM marts.school_compliance WHERE school_id = ?",
        [d.P1],
    ) == [("complies",)]
    # The setting used is stored with the year's results.
    assert query(
        tmp_path / "w.duckdb",
        "SELECT value FROM reference.settings WHERE year = 2024 AND setting = 'indoor_sports_area'",
    ) == [("outdoor_only",)]


def _override(tmp_path, monkeypatch, old, new):
    override = tmp_path / "province"
    override.mkdir(exist_ok=True)
    text = (BUNDLED_DIR / "settings.csv").read_text(encoding="utf-8")
    assert old in text
    (override / "settings.csv").write_text(text.replace(old, new), encoding="utf-8")
    monkeypatch.setenv("JUNHENG_REFERENCE_DIR", str(override))


def test_retention_formula_setting(tmp_path, monkeypatch):
    from tests import guarantee_district as g

    _override(
        tmp_path, monkeypatch, "retention_formula,cohort,", "retention_formula,graduates_adjusted,"
    )
    files = g.district()
    # The failing county at the boundary of this formula: no deaths, 955 graduates.
    for row in files["county"]:
        if row["county_code"] == g.FAIL and row["item"] in ("junior_deaths", "junior_graduates"):
            row["value"] = {"junior_deaths": 0, "junior_graduates": 955}[row["item"]]
    write_year(tmp_path / "in", 2024, files)
    assert run_year(tmp_path / "in", tmp_path / "w.duckdb", 2024).success
    # (graduates − in + out) / (entrants − deaths) = (950 − 30 + 25) / (1000 − 1) = 945 / 999
    # = 94.59 % < 95 %: the same county that passes under the default formula fails.
    ((value, passed, detail),) = query(
        tmp_path / "w.duckdb",
        "SELECT value, passed, detail FROM "
        "marts.county_compliance WHERE county_code = ? AND item = "
        "'Q1'",
        [g.PASS],
    )
    assert value == pytest.approx(94500 / 999) and passed is False
    assert "(公式: graduates_adjusted)" in detail
    # (955 − 30 + 25) / (1000 − 0) = 950 / 1000 = 95.00 %, exactly the 95 %: met.
    assert query(
        tmp_path / "w.duckdb",
        "SELECT passed, detail FROM marts.county_compliance WHERE county_code = ? AND item = 'Q1'",
        [g.FAIL],
    ) == [(True, "(955 − 30 + 25) / (1000 − 0) = 95.00% ≥ 95% (公式: graduates_adjusted)")]


def test_rooms_under_12_classes_setting(tmp_path, monkeypatch):
    from tests import guarantee_district as g

    _override(tmp_path, monkeypatch, "rooms_under_12_classes,one,", "rooms_under_12_classes,none,")
    files = g.district()
    # Two more schools of the passing county: exactly 12 classes (540 // 45), and 6 classes
    # (300 // 45) without a single room row.
    for part in (
        g.compliant("1201010006", "小学", {"primary": 540}, g.PASS),
        g.compliant("1201010007", "小学", {"primary": 300}, g.PASS, rooms=0),
    ):
        for name, rows in part.items():
            files[name] += rows
    write_year(tmp_path / "in", 2024, files)
    assert run_year(tmp_path / "in", tmp_path / "w.duckdb", 2024).success
    # 1201020006 has 300 // 45 = 6 classes: under "none" it needs no room, so its 95 m² music
    # room no longer fails it; 1201020007 with 13 classes still needs ceil(13/12) = 2.
    rows = dict(
        query(
            tmp_path / "w.duckdb",
            "SELECT school_id, rooms_required FROM "
            "indicators.school_guarantee WHERE school_id IN ('1201020006', '1201020007')",
        )
    )
    assert rows == {"1201020006": 0, "1201020007": 2}
    # 12 classes are not "under 12": ceil(12 / 12) = 1 room of each kind. 6 classes need
    # none, so a school without rooms meets G3 with 0 ≥ 0.
    rows = query(
        tmp_path / "w.duckdb",
        "SELECT school_id, rooms_required, music_rooms_counted, art_rooms_counted, g3_met FROM "
        "indicators.school_guarantee WHERE school_id IN ('1201010006', '1201010007') "
        "ORDER BY school_id",
    )
    assert rows == [("1201010006", 1, 1, 1, True), ("1201010007", 0, 0, 0, True)]
