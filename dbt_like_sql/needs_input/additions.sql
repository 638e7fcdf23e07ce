-- 需求满足时的增量 | The additions that meet every need, in the shape of a plan: each section's teachers and each school's facilities (once per school: the school addition, shared by its sections) of marts.remediation_needs, and the classes G5 adds to each stage with oversized classes (ceil(students / 45 or 50) − classes, at least 0; 0 means the classes are enough but unevenly filled: re-divide them)
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- school_id: 学校标识码 | school identifier
-- stage: 学段 | the section of a teacher or class addition; NULL for a school's facilities
-- action: 措施 | plan action (reference.plan_actions)
-- amount: 数量 | teachers, m², yuan, rooms or classes added
-- area_m2: 面积 | floor area of added music or art rooms (NULL: the G3 standard)
WITH limits AS (
    SELECT
        year,
        any_value(value::INTEGER) FILTER (WHERE threshold = 'max_class_primary') AS max_primary,
        any_value(value::INTEGER) FILTER (WHERE threshold = 'max_class_junior') AS max_junior
    FROM reference.thresholds
    GROUP BY year
),

needs AS (
    SELECT r.*, a.level = 'school' AS shared
    FROM marts.remediation_needs AS r
    INNER JOIN reference.plan_actions AS a ON a.year = r.year AND a.action = r.action
),

classes AS (
    SELECT
        s.year,
        s.county_code,
        s.school_id,
        s.stage,
        greatest(ceil(s.students / CASE s.stage WHEN 'primary' THEN l.max_primary
            ELSE l.max_junior END) - s.classes, 0) AS classes_to_add,
        s.oversized_classes
    FROM indicators.school_sections AS s
    INNER JOIN limits AS l ON l.year = s.year
)

SELECT
    year,
    county_code,
    school_id,
    CASE WHEN NOT shared THEN stage END AS stage,
    action,
    school_addition AS amount,
    NULL::DOUBLE AS area_m2
FROM needs
WHERE school_addition > 0 AND (NOT shared OR sets_school_addition)

UNION ALL

SELECT year, county_code, school_id, stage, 'classes', classes_to_add, NULL
FROM classes
WHERE classes_to_add > 0 OR oversized_classes > 0
ORDER BY year, county_code, school_id, action, stage
