-- 学校名录 | staging.schools of the counties the scenario covers (those with additions)
-- materialized: view
SELECT s.*
FROM staging.schools AS s
WHERE EXISTS (
    SELECT 1
    FROM scenario_input.additions AS a
    WHERE a.year = s.year AND a.county_code = s.county_code
)
