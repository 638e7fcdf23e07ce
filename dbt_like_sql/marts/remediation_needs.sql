-- 化解需求 | One row per evaluated section and resource indicator below its standard: the shortfall in natural units to the standard and to 85 % of it, what the school must add (a shared facility is bought at school level and raises every section by its share), its cost, and the cheapest way to bring the section to "complies" (DOMAIN.md §8)
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- school_id: 学校标识码 | school identifier
-- school_name: 学校名称 | school name
-- stage: 学段 | primary or junior
-- indicator: 指标代码 | indicator code of DOMAIN.md §1
-- indicator_name: 指标名称 | indicator name in Chinese
-- students: 在校生数 | students of the section
-- resource_share: 资源拆分比例 | the section's share of the school's facilities (1 for a single-stage school)
-- value: 指标值 | the section's value
-- standard: 标准值 | the standard
-- action: 措施 | the plan action that adds to this indicator (reference.plan_actions)
-- unit: 单位 | teachers, m2, yuan or rooms
-- shortfall: 缺口 | what the section lacks to reach the standard: teachers and rooms rounded up, m² and yuan unrounded
-- shortfall_to_85: 达85%缺口 | what it lacks to reach 85 % of the standard (0 where it already does)
-- school_addition: 学校需增加 | what the school must add: for a shared facility the largest need of its sections divided by their share (rooms rounded up after the division), repeated on each section row; for teachers the shortfall
-- sets_school_addition: 决定学校增量 | this section's need sets the school addition (its cost is counted here)
-- unit_cost_yuan: 单价 | yuan per unit (reference.unit_costs)
-- cost_yuan: 费用 | school_addition × unit cost, on the row that sets a shared addition (0 on the school's other rows)
-- left_at_85: 保留85%项 | the cheapest way to "complies" leaves this indicator at 85 % of the standard
-- school_addition_to_complies: 达到基本要求的学校增量 | school_addition for the "complies" target
-- cost_to_complies_yuan: 达到基本要求的费用 | cost_yuan for the "complies" target
-- data_complete: 数据是否完整 | FALSE when an input of the school was rejected or is missing: the need is computed from what was accepted
WITH settings AS (
    SELECT
        year,
        any_value(value) FILTER (WHERE setting = 'comparison_decimals')::INTEGER AS decimals,
        any_value(value) FILTER (WHERE setting = 'min_ratio_of_standard')::DOUBLE AS min_ratio
    FROM reference.settings
    GROUP BY year
),

-- What buys each indicator, in which unit, per how many students (reference.plan_actions).
measures AS (
    SELECT
        year,
        indicator,
        action,
        unit,
        per_students::DOUBLE AS per,
        cost_item,
        level = 'school' AS shared
    FROM reference.plan_actions
    WHERE indicator IS NOT NULL
),

-- The gap of each section to the standard and to 85 % of it, in natural units, unrounded.
gaps AS (
    SELECT
        c.year,
        c.county_code,
        c.school_id,
        c.school_name,
        c.stage,
        c.indicator,
        c.indicator_name,
        c.value,
        c.standard,
        s.students,
        s.resource_share,
        s.data_complete,
        m.action,
        m.unit,
        m.shared,
        u.cost_yuan::DOUBLE AS unit_cost_yuan,
        cfg.decimals,
        c.standard * s.students / m.per - CASE c.indicator
            WHEN 'qualified_teachers_per100' THEN s.qualified_teachers
            WHEN 'backbone_teachers_per100' THEN s.backbone_teachers
            WHEN 'pe_art_teachers_per100' THEN s.pe_art_teachers
            WHEN 'teaching_area_per_student' THEN s.teaching_area_m2
            WHEN 'sports_area_per_student' THEN s.sports_area_m2
            WHEN 'equipment_value_per_student' THEN s.equipment_value_yuan
            WHEN 'multimedia_rooms_per100' THEN s.multimedia_classrooms
        END AS gap_full,
        CASE WHEN c.at_least_85 THEN 0.0
            ELSE gap_full - (1 - cfg.min_ratio) * c.standard * s.students / m.per
        END AS gap_85
    FROM marts.school_indicator_compliance AS c
    INNER JOIN indicators.school_sections AS s
        ON s.year = c.year AND s.school_id = c.school_id AND s.stage = c.stage
    INNER JOIN measures AS m ON m.year = c.year AND m.indicator = c.indicator
    INNER JOIN reference.unit_costs AS u ON u.year = c.year AND u.item = m.cost_item
    INNER JOIN settings AS cfg ON cfg.year = c.year
    WHERE NOT c.met
),

-- Targets to cost. "all_met": every gap to the standard. "complies": each section may leave
-- one indicator at 85 %; a school has at most a primary and a junior section, so every pair
-- of choices is tried (a shared facility makes the sections' choices depend on each other).
choices AS (
    SELECT DISTINCT year, school_id, stage, indicator FROM gaps
),

combos AS (
    SELECT DISTINCT year, school_id, NULL::VARCHAR AS primary_left, NULL::VARCHAR AS junior_left
    FROM gaps
    UNION ALL
    SELECT sc.year, sc.school_id, p.indicator, j.indicator
    FROM (SELECT DISTINCT year, school_id FROM gaps) AS sc
    LEFT JOIN choices AS p ON p.year = sc.year AND p.school_id = sc.school_id AND p.stage = 'primary'
    LEFT JOIN choices AS j ON j.year = sc.year AND j.school_id = sc.school_id AND j.stage = 'junior'
),

targets AS (
    SELECT
        g.*,
        k.primary_left,
        k.junior_left,
        coalesce(g.indicator = CASE g.stage WHEN 'primary' THEN k.primary_left
            ELSE k.junior_left END, FALSE) AS left_at_85,
        greatest(CASE WHEN left_at_85 THEN g.gap_85 ELSE g.gap_full END, 0) AS gap
    FROM gaps AS g
    INNER JOIN combos AS k ON k.year = g.year AND k.school_id = g.school_id
),

-- Whole teachers and rooms: rounded up, after the comparison rounding so float noise cannot
-- add one. A shared facility: the school adds the largest gap ÷ share of its sections.
additions AS (
    SELECT
        *,
        ceil(round(gap, decimals)) AS whole_units,
        max(gap / resource_share) OVER school_indicator AS school_raw,
        -- Rounded like every comparison: equal needs must tie, and ties go to the primary.
        row_number() OVER (school_indicator
            ORDER BY round(gap / resource_share, decimals) DESC,
                CASE stage WHEN 'primary' THEN 1 ELSE 2 END) = 1
            AS sets_school_addition
    FROM targets
    WINDOW school_indicator AS (
        PARTITION BY year, school_id, primary_left, junior_left, indicator
    )
),

costed AS (
    SELECT
        *,
        CASE
            WHEN NOT shared THEN whole_units
            WHEN unit = 'rooms' THEN ceil(round(school_raw, decimals))
            ELSE school_raw
        END AS school_addition,
        CASE WHEN shared AND NOT sets_school_addition THEN 0.0
            ELSE school_addition * unit_cost_yuan
        END AS cost_yuan,
        sum(cost_yuan) OVER (PARTITION BY year, school_id, primary_left, junior_left)
            AS combo_cost
    FROM additions
),

all_met AS (
    SELECT * FROM costed WHERE primary_left IS NULL AND junior_left IS NULL
),

complies AS (
    SELECT *
    FROM costed
    -- To the fen: a window sum adds in no fixed order, so two equal costs can differ in their
    -- last bits from run to run; rounded, they tie and the indicator codes decide.
    QUALIFY dense_rank() OVER (PARTITION BY year, school_id
        ORDER BY round(combo_cost, 2), primary_left NULLS FIRST, junior_left NULLS FIRST) = 1
)

SELECT
    a.year,
    a.county_code,
    a.school_id,
    a.school_name,
    a.stage,
    a.indicator,
    a.indicator_name,
    a.students,
    a.resource_share,
    a.value,
    a.standard,
    a.action,
    a.unit,
    CASE WHEN a.unit IN ('teachers', 'rooms') THEN a.whole_units ELSE a.gap END AS shortfall,
    CASE WHEN a.unit IN ('teachers', 'rooms') THEN greatest(ceil(round(a.gap_85, a.decimals)), 0)
        ELSE greatest(a.gap_85, 0)
    END AS shortfall_to_85,
    a.school_addition,
    a.sets_school_addition,
    a.unit_cost_yuan,
    a.cost_yuan,
    c.left_at_85,
    c.school_addition AS school_addition_to_complies,
    c.cost_yuan AS cost_to_complies_yuan,
    a.data_complete
FROM all_met AS a
INNER JOIN complies AS c
    ON c.year = a.year AND c.school_id = a.school_id AND c.stage = a.stage
    AND c.indicator = a.indicator
ORDER BY a.year, a.county_code, a.school_id, a.stage, a.indicator
