"""The peer: the one DuckDB script an analyst would write instead of junheng.

    .venv/bin/python bench/peer_duckdb.py YEAR_DIR WAREHOUSE

It reads the generated CSVs typed (English headers and codes, as bench/run.py generates them),
stores them with hashed teacher ids, computes the seven indicators of every compulsory section
with the integrated schools' facilities split (DOMAIN.md §1) and the student-weighted CVs per
county, stage and indicator. No validation, no audit, no scenarios: the yardstick bench/run.py
divides junheng's time by, at each scale, in the same run.
"""

import sys
import time

import duckdb

KEY = "benchmark-key-0123456789abcdef"

SCRIPT = """
CREATE TABLE schools AS SELECT * FROM read_csv($dir || '/schools.csv', types = {
    'county_code': 'VARCHAR', 'school_id': 'VARCHAR', 'built_year': 'INTEGER'});
CREATE TABLE enrollment AS SELECT * FROM read_csv($dir || '/enrollment.csv', types = {
    'school_id': 'VARCHAR', 'students': 'BIGINT', 'classes': 'BIGINT',
    'oversized_classes': 'BIGINT', 'migrant_students': 'BIGINT'}, ignore_errors = true);
CREATE TABLE facilities AS SELECT * FROM read_csv($dir || '/facilities.csv', types = {
    'school_id': 'VARCHAR', 'teaching_aux_area_m2': 'DOUBLE', 'indoor_sports_area_m2': 'DOUBLE',
    'sports_field_area_m2': 'DOUBLE', 'equipment_value_yuan': 'DOUBLE',
    'multimedia_classrooms': 'BIGINT'}, ignore_errors = true);
CREATE TABLE teachers AS
SELECT * REPLACE (left(sha256($key || chr(31) || teacher_id), 20) AS teacher_id)
FROM read_csv($dir || '/teachers.csv', types = {
    'teacher_id': 'VARCHAR', 'school_id': 'VARCHAR', 'training_hours_5y': 'DOUBLE',
    'certified': 'BOOLEAN', 'rotation_eligible': 'BOOLEAN', 'rotated': 'BOOLEAN'},
    ignore_errors = true);

CREATE TABLE sections AS
WITH students AS (
    SELECT school_id,
        sum(students) FILTER (stage = 'primary') AS a,
        sum(students) FILTER (stage = 'junior') AS b,
        sum(students) FILTER (stage = 'senior') AS c
    FROM enrollment GROUP BY school_id
),
shares AS (
    SELECT s.county_code, s.school_id, s.school_type, e.stage, e.students,
        CASE
            WHEN s.school_type = 'nine_year' THEN
                CASE e.stage WHEN 'primary' THEN a / (a + 1.1 * b) ELSE 1.1 * b / (a + 1.1 * b) END
            WHEN s.school_type = 'complete_middle' THEN b / (b + 1.2 * coalesce(c, 0))
            WHEN s.school_type = 'twelve_year' THEN
                CASE e.stage
                    WHEN 'primary' THEN a / (a + 1.1 * b + 1.32 * coalesce(c, 0))
                    ELSE 1.1 * b / (a + 1.1 * b + 1.32 * coalesce(c, 0)) END
            ELSE 1.0
        END AS share
    FROM schools s
    JOIN enrollment e USING (school_id)
    JOIN students t USING (school_id)
    WHERE e.stage IN ('primary', 'junior') AND e.students > 0
      AND s.school_type NOT IN ('special', 'vocational', 'senior')
      AND NOT (s.school_type = 'teaching_point' AND e.students < 50)
),
teacher_counts AS (
    SELECT school_id, stage,
        count(*) FILTER (stage = 'primary' AND education IN
            ('associate', 'bachelor', 'master', 'doctorate')
            OR stage = 'junior' AND education IN ('bachelor', 'master', 'doctorate')) AS qualified,
        count(*) FILTER (backbone_level IN ('county', 'city', 'province', 'national')) AS backbone,
        count(*) FILTER (subject IN
            ('PE', '体育', '体育与健康', 'music', '音乐', 'fine art', '美术', 'arts', '艺术'))
            AS pe_art
    FROM teachers GROUP BY ALL
)
SELECT sh.county_code, sh.school_id, sh.stage, sh.students,
    100.0 * coalesce(t.qualified, 0) / sh.students AS qualified_teachers_per100,
    100.0 * coalesce(t.backbone, 0) / sh.students AS backbone_teachers_per100,
    100.0 * coalesce(t.pe_art, 0) / sh.students AS pe_art_teachers_per100,
    (f.teaching_aux_area_m2 - f.indoor_sports_area_m2) * sh.share / sh.students
        AS teaching_area_per_student,
    (f.sports_field_area_m2 + f.indoor_sports_area_m2) * sh.share / sh.students
        AS sports_area_per_student,
    f.equipment_value_yuan * sh.share / sh.students AS equipment_value_per_student,
    100.0 * f.multimedia_classrooms * sh.share / sh.students AS multimedia_rooms_per100
FROM shares sh
LEFT JOIN teacher_counts t USING (school_id, stage)
LEFT JOIN facilities f USING (school_id);

CREATE TABLE coefficients AS
WITH long AS (
    UNPIVOT sections ON COLUMNS('_per') INTO NAME indicator VALUE x
),
pooled AS (
    SELECT county_code, stage, indicator, students, x,
        sum(students * x) OVER w / sum(students) OVER w AS mean,
        students / sum(students) OVER w AS weight
    FROM long
    WINDOW w AS (PARTITION BY county_code, stage, indicator)
)
SELECT county_code, stage, indicator, count(*) AS sections, any_value(mean) AS mean,
    sqrt(sum(weight * (x - mean) ^ 2)) / any_value(mean) AS cv
FROM pooled GROUP BY ALL;
"""


def main(year_dir: str, warehouse: str) -> None:
    started = time.perf_counter()
    con = duckdb.connect(warehouse)
    # One statement at a time: the parameters bind per statement.
    for statement in filter(str.strip, SCRIPT.split(";\n")):
        values = {"dir": year_dir, "key": KEY}
        con.execute(statement, {k: v for k, v in values.items() if f"${k}" in statement})
    sections, cvs = con.execute(
        "SELECT (SELECT count(*) FROM sections), (SELECT count(*) FROM coefficients)"
    ).fetchall()[0]
    con.close()
    print(f"{sections} sections, {cvs} CVs in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
