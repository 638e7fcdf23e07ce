-- 学校资源配置达标情况 | One row per evaluated section: how many of the 7 indicators are met, how many sit under 85 % of the standard, and the status class (all_met, complies, below_standard; incomplete when its data is)
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- school_id: 学校标识码 | school identifier
-- school_name: 学校名称 | school name
-- school_type: 办学类型 | school type code
-- stage: 学段 | primary or junior
-- students: 在校生数 | students of the section
-- indicators: 指标数 | indicators judged (7)
-- indicators_met: 达标指标数 | indicators that meet the standard
-- indicators_under_85: 低于标准85%的指标数 | indicators below 85 % of the standard
-- indicators_missing: 缺数据指标数 | indicators without a value (missing input)
-- status: 达标类别 | all_met: 7 of 7; complies: at least 6 met and the rest ≥ 85 %; below_standard: otherwise; incomplete: data missing or rejected, no class given
-- complies: 是否达到要求 | status is all_met or complies
-- indicators_not_met: 未达标指标 | codes of the indicators not met, with their ratio to the standard
-- data_complete: 数据是否完整 | FALSE when an input of this school was rejected or is missing
-- incomplete_reason: 数据缺失说明 | what is missing or rejected
WITH settings AS (
    SELECT
        year,
        any_value(value) FILTER (WHERE setting = 'min_indicators_met')::INTEGER AS min_met
    FROM reference.settings
    GROUP BY year
),

counts AS (
    SELECT
        c.year,
        c.county_code,
        c.school_id,
        c.stage,
        count(*) AS indicators,
        count(*) FILTER (WHERE c.met) AS indicators_met,
        count(*) FILTER (WHERE NOT c.at_least_85) AS indicators_under_85,
        count(*) FILTER (WHERE c.value IS NULL) AS indicators_missing,
        string_agg(c.indicator || ' ' || round(c.ratio_to_standard * 100, 1) || '%', ', '
            ORDER BY c.indicator) FILTER (WHERE NOT c.met) AS indicators_not_met
    FROM marts.school_indicator_compliance AS c
    GROUP BY ALL
)

SELECT
    c.year,
    c.county_code,
    c.school_id,
    s.school_name,
    s.school_type,
    c.stage,
    s.students,
    c.indicators,
    c.indicators_met,
    c.indicators_under_85,
    c.indicators_missing,
    CASE
        WHEN c.indicators_missing > 0 OR NOT s.data_complete THEN 'incomplete'
        WHEN c.indicators_met = c.indicators THEN 'all_met'
        WHEN c.indicators_met >= cfg.min_met AND c.indicators_under_85 = 0 THEN 'complies'
        ELSE 'below_standard'
    END AS status,
    status IN ('all_met', 'complies') AS complies,
    c.indicators_not_met,
    s.data_complete,
    s.incomplete_reason
FROM counts AS c
INNER JOIN settings AS cfg ON cfg.year = c.year
INNER JOIN indicators.school_sections AS s
    ON s.year = c.year AND s.school_id = c.school_id AND s.stage = c.stage
ORDER BY c.year, c.county_code, c.school_id, c.stage
