"""DOMAIN.md §2–§5 on hand-worked counties: every item, its boundary and its exception."""

import pytest

from tests import guarantee_district as g
from tests.helpers import query, query_dicts, run_year, write_year

YEAR = 2024


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    write_year(root, YEAR, g.district())
    path = tmp_path_factory.mktemp("wh") / "w.duckdb"
    assert run_year(root, path, YEAR).success
    return path


def item(warehouse, county, code):
    rows = query_dicts(
        warehouse,
        "SELECT * FROM marts.county_compliance WHERE year = ? AND county_code = ? AND item = ?",
        [YEAR, county, code],
    )
    assert len(rows) == 1, (county, code)
    return rows[0]


def school(warehouse, school_id):
    return query_dicts(
        warehouse,
        "SELECT * FROM indicators.school_guarantee WHERE year = ? AND school_id = ?",
        [YEAR, school_id],
    )[0]


def test_every_item_has_a_row_per_county(warehouse):
    codes = [
        tuple(r)
        for r in query(
            warehouse,
            "SELECT item, sort_order FROM marts.county_compliance WHERE county_code = ? "
            "ORDER BY sort_order",
            [g.PASS],
        )
    ]
    # sort_order (README) numbers the parts in tens, so a province can slot items in:
    # resources 1–3, guarantee 11–25, quality 31–39, recognition 41, vetoes 51–56.
    assert codes == (
        [("school_compliance", 1), ("cv_primary", 2), ("cv_junior", 3)]
        + [(f"G{i}", 10 + i) for i in range(1, 16)]
        + [(f"Q{i}", 30 + i) for i in range(1, 10)]
        + [("recognition", 41)]
        + [(veto, 51 + n) for n, veto in enumerate(g.VETOES)]
    )


def test_county_at_every_threshold_is_recognised(warehouse):
    failed = query(
        warehouse,
        "SELECT item, detail FROM marts.county_compliance WHERE "
        "county_code = ? AND passed IS DISTINCT FROM TRUE",
        [g.PASS],
    )
    assert failed == []
    verdict = query_dicts(
        warehouse, "SELECT * FROM marts.county_verdict WHERE county_code = ?", [g.PASS]
    )[0]
    assert (verdict["verdict"], verdict["items"], verdict["items_passed"]) == ("recognised", 34, 34)
    assert verdict["summary"] == "达标: 34 项全部达标"


def test_g3_rooms_per_12_classes_and_area_floors(warehouse):
    # 2000 primary students in 44 classes (2000 // 45) → ceil(44/12) = 4 rooms of each kind,
    # at exactly 96 / 90 m².
    assert (
        school(warehouse, "1201010001")["rooms_required"],
        school(warehouse, "1201010001")["g3_met"],
    ) == (4, True)
    # Built 2008 (≤ 2016): 73 / 67 m² rooms count.
    row = school(warehouse, "1201010002")
    assert (row["music_floor_m2"], row["art_floor_m2"], row["g3_met"]) == (73.0, 67.0, True)
    # Built 2016: 73 m² counts; built 2017: 95 m² < 96 does not; 13 classes need 2 rooms.
    assert school(warehouse, "1201020005")["g3_met"] is True
    row = school(warehouse, "1201020006")
    assert (row["music_rooms"], row["music_rooms_counted"], row["g3_met"]) == (1, 0, False)
    row = school(warehouse, "1201020007")
    assert (row["rooms_required"], row["music_rooms_counted"], row["g3_met"]) == (2, 1, False)
    g3 = item(warehouse, g.FAIL, "G3")
    assert g3["passed"] is False and "(音乐 0/1, 美术 1/1)" in g3["detail"]


