-- 学生数预测 | One row per evaluated section and year: next year's students projected from the years the warehouse holds (DOMAIN.md §6 early warning). Default (reference.settings projection_*): the least-squares line through (year, students) of the last 3 school years, at least 2 needed, evaluated at year + 1, never below 0, not rounded. A forecast, not data
-- reads earlier years: indicators.school_sections
-- year: 学年 | the data year; the forecast is for year + 1
-- forecast_year: 预测学年 | year + 1
-- county_code: 区县代码 | county code
-- county_name: 区县名称 | county name
-- school_id: 学校标识码 | school identifier
-- school_name: 学校名称 | school name
-- school_type: 办学类型 | school type code
-- stage: 学段 | primary or junior
-- students: 在校生数 | students this year
-- first_year: 拟合起始年 | the earliest year of the window with data for this section
-- years_used: 拟合年数 | years of the window with data for this section (this year included)
-- slope: 年变化量 | students per year of the fitted line (NULL with a single year)
-- projected_students: 预测学生数 | the line at year + 1, at least 0, unrounded; NULL when fewer years than projection_min_years (such a section enters projected CVs at its current students)
-- method: 方法 | how the projection was made, or why there is none
WITH settings AS (
    SELECT
        year,
        any_value(value) FILTER (WHERE setting = 'projection_method') AS method,
        any_value(value) FILTER (WHERE setting = 'projection_window_years')::INTEGER AS window_years,
        any_value(value) FILTER (WHERE setting = 'projection_min_years')::INTEGER AS min_years
    FROM reference.settings
    GROUP BY year
),

checked AS (
    SELECT
        year,
        CASE
            WHEN method = 'linear_trend' THEN method
            ELSE error('reference setting projection_method must be linear_trend; got '''
                || method || '''')
        END AS method,
        window_years,
        CASE
            WHEN min_years >= 2 THEN min_years
            ELSE error('reference setting projection_min_years must be 2 or more (a line needs '
                || 'two points); got ' || min_years)
        END AS min_years
    FROM settings
),

history AS (
    -- The section's students in the window, centred on this year (x = 0) so the fit is exact
    -- to the last digit for small numbers.
    SELECT
        s.year,
        s.county_code,
        s.county_name,
        s.school_id,
        s.school_name,
        s.school_type,
        s.stage,
        s.students,
        cfg.method,
        cfg.window_years,
        cfg.min_years,
        h.year AS history_year,
        h.year - s.year AS x,
        h.students AS y
    FROM indicators.school_sections AS s
    INNER JOIN checked AS cfg ON cfg.year = s.year
    INNER JOIN indicators.school_sections AS h
        ON h.school_id = s.school_id AND h.stage = s.stage
        AND h.year > s.year - cfg.window_years AND h.year <= s.year
    WHERE s.evaluated
),

fitted AS (
    SELECT
        year,
        county_code,
        county_name,
        school_id,
        school_name,
        school_type,
        stage,
        students,
        method,
        window_years,
        min_years,
        min(history_year) AS first_year,
        count(*) AS years_used,
        regr_slope(y, x) AS slope,
        regr_intercept(y, x) AS intercept
    FROM history
    GROUP BY ALL
)

SELECT
    year,
    year + 1 AS forecast_year,
    county_code,
    county_name,
    school_id,
    school_name,
    school_type,
    stage,
    students,
    first_year,
    years_used,
    CASE WHEN years_used > 1 THEN slope END AS slope,
    -- The line at x = 1 (year + 1): intercept (its value at this year) + slope.
    CASE WHEN years_used >= min_years THEN greatest(0, intercept + slope) END
        AS projected_students,
    CASE
        WHEN years_used >= min_years THEN printf(
            'forecast (预测): %s, least squares over %d–%d (%d years), evaluated at %d',
            method, first_year, year, years_used, year + 1)
        ELSE printf('no projection: %d year(s) of data in the last %d, at least %d needed',
            years_used, window_years, min_years)
    END AS method
FROM fitted
ORDER BY year, county_code, school_id, stage
