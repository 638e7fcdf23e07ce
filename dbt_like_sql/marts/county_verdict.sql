-- 县域评估结论 | One row per county and year: recognised (达标) only when every evaluated section complies, every CV passes, all 15 guarantee and 9 quality items pass, recognition ≥ 85 % and no veto; incomplete when an input is missing or rejected; otherwise not_recognised, with the failed items
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- county_name: 区县名称 | county name
-- verdict: 结论 | recognised, not_recognised or incomplete
-- items: 评估项数 | items judged or not (34: 3 resources, 15 guarantee, 9 quality, 1 recognition, 6 veto)
-- items_passed: 达标项数 | items met
-- failed_items: 未达标项 | codes of the items not met
-- incomplete_items: 未判定项 | codes of the items not judged because an input is missing or rejected
-- summary: 说明 | the verdict in one sentence, naming the items in words (item_name of marts.county_compliance)
WITH items AS (
    SELECT
        year,
        county_code,
        any_value(county_name) AS county_name,
        count(*) AS items,
        count(*) FILTER (WHERE passed) AS items_passed,
        string_agg(item, ', ' ORDER BY sort_order) FILTER (WHERE passed = FALSE) AS failed_items,
        string_agg(item, ', ' ORDER BY sort_order) FILTER (WHERE passed IS NULL)
            AS incomplete_items,
        -- The same items in words for the summary: item names contain 、, so they are set off by ；
        string_agg(item_name, '；' ORDER BY sort_order) FILTER (WHERE passed = FALSE) AS failed_names,
        string_agg(item_name, '；' ORDER BY sort_order) FILTER (WHERE passed IS NULL)
            AS incomplete_names
    FROM marts.county_compliance
    GROUP BY ALL
)

SELECT
    year,
    county_code,
    county_name,
    CASE
        WHEN incomplete_items IS NOT NULL THEN 'incomplete'
        WHEN failed_items IS NOT NULL THEN 'not_recognised'
        ELSE 'recognised'
    END AS verdict,
    items,
    items_passed,
    failed_items,
    incomplete_items,
    CASE verdict
        WHEN 'recognised' THEN printf('达标: %d 项全部达标', items)
        WHEN 'not_recognised' THEN printf('未达标: %d / %d 项达标; 未达标项: %s', items_passed, items,
            failed_names)
        ELSE printf('数据不完整, 未作结论: 未判定项 %s', incomplete_names)
            || coalesce('; 已知未达标项: ' || failed_names, '')
    END AS summary
FROM items
ORDER BY year, county_code
