-- 县域化解汇总 | One row per county, stage and resource indicator (a row for each of marts.coefficients): the sections below the standard, their total shortfall and cost to the standard and to "complies", the CV before and after the needs, and the least-cost extra additions that bring a CV still over its limit under it (DOMAIN.md §8)
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- county_name: 区县名称 | county name
-- stage: 学段 | primary or junior
-- indicator: 指标代码 | indicator code of DOMAIN.md §1
-- indicator_name: 指标名称 | indicator name in Chinese
-- sections_below: 未达标学段数 | evaluated sections below the standard (0 where none)
-- shortfall_total: 缺口合计 | Σ shortfall of those sections (marts.remediation_needs), in unit
-- unit: 单位 | teachers, m2, yuan or rooms
-- cost_yuan: 费用 | Σ cost_yuan of the needs: the cost of bringing every section to the standard (a shared facility counted in the stage that sets it)
-- cost_to_complies_yuan: 达到基本要求费用 | Σ cost_to_complies_yuan: the cheapest way to "complies"
-- cv_before: 现差异系数 | the CV now (marts.coefficients)
-- cv_after_needs: 需求满足后差异系数 | the CV once every section below the standard received its shortfall (needs.coefficients)
-- cv_limit: 差异系数上限 | 0.50 primary, 0.45 junior
-- extra_for_cv: 差异系数额外增量 | units added beyond the needs to bring the CV to its limit (0 when cv_after_needs is within it)
-- extra_cost_yuan: 差异系数额外费用 | their cost
-- method: 方法 | how the extra additions were found (solver, status), or why none are needed
WITH section_needs AS (
    SELECT
        year,
        county_code,
        stage,
        indicator,
        count(*) AS sections_below,
        sum(shortfall) AS shortfall_total,
        sum(cost_yuan) AS cost_yuan,
        sum(cost_to_complies_yuan) AS cost_to_complies_yuan
    FROM marts.remediation_needs
    GROUP BY ALL
),

extra AS (
    SELECT year, county_code, stage, indicator, sum(addition) AS units, sum(cost_yuan) AS cost
    FROM marts.remediation_cv_additions
    WHERE target = 'all_met'
    GROUP BY ALL
),

problems AS (
    SELECT * FROM marts.remediation_cv_problems WHERE target = 'all_met'
)

SELECT
    c.year,
    c.county_code,
    c.county_name,
    c.stage,
    c.indicator,
    c.indicator_name,
    coalesce(n.sections_below, 0) AS sections_below,
    coalesce(n.shortfall_total, 0) AS shortfall_total,
    a.unit,
    coalesce(n.cost_yuan, 0) AS cost_yuan,
    coalesce(n.cost_to_complies_yuan, 0) AS cost_to_complies_yuan,
    c.cv AS cv_before,
    coalesce(after.cv, c.cv) AS cv_after_needs,
    c.cv_limit,
    coalesce(e.units, 0) AS extra_for_cv,
    coalesce(e.cost, 0) AS extra_cost_yuan,
    CASE
        WHEN p.method IS NOT NULL THEN p.method
        WHEN NOT c.data_complete OR c.cv IS NULL THEN 'not judged: ' || c.note
        ELSE 'within the limit once the needs are met: no extra additions'
    END AS method
FROM marts.coefficients AS c
INNER JOIN reference.plan_actions AS a ON a.year = c.year AND a.indicator = c.indicator
LEFT JOIN section_needs AS n
    ON n.year = c.year AND n.county_code = c.county_code AND n.stage = c.stage
    AND n.indicator = c.indicator
LEFT JOIN needs.coefficients AS after
    ON after.year = c.year AND after.county_code = c.county_code AND after.stage = c.stage
    AND after.indicator = c.indicator
LEFT JOIN extra AS e
    ON e.year = c.year AND e.county_code = c.county_code AND e.stage = c.stage
    AND e.indicator = c.indicator
LEFT JOIN problems AS p
    ON p.year = c.year AND p.county_code = c.county_code AND p.stage = c.stage
    AND p.indicator = c.indicator
ORDER BY c.year, c.county_code, c.stage, c.indicator
