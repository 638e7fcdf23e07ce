-- 动态监测综合指数 | One row per county, compulsory stage and year (DOMAIN.md §6): the composite index (the mean of the key indicators' indices that exist) with its level, and how many indicators rose, held and fell
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- county_name: 区县名称 | county name
-- stage: 学段 | primary or junior
-- baseline_year: 基准年 | the year compared with
-- composite_index: 综合发展指数 | mean of the indices that are not NULL
-- level: 综合发展水平 | the level of the composite index, rounded to comparison_decimals, by the bands of reference.monitoring_levels; NULL when no index exists
-- level_name: 综合发展水平(中文) | 显著上升, 上升, 基本稳定, 下降, 显著下降
-- indicators: 关键指标数 | key indicators of the stage
-- indicators_with_index: 有指数的指标数 | indicators whose index exists
-- indicators_risen: 上升指标数 | rise + significant_rise
-- indicators_stable: 基本稳定指标数 | stable
-- indicators_fallen: 下降指标数 | fall + significant_fall
-- fallen: 下降指标 | codes of the fallen indicators, in report order
-- without_index: 无指数指标 | codes of the indicators without an index (monitoring_index.note says why)
WITH settings AS (
    SELECT
        year,
        any_value(value) FILTER (WHERE setting = 'comparison_decimals')::INTEGER AS decimals
    FROM reference.settings
    GROUP BY year
),

composite AS (
    SELECT
        year,
        county_code,
        any_value(county_name) AS county_name,
        stage,
        any_value(baseline_year) AS baseline_year,
        avg(index) AS composite_index,
        count(*) AS indicators,
        count(index) AS indicators_with_index,
        count(*) FILTER (WHERE movement = 'risen') AS indicators_risen,
        count(*) FILTER (WHERE movement = 'stable') AS indicators_stable,
        count(*) FILTER (WHERE movement = 'fallen') AS indicators_fallen,
        string_agg(indicator, ', ' ORDER BY sort_order) FILTER (WHERE movement = 'fallen')
            AS fallen,
        string_agg(indicator, ', ' ORDER BY sort_order) FILTER (WHERE index IS NULL)
            AS without_index
    FROM marts.monitoring_index
    GROUP BY year, county_code, stage
),

rounded AS (
    SELECT c.*, round(c.composite_index * pow(10, cfg.decimals)) / pow(10, cfg.decimals) AS rounded
    FROM composite AS c
    INNER JOIN settings AS cfg ON cfg.year = c.year
),

leveled AS (
    -- The bands of each indicator's level (marts.monitoring_index), on the composite.
    SELECT r.*, l.level, l.level_name
    FROM rounded AS r
    LEFT JOIN LATERAL (
        SELECT b.level, b.label_zh AS level_name
        FROM reference.monitoring_levels AS b
        WHERE b.year = r.year AND (
            b.lower_bound IS NULL
            OR (b.lower_bound_inclusive AND r.rounded >= b.lower_bound::DOUBLE)
            OR r.rounded > b.lower_bound::DOUBLE
        )
        ORDER BY b.sort_order
        LIMIT 1
    ) AS l ON r.rounded IS NOT NULL
)

SELECT
    year,
    county_code,
    county_name,
    stage,
    baseline_year,
    composite_index,
    level,
    level_name,
    indicators,
    indicators_with_index,
    indicators_risen,
    indicators_stable,
    indicators_fallen,
    fallen,
    without_index
FROM leveled
ORDER BY year, county_code, stage
