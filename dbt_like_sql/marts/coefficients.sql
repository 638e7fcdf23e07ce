-- 校际差异系数 | One row per county, stage and resource indicator: the student-weighted, population-form coefficient of variation over evaluated sections and whether it is within its limit
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- county_name: 区县名称 | county name
-- stage: 学段 | primary or junior
-- indicator: 指标代码 | indicator code of DOMAIN.md §1
-- indicator_name: 指标名称 | indicator name in Chinese
-- sections: 参评学校数 | evaluated sections
-- students: 学生数 | students of the evaluated sections (N)
-- county_value: 县域均值 | X̄ = Σ nᵢ·xᵢ / N, the county's pooled ratio
-- std_dev: 标准差 | S = sqrt(Σ (nᵢ/N)·(xᵢ − X̄)²)
-- cv: 差异系数 | CV = S / X̄ (NULL when X̄ = 0)
-- cv_limit: 差异系数上限 | 0.50 primary, 0.45 junior
-- passed: 是否达标 | cv (rounded to comparison_decimals) ≤ cv_limit; NULL when the data is incomplete or the CV is undefined
-- incomplete_sections: 数据不完整学校数 | evaluated sections whose data is missing or rejected
-- rejected_school_rows: 被拒绝的学校名录行数 | rows of the schools file rejected for this county: schools that may be missing here
-- rejected_enrollment_rows: 被拒绝的在校生行数 | enrollment rows of this county's schools rejected for this stage (or with an unreadable stage): sections missing here
-- data_complete: 数据是否完整 | no incomplete section, no rejected school row and no rejected enrollment row
-- note: 说明 | why passed is NULL, if it is
WITH settings AS (
    SELECT
        year,
        any_value(value) FILTER (WHERE setting = 'comparison_decimals')::INTEGER AS decimals
    FROM reference.settings
    GROUP BY year
),

section_values AS (
    SELECT
        c.year,
        c.county_code,
        c.stage,
        c.indicator,
        c.indicator_name,
        c.value,
        s.students,
        s.data_complete
    FROM marts.school_indicator_compliance AS c
    INNER JOIN indicators.school_sections AS s
        ON s.year = c.year AND s.school_id = c.school_id AND s.stage = c.stage
),

weighted AS (
    SELECT
        *,
        sum(students * value) OVER county_stage
        / sum(students) FILTER (WHERE value IS NOT NULL) OVER county_stage AS county_value
    FROM section_values
    WINDOW county_stage AS (PARTITION BY year, county_code, stage, indicator)
),

stats AS (
    SELECT
        year,
        county_code,
        stage,
        indicator,
        any_value(indicator_name) AS indicator_name,
        count(*) AS sections,
        sum(students) AS students,
        any_value(county_value) AS county_value,
        sqrt(sum(students * (value - county_value) ^ 2) / sum(students) FILTER (WHERE value IS NOT NULL))
            AS std_dev,
        count(*) FILTER (WHERE value IS NULL OR NOT data_complete) AS incomplete_sections
    FROM weighted
    GROUP BY ALL
),

rejected_schools AS (
    SELECT year, county_code, count(*) AS rejected_school_rows
    FROM (SELECT DISTINCT year, county_code, row_number FROM audit.rejected_rows
          WHERE file_kind = 'schools')
    GROUP BY ALL
),

-- Every spelling of a stage, as validation accepts it (code, Chinese label, aliases).
stage_spellings AS (
    SELECT year, code AS stage, lower(spelling) AS spelling
    FROM reference.code_labels,
        unnest([code, label_zh] || string_split(coalesce(aliases, ''), '|')) AS t (spelling)
    WHERE code_set = 'stage' AND spelling <> ''
),

-- A rejected enrollment row drops its section from the county: the CVs of its stage (of both
-- stages when the stage cell cannot be read) are not judged on the sections that are left.
dropped_sections AS (
    SELECT r.year, s.county_code, st.stage, count(DISTINCT r.row_number) AS rows
    FROM audit.rejected_rows AS r
    INNER JOIN staging.schools AS s ON s.year = r.year AND s.school_id = r.school_id
    LEFT JOIN stage_spellings AS sp
        ON sp.year = r.year
        AND sp.spelling = lower(trim(json_extract_string(r.raw_row, '$.stage')))
    CROSS JOIN (VALUES ('primary'), ('junior')) AS st (stage)
    WHERE r.file_kind = 'enrollment' AND (sp.stage IS NULL OR sp.stage = st.stage)
    GROUP BY ALL
),

counties AS (
    SELECT DISTINCT year, county_code, county_name FROM staging.schools
),

judged AS (
    SELECT
        s.*,
        s.std_dev / nullif(s.county_value, 0) AS cv,
        l.cv_limit::DOUBLE AS cv_limit,
        coalesce(r.rejected_school_rows, 0) AS rejected_school_rows,
        coalesce(d.rows, 0) AS rejected_enrollment_rows,
        s.incomplete_sections = 0 AND coalesce(r.rejected_school_rows, 0) = 0
            AND coalesce(d.rows, 0) = 0 AS data_complete,
        cfg.decimals
    FROM stats AS s
    INNER JOIN settings AS cfg ON cfg.year = s.year
    INNER JOIN reference.cv_limits AS l ON l.year = s.year AND l.stage = s.stage
    LEFT JOIN rejected_schools AS r ON r.year = s.year AND r.county_code = s.county_code
    LEFT JOIN dropped_sections AS d
        ON d.year = s.year AND d.county_code = s.county_code AND d.stage = s.stage
)

SELECT
    j.year,
    j.county_code,
    c.county_name,
    j.stage,
    j.indicator,
    j.indicator_name,
    j.sections,
    j.students,
    j.county_value,
    j.std_dev,
    j.cv,
    j.cv_limit,
    CASE
        WHEN j.data_complete AND j.cv IS NOT NULL
            THEN round(j.cv * pow(10, j.decimals)) / pow(10, j.decimals) <= j.cv_limit
    END AS passed,
    j.incomplete_sections,
    j.rejected_school_rows,
    j.rejected_enrollment_rows,
    j.data_complete,
    CASE
        WHEN NOT j.data_complete THEN 'data incomplete: ' || j.incomplete_sections
            || ' section(s) with missing or rejected inputs, ' || j.rejected_school_rows
            || ' rejected school row(s), ' || j.rejected_enrollment_rows
            || ' rejected enrollment row(s)'
        WHEN j.cv IS NULL THEN 'county value is 0: the CV is undefined'
    END AS note
FROM judged AS j
INNER JOIN counties AS c ON c.year = j.year AND c.county_code = j.county_code
ORDER BY j.year, j.county_code, j.stage, j.indicator
