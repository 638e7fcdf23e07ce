-- 化解计划增量 | The accepted rows of the year's plan (化解计划, staging.plan) as additions, with the county of each school: the plan scenario recomputes these counties with them applied
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- school_id: 学校标识码 | school identifier
-- stage: 学段 | the stage of teachers, classes and students; NULL for a school's facilities
-- action: 措施 | plan action (reference.plan_actions)
-- amount: 数量 | teachers, m², yuan, rooms or classes added; students moved in (negative: out)
-- area_m2: 面积 | floor area of added music or art rooms, from "area_m2=<m²>" in the note (NULL: the G3 standard)
SELECT
    p.year,
    s.county_code,
    p.school_id,
    p.stage,
    p.action,
    p.amount,
    TRY_CAST(nullif(regexp_extract(p.note, 'area_m2\s*=\s*([0-9.]+)', 1), '') AS DOUBLE)
        AS area_m2
FROM staging.plan AS p
INNER JOIN staging.schools AS s ON s.year = p.year AND s.school_id = p.school_id
ORDER BY p.year, s.county_code, p.school_id, p.action