def test_g4_school_size_limits_and_exceptions(warehouse):
    # 2000 ≤ 2000 passes; 2001 > 2000 fails; 2400 built 2010 (≤ 2010) passes under 2400;
    # 2400 with 1201 / 2400 = 50.04 % migrants passes; nine-year 1500 + 1001 = 2501 > 2500 fails;
    # nine-year 1800 + 1200 = 3000 built 2008 passes under 3000.
    expected = {
        "1201010001": (2000, False, True),
        "1201020001": (2000, False, False),
        "1201020002": (2400, True, True),
        "1201020003": (2400, True, True),
        "1201020004": (2500, False, False),
        "1201010002": (3000, True, True),
    }
    for school_id, (limit, exception, met) in expected.items():
        row = school(warehouse, school_id)
        assert (row["size_limit"], row["size_exception"], row["g4_met"]) == (
            limit,
            exception,
            met,
        ), school_id
    detail = item(warehouse, g.FAIL, "G4")["detail"]
    assert "2001 > 2000" in detail and "2501 > 2500" in detail


def test_g5_class_size_share_of_standard_classes(warehouse):
    # 120102 primary: 1201020001 has 45 classes with 3 oversized; the others 2400//45 = 53,
    # 53, 1500//45 = 33, 300//45 = 6, 6, 13, 99//45 = 2, 40//45 → 1 → 45+53+53+33+6+6+13+2+1
    # = 212 classes, 209 standard = 98.6 %.
    g5 = item(warehouse, g.FAIL, "G5")
    assert g5["passed"] is False and "小学班级 212 个, 标准班额 209 个, 占比 98.6%" in g5["detail"]
    assert item(warehouse, g.PASS, "G5")["passed"] is True


def test_g6_small_schools_funded_as_100(warehouse):
    # 99 rural pupils, standard 800: 100 × 800 = 80 000 required; 80 000 passes, 79 999 fails.
    assert school(warehouse, "1201010003")["funds_required_yuan"] == 80_000.0
    g6 = item(warehouse, g.PASS, "G6")
    assert (g6["value"], g6["passed"]) == (100.0, True)  # 1 of 1 such school
    g6 = item(warehouse, g.FAIL, "G6")
    assert (g6["value"], g6["passed"]) == (0.0, False)  # 0 of 1
    assert g6["detail"] == (
        "不足100名学生的学校 1 所, 按100人核定 0 所; 未按100人核定: 学校008 79999.00 < 80000.00"
    )


def test_g7_special_school_6000_per_student(warehouse):
    # 360 000 / 60 = 6000.00 passes; 359 999.4 / 60 = 5999.99 fails.
    assert school(warehouse, "1201010004")["funds_per_student_yuan"] == 6000.0
    g7 = item(warehouse, g.PASS, "G7")
    assert (g7["value"], g7["passed"]) == (100.0, True)  # 1 of 1 special school
    # One special school: counted, not read as "none" (a county without one says 无特殊教育学校).
    assert g7["detail"] == "特殊教育学校 1 所, 生均公用经费不低于 6000 元 1 所 (学校004 6000.00 元)"
    g7 = item(warehouse, g.FAIL, "G7")
    assert (g7["value"], g7["passed"]) == (0.0, False)  # 0 of 1
    # To the fen: 5999.99 rounded to whole yuan would read as the 6000 it falls short of.
    assert g7["detail"] == (
        "特殊教育学校 1 所, 生均公用经费不低于 6000 元 0 所; 低于标准: 学校009 5999.99 元"
    )


def test_g8_salary_equal_passes_lower_fails(warehouse):
    detail = item(warehouse, g.PASS, "G8")["detail"]
    assert detail == "教师年平均工资 15.34 万元 ≥ 公务员 15.34 万元"
    assert item(warehouse, g.FAIL, "G8")["passed"] is False


