-- 需求满足时的增量 | The additions that meet every need of marts.remediation_needs, in the shape of a plan: each section's teachers, and each school's facilities once (the school addition, shared by its sections)
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- school_id: 学校标识码 | school identifier
-- stage: 学段 | the section a teacher addition is for; NULL for a school's facilities
-- action: 措施 | plan action (reference.plan_actions)
-- amount: 数量 | teachers, m², yuan or rooms added
-- area_m2: 面积 | floor area of added music or art rooms (NULL: the G3 standard)
SELECT
    n.year,
    n.county_code,
    n.school_id,
    CASE WHEN NOT n.shared THEN n.stage END AS stage,
    n.action,
    n.school_addition AS amount,
    NULL::DOUBLE AS area_m2
FROM (
    SELECT r.*, a.level = 'school' AS shared
    FROM marts.remediation_needs AS r
    INNER JOIN reference.plan_actions AS a ON a.year = r.year AND a.action = r.action
) AS n
WHERE n.school_addition > 0 AND (NOT n.shared OR n.sets_school_addition)
ORDER BY n.year, n.county_code, n.school_id, n.action
