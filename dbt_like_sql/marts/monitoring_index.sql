-- 动态监测发展指数 | One row per county, compulsory stage, year and key indicator (DOMAIN.md §6): the development index against the baseline year (centred on 100), its level, the resource and student growth behind a per-student indicator, and for a fall a note naming the schools that contributed most, ready to paste
-- reads earlier years: indicators.key_indicators, indicators.key_indicator_sections
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- county_name: 区县名称 | county name
-- stage: 学段 | primary or junior
-- indicator: 指标代码 | key indicator code (reference.key_indicators)
-- indicator_name: 指标名称 | the indicator in Chinese
-- kind: 类别 | resource or quality
-- higher_is_better: 是否越高越好 | FALSE for school_gap: index = baseline / value × 100
-- baseline_year: 基准年 | the year compared with (setting monitoring_baseline_year; default the county's earliest year in the warehouse)
-- baseline_value: 基准值 | the indicator in the baseline year
-- value: 本年值 | the indicator this year
-- index: 发展指数 | value / baseline × 100 (baseline / value × 100 when lower is better); NULL when either is missing or the divisor is 0, with the reason in note
-- level: 发展水平 | significant_rise, rise, stable, fall, significant_fall (reference.monitoring_levels), judged on the index rounded to comparison_decimals; NULL when index is NULL
-- level_name: 发展水平(中文) | 显著上升, 上升, 基本稳定, 下降, 显著下降
-- movement: 变动方向 | risen, stable or fallen: the level's group
-- resource_growth_pct: 资源增长率(%) | (resource / baseline resource − 1) × 100; NULL for an indicator that is not per student
-- student_growth_pct: 学生增长率(%) | (students / baseline students − 1) × 100; NULL for an indicator that is not per student
-- note: 说明 | for a fall: index, values, both growths and the schools that contributed most (sections present in both years, largest resource change short of what their student change needed at the baseline level); for a NULL index: why
-- sort_order: 排序 | the order of the indicators in a report
WITH settings AS (
    SELECT
        year,
        any_value(value) FILTER (WHERE setting = 'comparison_decimals')::INTEGER AS decimals,
        any_value(value) FILTER (WHERE setting = 'monitoring_baseline_year') AS baseline_setting,
        any_value(value) FILTER (WHERE setting = 'monitoring_top_schools')::INTEGER AS top_schools
    FROM reference.settings
    GROUP BY year
),

county_years AS (
    SELECT DISTINCT year, county_code FROM indicators.key_indicators
),

baselines AS (
    SELECT
        c.year,
        c.county_code,
        CASE
            WHEN cfg.baseline_setting = 'earliest'
                THEN min(c.year) OVER (PARTITION BY c.county_code)
            WHEN try_cast(cfg.baseline_setting AS INTEGER) IS NOT NULL
                THEN cfg.baseline_setting::INTEGER
            ELSE error('reference setting monitoring_baseline_year must be earliest or a school '
                || 'year such as 2022; got ''' || cfg.baseline_setting || '''')
        END AS baseline_year,
        cfg.decimals,
        cfg.top_schools
    FROM county_years AS c
    INNER JOIN settings AS cfg ON cfg.year = c.year
),

indexed AS (
    SELECT
        k.*,
        b.baseline_year,
        b.decimals,
        b.top_schools,
        bc.year IS NOT NULL AS baseline_county_present,
        base.value AS baseline_value,
        base.resource AS baseline_resource,
        base.students AS baseline_students,
        base.note AS baseline_note,
        base.data_complete AS baseline_data_complete,
        -- NULL when either value is (arithmetic keeps NULL), or when the divisor is 0.
        CASE
            WHEN base.value = 0 THEN NULL
            WHEN k.higher_is_better THEN k.value / base.value * 100
            WHEN k.value = 0 THEN NULL
            ELSE base.value / k.value * 100
        END AS index
    FROM indicators.key_indicators AS k
    INNER JOIN baselines AS b ON b.year = k.year AND b.county_code = k.county_code
    LEFT JOIN county_years AS bc ON bc.year = b.baseline_year AND bc.county_code = k.county_code
    LEFT JOIN indicators.key_indicators AS base
        ON base.year = b.baseline_year AND base.county_code = k.county_code
        AND base.stage = k.stage AND base.indicator = k.indicator
),

rounded AS (
    SELECT
        *,
        -- Levels compare the index rounded like every other comparison: 109.99999999999999 is 110.
        round(index * pow(10, decimals)) / pow(10, decimals) AS index_rounded
    FROM indexed
),

leveled AS (
    -- The first band (in sort_order) whose lower bound the rounded index reaches.
    SELECT r.*, l.level, l.level_name, l.movement
    FROM rounded AS r
    LEFT JOIN LATERAL (
        SELECT b.level, b.label_zh AS level_name, b.movement
        FROM reference.monitoring_levels AS b
        WHERE b.year = r.year AND (
            b.lower_bound IS NULL
            OR (b.lower_bound_inclusive AND r.index_rounded >= b.lower_bound::DOUBLE)
            OR r.index_rounded > b.lower_bound::DOUBLE
        )
        ORDER BY b.sort_order
        LIMIT 1
    ) AS l ON r.index_rounded IS NOT NULL
),

grown AS (
    SELECT
        *,
        CASE WHEN per_student
            THEN (resource / nullif(baseline_resource, 0) - 1) * 100 END AS resource_growth_pct,
        CASE WHEN per_student
            -- Pooled students are never 0: evaluated sections have students.
            THEN (students / baseline_students - 1) * 100 END AS student_growth_pct
    FROM leveled
),

-- Why a per-student indicator fell: its sections this year and in the baseline year.
falls AS (
    SELECT
        g.year,
        g.county_code,
        g.stage,
        g.indicator,
        g.baseline_year,
        g.top_schools,
        k.resource_zh,
        -- The county's resource per student in the baseline year.
        g.baseline_resource / g.baseline_students AS baseline_per_student
    FROM grown AS g
    INNER JOIN reference.key_indicators AS k ON k.year = g.year AND k.indicator = g.indicator
    -- Only falls are explained (the rest would be computed for nothing).
    WHERE g.movement = 'fallen' AND g.per_student
),

now_sections AS (
    SELECT f.*, s.school_id, s.school_name, s.resource, s.students
    FROM falls AS f
    INNER JOIN indicators.key_indicator_sections AS s
        ON s.year = f.year AND s.county_code = f.county_code AND s.stage = f.stage
        AND s.indicator = f.indicator
),

baseline_sections AS (
    SELECT f.*, s.school_id, s.school_name, s.resource, s.students
    FROM falls AS f
    INNER JOIN indicators.key_indicator_sections AS s
        ON s.year = f.baseline_year AND s.county_code = f.county_code AND s.stage = f.stage
        AND s.indicator = f.indicator
),

section_pairs AS (
    SELECT
        coalesce(n.year, b.year) AS year,
        coalesce(n.county_code, b.county_code) AS county_code,
        coalesce(n.stage, b.stage) AS stage,
        coalesce(n.indicator, b.indicator) AS indicator,
        coalesce(n.top_schools, b.top_schools) AS top_schools,
        coalesce(n.resource_zh, b.resource_zh) AS resource_zh,
        coalesce(n.school_id, b.school_id) AS school_id,
        coalesce(n.school_name, b.school_name) AS school_name,
        n.resource,
        n.students,
        b.resource AS baseline_resource,
        b.students AS baseline_students,
        -- What the section's resource changed by, short of what its student change needed at
        -- the county's baseline level; the sum over all sections is the change of the pooled
        -- value × this year's students. A section new since the baseline is not a fall.
        (n.resource - b.resource) - b.baseline_per_student * (n.students - b.students)
            AS contribution
    FROM now_sections AS n
    FULL JOIN baseline_sections AS b
        ON b.year = n.year AND b.school_id = n.school_id AND b.stage = n.stage
        AND b.indicator = n.indicator
),

ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY year, county_code, stage, indicator ORDER BY contribution, school_id
        ) AS rank
    FROM section_pairs
    WHERE contribution < 0
),

named AS (
    SELECT
        year,
        county_code,
        stage,
        indicator,
        string_agg(
            school_name || '(学生 ' || printf('%+.1f%%', (students / baseline_students - 1) * 100)
            || ', ' || resource_zh || ' ' || CASE
                WHEN baseline_resource > 0
                    THEN printf('%+.1f%%', (resource / baseline_resource - 1) * 100)
                ELSE printf('%.4g → %.4g', baseline_resource, resource)
            END || ')',
            '、' ORDER BY rank
        ) AS schools
    FROM ranked
    WHERE rank <= top_schools
    GROUP BY ALL
),

turnover AS (
    SELECT
        year,
        county_code,
        stage,
        indicator,
        count(DISTINCT school_id) FILTER (WHERE baseline_students IS NULL) AS new_schools,
        coalesce(sum(students) FILTER (WHERE baseline_students IS NULL), 0) AS new_students,
        count(DISTINCT school_id) FILTER (WHERE students IS NULL) AS gone_schools,
        coalesce(sum(baseline_students) FILTER (WHERE students IS NULL), 0) AS gone_students
    FROM section_pairs
    GROUP BY ALL
)

SELECT
    g.year,
    g.county_code,
    g.county_name,
    g.stage,
    g.indicator,
    g.indicator_name,
    g.kind,
    g.higher_is_better,
    g.baseline_year,
    g.baseline_value,
    g.value,
    g.index,
    g.level,
    g.level_name,
    g.movement,
    g.resource_growth_pct,
    g.student_growth_pct,
    CASE
        WHEN NOT g.baseline_county_present
            THEN '无基准: ' || g.baseline_year || ' 年无该县数据'
        WHEN g.baseline_value IS NULL
            THEN concat_ws(': ', '无基准: ' || g.baseline_year || ' 年无该指标数值', g.baseline_note)
        WHEN g.value IS NULL THEN concat_ws(': ', '本年无该指标数值', g.note)
        WHEN g.baseline_value = 0
            THEN '基准值为 0 (' || g.baseline_year || ' 年), 指数无定义'
        WHEN g.index IS NULL THEN '本年值为 0, 越低越好的指标指数无定义'
        WHEN g.movement = 'fallen' THEN concat(
            g.indicator_name, '发展指数 ', printf('%.1f', g.index), ' (', g.level_name, ', ',
            g.baseline_year, ' 年 ', printf('%.4g', g.baseline_value), ' → ', g.year, ' 年 ',
            printf('%.4g', g.value), ')',
            CASE WHEN g.per_student THEN concat(
                ': 学生 ', printf('%+.1f%%', g.student_growth_pct), ', ', f.resource_zh, ' ',
                printf('%+.1f%%', g.resource_growth_pct)
            ) END,
            '; 降幅主要来自 ' || n.schools,
            CASE WHEN t.new_schools > 0 THEN '; 基准年后新增学校 ' || t.new_schools || ' 所(学生 '
                || t.new_students || ' 人)' END,
            CASE WHEN t.gone_schools > 0 THEN '; 基准年后撤并或不再参评学校 ' || t.gone_schools
                || ' 所(基准年学生 ' || t.gone_students || ' 人)' END,
            CASE WHEN NOT (g.data_complete AND g.baseline_data_complete) THEN '; 数据不完整' END
        )
    END AS note,
    g.sort_order
FROM grown AS g
LEFT JOIN falls AS f
    ON f.year = g.year AND f.county_code = g.county_code AND f.stage = g.stage
    AND f.indicator = g.indicator
LEFT JOIN named AS n
    ON n.year = g.year AND n.county_code = g.county_code AND n.stage = g.stage
    AND n.indicator = g.indicator
LEFT JOIN turnover AS t
    ON t.year = g.year AND t.county_code = g.county_code AND t.stage = g.stage
    AND t.indicator = g.indicator
ORDER BY g.year, g.county_code, g.stage, g.sort_order
