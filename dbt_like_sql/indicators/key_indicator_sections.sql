-- 关键指标学段明细 | One row per evaluated section, year and resource key indicator of DOMAIN.md §6 (reference.key_indicators): the section's resource (the numerator; facilities and funds as split by the §1 shares) and its denominator. indicators.key_indicators pools them per county; marts.monitoring_index names the sections behind a fall
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- school_id: 学校标识码 | school identifier
-- school_name: 学校名称 | school name
-- school_type: 办学类型 | school type code
-- stage: 学段 | primary or junior
-- indicator: 指标代码 | resource key indicator code
-- resource: 资源量 | the numerator in natural units (teachers, m², yuan, rooms), this section's share for facilities and funds; NULL when its input is missing (no facilities or finance row)
-- students: 在校生数 | students of the section
-- denominator: 分母 | the section's students, or its full-time teachers for an indicator whose denominator is teachers
-- value: 指标值 | resource × scale / denominator
-- data_complete: 数据是否完整 | FALSE when an input row of this school was rejected or its facilities row is missing
WITH teacher_counts AS (
    -- The three key indicators §1 does not count; which codes count is reference.teacher_counts.
    SELECT
        t.year,
        t.school_id,
        t.stage,
        count(m.code) AS mid_title_teachers,
        count(h.code) AS mental_health_teachers,
        count(d.code) AS higher_degree_teachers
    FROM staging.teachers AS t
    LEFT JOIN reference.teacher_counts AS m
        ON m.year = t.year AND m.stage = t.stage AND m.code = t.title
        AND m.indicator = 'mid_title_teachers_per100'
    LEFT JOIN reference.teacher_counts AS h
        ON h.year = t.year AND h.stage = t.stage AND h.code = t.subject_group
        AND h.indicator = 'mental_health_teachers_per1000'
    LEFT JOIN reference.teacher_counts AS d
        ON d.year = t.year AND d.stage = t.stage AND d.code = t.education
        AND d.indicator = 'higher_degree_teachers_pct'
    GROUP BY ALL
),

sections AS (
    SELECT
        s.*,
        coalesce(tc.mid_title_teachers, 0) AS mid_title_teachers,
        coalesce(tc.mental_health_teachers, 0) AS mental_health_teachers,
        coalesce(tc.higher_degree_teachers, 0) AS higher_degree_teachers,
        -- A school's funds are shared among its stages like its facilities (§1 shares).
        f.public_funds_allocated_yuan * s.resource_share AS public_funds_yuan
    FROM indicators.school_sections AS s
    LEFT JOIN teacher_counts AS tc
        ON tc.year = s.year AND tc.school_id = s.school_id AND tc.stage = s.stage
    LEFT JOIN staging.finance AS f ON f.year = s.year AND f.school_id = s.school_id
    WHERE s.evaluated
),

resources AS (
    SELECT
        s.year,
        s.county_code,
        s.school_id,
        s.school_name,
        s.school_type,
        s.stage,
        k.indicator,
        k.sort_order,
        k.scale::DOUBLE AS scale,
        CASE k.indicator
            WHEN 'qualified_teachers_per100' THEN s.qualified_teachers
            WHEN 'backbone_teachers_per100' THEN s.backbone_teachers
            WHEN 'pe_art_teachers_per100' THEN s.pe_art_teachers
            WHEN 'teaching_area_per_student' THEN s.teaching_area_m2
            WHEN 'sports_area_per_student' THEN s.sports_area_m2
            WHEN 'equipment_value_per_student' THEN s.equipment_value_yuan
            WHEN 'multimedia_rooms_per100' THEN s.multimedia_classrooms
            WHEN 'mid_title_teachers_per100' THEN s.mid_title_teachers
            WHEN 'mental_health_teachers_per1000' THEN s.mental_health_teachers
            WHEN 'higher_degree_teachers_pct' THEN s.higher_degree_teachers
            WHEN 'public_funds_per_student' THEN s.public_funds_yuan
        END::DOUBLE AS resource,
        s.students,
        CASE k.denominator WHEN 'teachers' THEN s.teachers ELSE s.students END AS denominator,
        s.data_complete
    FROM sections AS s
    INNER JOIN reference.key_indicators AS k ON k.year = s.year AND k.kind = 'resource'
)

SELECT
    year,
    county_code,
    school_id,
    school_name,
    school_type,
    stage,
    indicator,
    resource,
    students,
    denominator,
    resource * scale / nullif(denominator, 0) AS value,
    data_complete
FROM resources
ORDER BY year, county_code, school_id, stage, sort_order