def test_g9_g12_every_teacher(warehouse):
    # 120101: one teacher at exactly 360 hours → all pass; 120102: one at 359.5, one uncertified.
    assert item(warehouse, g.PASS, "G9")["passed"] is True
    g9, g12 = item(warehouse, g.FAIL, "G9"), item(warehouse, g.FAIL, "G12")
    assert g9["passed"] is False and g12["passed"] is False
    # 120102's sections have ceil(6 % of students) teachers: 121 + 144 + 144 + 90 + 61 + 18
    # + 18 + 36 + 6 + 3 + 2 = 643, one of whom (in the special school 学校009) has 359.5 h.
    assert g9["detail"] == "642 / 643 = 99.84% 的专任教师完成 360 学时; 未完成(人数): 学校009 1"
    assert g12["detail"] == (
        "专任教师 643 人, 持有教师资格证 642 人, 持证率 99.84%; 无证(人数): 学校009 1"
    )


def test_g11_rotation_10_and_20_percent(warehouse):
    # 10 / 100 = 10.00 % ≥ 10 %, backbone 2 / 10 = 20.00 % ≥ 20 % → passes;
    # 9 / 100 = 9.00 % < 10 %, backbone 1 / 9 = 11.11 % < 20 % → fails.
    g11 = item(warehouse, g.PASS, "G11")
    assert g11["passed"] is True
    assert g11["detail"] == "10 / 100 = 10.00% ≥ 10%; 骨干教师 2 / 10 = 20.00% ≥ 20%"
    assert item(warehouse, g.FAIL, "G11")["detail"] == (
        "9 / 100 = 9.00% < 10%; 骨干教师 1 / 9 = 11.11% < 20%"
    )


def test_county_figure_items_at_their_boundaries(warehouse):
    # G13 primary 100 %, junior 95 % pass; junior 94.9 % fails.
    assert item(warehouse, g.PASS, "G13")["passed"] and not item(warehouse, g.FAIL, "G13")["passed"]
    # G14 2000 / 4000 = 50.00 % passes (rural 1200 / 2000 = 60 %); 1999 / 4000 = 49.98 % fails.
    g14 = item(warehouse, g.PASS, "G14")
    assert g14["detail"] == "2000 / 4000 = 50.00% ≥ 50%; 分配到农村初中 1200 / 2000 = 60.00%"
    assert item(warehouse, g.FAIL, "G14")["passed"] is False
    # G15 1700 / 2000 = 85 % passes, 1699 / 2000 = 84.95 % fails.
    g15 = item(warehouse, g.PASS, "G15")
    assert (g15["value"], g15["passed"]) == (85.0, True)
    assert g15["detail"] == (
        "关爱体系: 是 (care_system 证明材料); 随迁子女 1700 / 2000 = 85.00% ≥ 85%"
    )
    assert item(warehouse, g.FAIL, "G15")["passed"] is False
    # Q1 950 / (1000 + 30 + 10 − 25 − 14 − 1) = 950 / 1000 = 95.00 % passes; 949 fails.
    q1 = item(warehouse, g.PASS, "Q1")
    assert q1["detail"] == (
        "950 / (1000 + 30 + 10 − 25 − 14 − 1) = 950 / 1000 = 95.00% ≥ 95% (公式: cohort)"
    )
    assert item(warehouse, g.FAIL, "Q1")["passed"] is False
    # Q2 190 / 200 = 95 % passes, 189 / 200 = 94.5 % fails.
    assert item(warehouse, g.PASS, "Q2")["passed"] and not item(warehouse, g.FAIL, "Q2")["passed"]
    assert item(warehouse, g.PASS, "Q2")["detail"] == "190 / 200 = 95.00% ≥ 95%"
    # Q9 difference rate 0.149 < 0.15 passes; 0.15 is not below 0.15.
    assert item(warehouse, g.PASS, "Q9")["passed"] and not item(warehouse, g.FAIL, "Q9")["passed"]
    assert item(warehouse, g.FAIL, "Q9")["detail"] == (
        "Ⅲ级以上: 是 (monitoring_level3 证明材料); 校际差异率 0.150 ≥ 0.15"
    )
    # Recognition 85 % passes; 84.99 % fails.
    assert item(warehouse, g.PASS, "recognition")["detail"] == "综合满意度 85.00% ≥ 85%"
    assert item(warehouse, g.FAIL, "recognition")["passed"] is False


