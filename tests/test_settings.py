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
