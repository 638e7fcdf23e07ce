-- 学校单项指标达标情况 | One row per evaluated section and resource indicator: value, standard, ratio to the standard and whether it is met
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- school_id: 学校标识码 | school identifier
-- school_name: 学校名称 | school name
-- stage: 学段 | primary or junior
-- indicator: 指标代码 | indicator code of DOMAIN.md §1
-- indicator_name: 指标名称 | indicator name in Chinese
-- value: 指标值 | the section's value (NULL when its data is missing)
-- standard: 标准值 | the national standard for the stage
-- ratio_to_standard: 达标率 | value / standard
-- met: 是否达标 | value reaches the standard (ratio rounded to comparison_decimals ≥ 1, so 2499.9999999 of 2500 meets it)
-- at_least_85: 是否不低于标准85% | ratio (rounded the same way) ≥ min_ratio_of_standard (0.85)
WITH settings AS (
    SELECT
        year,
        any_value(value) FILTER (WHERE setting = 'comparison_decimals')::INTEGER AS decimals,
        any_value(value) FILTER (WHERE setting = 'min_ratio_of_standard')::DOUBLE AS min_ratio
    FROM reference.settings
    GROUP BY year
),

section_values AS (
    SELECT
        s.year,
        s.county_code,
        s.school_id,
        s.school_name,
        s.stage,
        st.indicator,
        st.name_zh AS indicator_name,
        st.sort_order,
        st.standard,
        CASE st.indicator
            WHEN 'qualified_teachers_per100' THEN s.qualified_teachers_per100
            WHEN 'backbone_teachers_per100' THEN s.backbone_teachers_per100
            WHEN 'pe_art_teachers_per100' THEN s.pe_art_teachers_per100
            WHEN 'teaching_area_per_student' THEN s.teaching_area_per_student
            WHEN 'sports_area_per_student' THEN s.sports_area_per_student
            WHEN 'equipment_value_per_student' THEN s.equipment_value_per_student
            WHEN 'multimedia_rooms_per100' THEN s.multimedia_rooms_per100
        END AS value
    FROM indicators.school_sections AS s
    INNER JOIN reference.standards AS st ON st.year = s.year AND st.stage = s.stage
    WHERE s.evaluated
),

ratios AS (
    SELECT
        v.*,
        v.value / v.standard AS ratio_to_standard,
        -- Compare the ratio rounded to a fixed number of decimals: float noise cannot flip it.
        round(v.value / v.standard * pow(10, cfg.decimals)) / pow(10, cfg.decimals) AS ratio_rounded,
        cfg.min_ratio
    FROM section_values AS v
    INNER JOIN settings AS cfg ON cfg.year = v.year
)

SELECT
    year,
    county_code,
    school_id,
    school_name,
    stage,
    indicator,
    indicator_name,
    value,
    standard,
    ratio_to_standard,
    ratio_rounded >= 1 AS met,
    ratio_rounded >= min_ratio AS at_least_85
FROM ratios
ORDER BY year, county_code, school_id, stage, sort_order
