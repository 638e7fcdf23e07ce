-- 学校经费 | staging.finance of the scenario's schools (a plan adds no funds)
-- materialized: view
SELECT f.*
FROM staging.finance AS f
INNER JOIN scenario_input.schools AS s ON s.year = f.year AND s.school_id = f.school_id
