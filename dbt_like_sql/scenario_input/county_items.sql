-- 县级指标 | staging.county_items of the scenario's counties (a plan changes no county item)
-- materialized: view
SELECT c.*
FROM staging.county_items AS c
WHERE EXISTS (
    SELECT 1
    FROM scenario_input.additions AS a
    WHERE a.year = c.year AND a.county_code = c.county_code
)
