-- 化解计划效果 | One row per county with a plan and evaluation item: the item's value and verdict now (marts.county_compliance) and with the year's plan applied (plan.county_compliance); the verdict after the plan is plan.county_verdict
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- county_name: 区县名称 | county name
-- part: 评估部分 | resources, guarantee, quality, recognition or veto
-- item: 指标 | item code (school_compliance, cv_primary, cv_junior, G1…G15, Q1…Q9, recognition, veto_…)
-- item_name: 指标名称 | the item in Chinese
-- actual_value: 现值 | the item's value now
-- actual_passed: 现状是否达标 | TRUE met, FALSE not met, NULL not judged
-- plan_value: 化解后值 | the item's value with the plan applied
-- plan_passed: 化解后是否达标 | the same, with the plan applied
-- changed: 是否变化 | the verdict of the item changes with the plan
-- sort_order: 排序 | the order of the items in a report
SELECT
    p.year,
    p.county_code,
    p.county_name,
    p.part,
    p.item,
    p.item_name,
    a.value AS actual_value,
    a.passed AS actual_passed,
    p.value AS plan_value,
    p.passed AS plan_passed,
    a.passed IS DISTINCT FROM p.passed AS changed,
    p.sort_order
FROM plan.county_compliance AS p
INNER JOIN marts.county_compliance AS a
    ON a.year = p.year AND a.county_code = p.county_code AND a.item = p.item
ORDER BY p.year, p.county_code, p.sort_order
