-- 在校生 | staging.enrollment of the scenario's schools with students moved and classes added: k classes make a stage's oversized classes 0 if classes + k ≥ ceil(students / limit), else max(0, oversized − k); moved students keep classes, oversized classes and migrant pupils as they are (CONTRACT.md, plan)
-- materialized: view
WITH limits AS (
    SELECT
        year,
        any_value(value::INTEGER) FILTER (WHERE threshold = 'max_class_primary') AS max_primary,
        any_value(value::INTEGER) FILTER (WHERE threshold = 'max_class_junior') AS max_junior
    FROM reference.thresholds
    GROUP BY year
),

changes AS (
    SELECT
        year,
        school_id,
        stage,
        sum(amount) FILTER (WHERE action = 'students') AS students_moved,
        sum(amount) FILTER (WHERE action = 'classes') AS classes_added
    FROM scenario_input.additions
    WHERE action IN ('students', 'classes')
    GROUP BY ALL
),

changed AS (
    SELECT
        e.*,
        (e.students + coalesce(c.students_moved, 0))::INTEGER AS new_students,
        c.classes_added,
        CASE e.stage WHEN 'primary' THEN l.max_primary WHEN 'junior' THEN l.max_junior END
            AS max_class
    FROM staging.enrollment AS e
    INNER JOIN scenario_input.schools AS s ON s.year = e.year AND s.school_id = e.school_id
    INNER JOIN limits AS l ON l.year = e.year
    LEFT JOIN changes AS c ON c.year = e.year AND c.school_id = e.school_id AND c.stage = e.stage
)

SELECT
    * EXCLUDE (new_students, classes_added, max_class) REPLACE (
        new_students AS students,
        (classes + coalesce(classes_added, 0))::INTEGER AS classes,
        CASE
            WHEN classes_added IS NULL THEN oversized_classes
            WHEN classes + classes_added >= ceil(new_students / max_class) THEN 0
            ELSE greatest(oversized_classes - classes_added, 0)
        END::INTEGER AS oversized_classes
    )
FROM changed
