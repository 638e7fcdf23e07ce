-- 专任教师 | staging.teachers of the scenario's schools, and one row per teacher added: a planned hire has only the code that makes it count for the indicator its action names (reference.teacher_counts), and no id, certificate, training hours or rotation, so it is no teacher of G9, G11 or G12
-- materialized: view
WITH counting AS (
    SELECT year, indicator, stage, code_set, min(code) AS code
    FROM reference.teacher_counts
    GROUP BY ALL
),

hires AS (
    SELECT
        a.year,
        a.school_id,
        a.stage,
        p.indicator,
        generate_series(1, a.amount::BIGINT) AS hire
    FROM scenario_input.additions AS a
    INNER JOIN reference.plan_actions AS p ON p.year = a.year AND p.action = a.action
    WHERE p.unit = 'teachers'
)

SELECT t.*
FROM staging.teachers AS t
INNER JOIN scenario_input.schools AS s ON s.year = t.year AND s.school_id = t.school_id

UNION ALL BY NAME

SELECT
    h.year,
    h.school_id,
    h.stage,
    CASE WHEN c.code_set = 'education' THEN c.code END AS education,
    CASE WHEN c.code_set = 'backbone_level' THEN c.code END AS backbone_level,
    CASE WHEN c.code_set = 'subject' THEN c.code END AS subject_group
FROM (SELECT year, school_id, stage, indicator, unnest(hire) FROM hires) AS h
INNER JOIN counting AS c ON c.year = h.year AND c.indicator = h.indicator AND c.stage = h.stage
