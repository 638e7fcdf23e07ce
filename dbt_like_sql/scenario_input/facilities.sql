-- 办学条件 | staging.facilities of the scenario's schools with their facilities added (school level: the split of DOMAIN.md §1 shares them among the school's sections)
-- materialized: view
WITH added AS (
    SELECT
        year,
        school_id,
        sum(amount) FILTER (WHERE action = 'teaching_area_m2') AS teaching,
        sum(amount) FILTER (WHERE action = 'sports_area_m2') AS sports,
        sum(amount) FILTER (WHERE action = 'equipment_yuan') AS equipment,
        sum(amount) FILTER (WHERE action = 'multimedia_rooms') AS multimedia
    FROM scenario_input.additions
    GROUP BY ALL
)

-- A school without an addition of a kind has NULL for it (or no row): it adds 0.
SELECT
    f.* REPLACE (
        f.teaching_aux_area_m2 + coalesce(a.teaching, 0) AS teaching_aux_area_m2,
        f.sports_field_area_m2 + coalesce(a.sports, 0) AS sports_field_area_m2,
        f.equipment_value_yuan + coalesce(a.equipment, 0) AS equipment_value_yuan,
        (f.multimedia_classrooms + coalesce(a.multimedia, 0))::INTEGER AS multimedia_classrooms
    )
FROM staging.facilities AS f
INNER JOIN scenario_input.schools AS s ON s.year = f.year AND s.school_id = f.school_id
LEFT JOIN added AS a ON a.year = f.year AND a.school_id = f.school_id
