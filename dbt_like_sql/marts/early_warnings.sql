-- 预警(预测) | Early warning, a forecast for year + 1 (DOMAIN.md §6): with next year's students projected (indicators.student_projections) and this year's resources held (an integrated school's split included), the sections whose indicator would fall below its standard or whose status would drop a class, one row per indicator causing it, and the county CVs that would exceed their limit. Only changes: what is already below its line is no warning
-- year: 学年 | the data year; the forecast is for year + 1
-- forecast_year: 预测学年 | year + 1
-- kind: 类别 | section (a school section's indicator) or cv (a county CV)
-- county_code: 区县代码 | county code
-- county_name: 区县名称 | county name
-- school_id: 学校标识码 | school identifier (NULL for a CV)
-- school_name: 学校名称 | school name (NULL for a CV)
-- stage: 学段 | primary or junior
-- indicator: 指标代码 | indicator code of DOMAIN.md §1
-- indicator_name: 指标名称 | the indicator in Chinese
-- students: 在校生数 | students this year (for a CV: of the stage's evaluated sections with a value)
-- projected_students: 预测学生数 | projected students (for a CV: the stage's projected total, sections without a projection at their current students)
-- value: 本年值 | the indicator (or the CV) this year
-- projected_value: 预测值 | the indicator with resources held and projected students (or the projected CV)
-- standard: 警戒线 | the line crossed: the standard, 85 % of it (when crossing that drops the status) or the CV limit
-- status: 本年达标类别 | the section's status this year (NULL for a CV)
-- projected_status: 预测达标类别 | the section's status with the projected values (NULL for a CV)
-- warning: 预警内容 | falls below standard, the status change (all_met → complies, complies → below_standard, all_met → below_standard), or CV over limit
-- method: 方法 | the forecast and how it was made
WITH settings AS (
    SELECT
        year,
        any_value(value) FILTER (WHERE setting = 'comparison_decimals')::INTEGER AS decimals,
        any_value(value) FILTER (WHERE setting = 'min_ratio_of_standard')::DOUBLE AS min_ratio,
        any_value(value) FILTER (WHERE setting = 'min_indicators_met')::INTEGER AS min_met,
        any_value(value) FILTER (WHERE setting = 'projection_method') AS projection_method,
        any_value(value) FILTER (WHERE setting = 'projection_window_years') AS window_years
    FROM reference.settings
    GROUP BY year
),

status_drops (status, projected_status) AS (
    VALUES
        ('all_met', 'complies'),
        ('all_met', 'below_standard'),
        ('complies', 'below_standard')
),

projected AS (
    SELECT
        c.year,
        c.county_code,
        p.county_name,
        c.school_id,
        c.school_name,
        c.stage,
        c.indicator,
        c.indicator_name,
        c.value,
        c.standard,
        c.met,
        p.students,
        p.projected_students,
        p.method,
        cfg.decimals,
        cfg.min_ratio,
        cfg.min_met,
        -- Resources held: value × students is the section's resource (× its scale), unchanged.
        c.value * p.students / nullif(p.projected_students, 0) AS projected_value
    FROM marts.school_indicator_compliance AS c
    INNER JOIN indicators.student_projections AS p
        ON p.year = c.year AND p.school_id = c.school_id AND p.stage = c.stage
    INNER JOIN settings AS cfg ON cfg.year = c.year
),

judged AS (
    SELECT
        *,
        round(projected_value / standard * pow(10, decimals)) / pow(10, decimals) >= 1
            AS projected_met,
        round(projected_value / standard * pow(10, decimals)) / pow(10, decimals) >= min_ratio
            AS projected_at_least_85
    FROM projected
    WHERE projected_students IS NOT NULL
),

projected_statuses AS (
    -- The status rule of marts.school_compliance, on the projected values. A section projected
    -- to 0 students has no projected values, so none of its indicators can cross a line.
    SELECT
        year,
        school_id,
        stage,
        CASE
            WHEN count(*) FILTER (WHERE projected_met) = count(*) THEN 'all_met'
            WHEN count(*) FILTER (WHERE projected_met) >= any_value(min_met)
                AND count(*) FILTER (WHERE NOT projected_at_least_85) = 0 THEN 'complies'
            ELSE 'below_standard'
        END AS projected_status
    FROM judged
    GROUP BY ALL
),

section_changes AS (
    SELECT
        j.*,
        s.status,
        ps.projected_status,
        j.met AND NOT j.projected_met AS crosses_standard,
        -- A section whose status can drop has every indicator at 85 % or more today.
        NOT j.projected_at_least_85 AS under_85,
        d.status IS NOT NULL AS status_drop
    FROM judged AS j
    INNER JOIN marts.school_compliance AS s
        ON s.year = j.year AND s.school_id = j.school_id AND s.stage = j.stage
    INNER JOIN projected_statuses AS ps
        ON ps.year = j.year AND ps.school_id = j.school_id AND ps.stage = j.stage
    LEFT JOIN status_drops AS d
        ON d.status = s.status AND d.projected_status = ps.projected_status
    -- A section with incomplete data has no status yet: it is judged once its data is.
    WHERE s.status <> 'incomplete'
),

section_warnings AS (
    SELECT
        year,
        'section' AS kind,
        county_code,
        county_name,
        school_id,
        school_name,
        stage,
        indicator,
        indicator_name,
        students,
        projected_students,
        value,
        projected_value,
        CASE WHEN status_drop AND under_85 THEN standard * min_ratio ELSE standard END
            AS standard,
        status,
        projected_status,
        concat_ws('; ',
            CASE WHEN crosses_standard THEN 'falls below standard' END,
            CASE WHEN status_drop THEN status || ' → ' || projected_status END
        ) AS warning,
        method || '; resources held as in ' || year AS method
    FROM section_changes
    WHERE crosses_standard OR (status_drop AND under_85)
),

cv_sections AS (
    SELECT
        p.year,
        p.county_code,
        p.stage,
        p.indicator,
        p.students,
        -- Sections without a projection enter at their current students.
        coalesce(p.projected_students, p.students) AS weight,
        p.value * p.students AS amount
    FROM projected AS p
    WHERE p.value IS NOT NULL
),

cv_means AS (
    SELECT
        year,
        county_code,
        stage,
        indicator,
        sum(students) AS students,
        sum(weight) AS projected_students,
        -- A section projected to no students has no value next year: the resources it holds
        -- leave the mean as the section leaves the dispersion (weights are never negative).
        sum(amount) FILTER (WHERE weight <> 0) / sum(weight) AS mean
    FROM cv_sections
    GROUP BY ALL
),

cv_projected AS (
    SELECT
        m.year,
        m.county_code,
        m.stage,
        m.indicator,
        m.students,
        m.projected_students,
        sqrt(sum(s.weight * (s.amount / s.weight - m.mean) ^ 2)
            / m.projected_students) / nullif(m.mean, 0) AS projected_cv
    FROM cv_means AS m
    INNER JOIN cv_sections AS s
        ON s.year = m.year AND s.county_code = m.county_code AND s.stage = m.stage
        AND s.indicator = m.indicator AND s.weight <> 0
    GROUP BY m.year, m.county_code, m.stage, m.indicator, m.students, m.projected_students, m.mean
),

cv_warnings AS (
    SELECT
        c.year,
        'cv' AS kind,
        c.county_code,
        c.county_name,
        NULL AS school_id,
        NULL AS school_name,
        c.stage,
        c.indicator,
        c.indicator_name,
        p.students,
        p.projected_students,
        c.cv AS value,
        p.projected_cv AS projected_value,
        c.cv_limit AS standard,
        NULL AS status,
        NULL AS projected_status,
        'CV over limit' AS warning,
        printf('forecast (预测): %s over the last %s years, evaluated at %d, sections without a '
            || 'projection at their current students; resources held as in %d',
            cfg.projection_method, cfg.window_years, c.year + 1, c.year) AS method
    FROM marts.coefficients AS c
    INNER JOIN cv_projected AS p
        ON p.year = c.year AND p.county_code = c.county_code AND p.stage = c.stage
        AND p.indicator = c.indicator
    INNER JOIN settings AS cfg ON cfg.year = c.year
    WHERE round(c.cv * pow(10, cfg.decimals)) / pow(10, cfg.decimals) <= c.cv_limit
        AND round(p.projected_cv * pow(10, cfg.decimals)) / pow(10, cfg.decimals) > c.cv_limit
)

SELECT year, year + 1 AS forecast_year, * EXCLUDE (year)
FROM (
    SELECT * FROM section_warnings
    UNION ALL BY NAME
    SELECT * FROM cv_warnings
)
ORDER BY year, county_code, kind DESC, school_id, stage, indicator
