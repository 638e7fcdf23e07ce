-- 办学条件 | staging.facilities of the scenario's schools with their facilities added (school level: the split of DOMAIN.md §1 shares them among the school's sections)
-- materialized: view
WITH added AS (
    SELECT
        year,
        school_id,
        coalesce(sum(amount) FILTER (WHERE action = 'teaching_area_m2'), 0) AS teaching,
        coalesce(sum(amount) FILTER (WHERE action = 'sports_area_m2'), 0) AS sports,
        coalesce(sum(amount) FILTER (WHERE action = 'equipment_yuan'), 0) AS equipment,
        coalesce(sum(amount) FILTER (WHERE action = 'multimedia_rooms'), 0) AS multimedia
    FROM scenario_input.additions
    GROUP BY ALL
)

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