def test_q4_training_funds_5_percent_per_school(warehouse):
    # 50 000 / 1 000 000 = 5.00 % passes; 49 900 / 1 000 000 = 4.99 % fails, named.
    assert item(warehouse, g.PASS, "Q4")["passed"] is True
    q4 = item(warehouse, g.FAIL, "Q4")
    assert q4["passed"] is False and "4.99%" in q4["detail"]


def test_yes_no_items_carry_the_note_and_vetoes_fail_on_yes(warehouse):
    assert item(warehouse, g.PASS, "G1")["detail"] == "是; layout_planned 证明材料"
    assert item(warehouse, g.PASS, "veto_key_schools")["passed"] is True
    assert item(warehouse, g.FAIL, "veto_key_schools")["passed"] is False


def test_failing_county_is_not_recognised_with_its_failed_items(warehouse):
    verdict = query_dicts(
        warehouse, "SELECT * FROM marts.county_verdict WHERE county_code = ?", [g.FAIL]
    )[0]
    assert verdict["verdict"] == "not_recognised"
    assert verdict["failed_items"].split(", ") == [
        "G3",
        "G4",
        "G5",
        "G6",
        "G7",
        "G8",
        "G9",
        "G11",
        "G12",
        "G13",
        "G14",
        "G15",
        "Q1",
        "Q2",
        "Q4",
        "Q9",
        "recognition",
        "veto_key_schools",
    ]
    assert verdict["incomplete_items"] is None
    # The summary names the same items in words (county_compliance.item_name), set off by ；
    assert verdict["summary"] == (
        "未达标: 16 / 34 项达标; 未达标项: 音乐美术专用教室；学校规模；班额；"
        "不足100名学生学校按100人核定公用经费；特殊教育学校生均公用经费不低于6000元；"
        "教师平均工资不低于公务员；教师5年360学时培训完成率100%；教师交流轮岗；"
        "专任教师持证上岗率100%；城区和镇区公办小学、初中就近划片入学比例；"
        "优质高中招生名额分配比例；留守儿童关爱体系与随迁子女公办就读比例；初中三年巩固率；"
        "残疾儿童少年入学率；教师培训经费不低于公用经费预算5%；国家义务教育质量监测；社会认可度；"
        "重点学校或重点班"
    )


def test_county_without_items_is_incomplete_not_judged(warehouse):
    verdict = query_dicts(
        warehouse, "SELECT * FROM marts.county_verdict WHERE county_code = ?", [g.NO_ITEMS]
    )[0]
    assert verdict["verdict"] == "incomplete"
    assert "G1" in verdict["incomplete_items"] and "recognition" in verdict["incomplete_items"]
    assert verdict["summary"].startswith(
        "数据不完整, 未作结论: 未判定项 规划布局合理；城乡四统一；"
    )
    assert item(warehouse, g.NO_ITEMS, "G8")["detail"].startswith("missing or rejected")


def test_a_rejected_room_row_withholds_g3_but_not_the_sections(tmp_path):
    # Rooms do not enter the seven indicators: the school's sections stay complete and judged,
    # while G3, computed from the rooms, is not judged in that county.
    files = g.district()
    files["rooms"][0]["area_m2"] = "暂缺"
    write_year(tmp_path / "in", YEAR, files)
    path = tmp_path / "w.duckdb"
    assert run_year(tmp_path / "in", path, YEAR).success
    school_id = files["rooms"][0]["school_id"]
    assert query(
        path,
        "SELECT DISTINCT data_complete FROM indicators.school_sections WHERE school_id = ?",
        [school_id],
    ) == [(True,)]
    g3 = item(path, g.PASS, "G3")
    assert g3["passed"] is None and "rejected rows" in g3["detail"]
    assert query(
        path, "SELECT verdict FROM marts.county_verdict WHERE county_code = ?", [g.PASS]
    ) == [("incomplete",)]
