-- 学校学段资源配置指标 | One row per school and compulsory stage (section): school attributes, students, the share of the school's facilities, the seven resource indicators of DOMAIN.md §1, and whether the section is evaluated
-- year: 学年 | school year, by the autumn in which it starts
-- county_code: 区县代码 | 6-digit county code
-- county_name: 区县名称 | county name
-- school_id: 学校标识码 | 10-digit school identifier
-- school_name: 学校名称 | school name
-- school_type: 办学类型 | school type code
-- location: 城乡分类 | urban / town / rural
-- is_public: 是否公办 | public school
-- is_boarding: 是否寄宿制 | boarding school
-- built_year: 建成年份 | year the school was planned and built
-- stage: 学段 | primary or junior
-- students: 在校生数 | students of this section
-- classes: 班数 | classes of this section
-- oversized_classes: 超标准班额班数 | classes over the size limit
-- migrant_students: 随迁子女数 | children of migrant workers
-- weighted_students: 折算学生数 | students × the stage's split weight (1 : 1.1 : 1.32; complete middle 1 : 1.2)
-- resource_share: 资源拆分比例 | share of the school's facilities given to this section (weighted students / the school's weighted students)
-- evaluated: 是否参评 | the section enters the per-school rule and the CV
-- exclusion_reason: 不参评原因 | why the section is not evaluated (NULL when evaluated)
-- data_complete: 数据是否完整 | FALSE when an input row of this school was rejected or its facilities row is missing
-- incomplete_reason: 数据缺失说明 | what is missing or rejected
-- teachers: 专任教师数 | full-time teachers teaching this stage
-- qualified_teachers: 高于规定学历教师数 | teachers above the required qualification (primary: associate or higher; junior: bachelor or higher)
-- backbone_teachers: 县级及以上骨干教师数 | backbone teachers of county level or above
-- pe_art_teachers: 体育艺术专任教师数 | PE, music, fine-art and arts teachers
-- teaching_area_m2: 教学及辅助用房面积(拆分后) | this section's share of teaching and auxiliary rooms, indoor sports rooms treated per the setting
-- sports_area_m2: 体育运动场馆面积(拆分后) | this section's share of sports ground (and indoor sports rooms per the setting)
-- equipment_value_yuan: 教学仪器设备值(拆分后) | this section's share of equipment value, yuan
-- multimedia_classrooms: 网络多媒体教室数(拆分后) | this section's share of networked multimedia classrooms
-- qualified_teachers_per100: 每百名学生拥有高于规定学历教师数 | qualified teachers × 100 / students
-- backbone_teachers_per100: 每百名学生拥有县级及以上骨干教师数 | backbone teachers × 100 / students
-- pe_art_teachers_per100: 每百名学生拥有体育、艺术专任教师数 | PE and art teachers × 100 / students
-- teaching_area_per_student: 生均教学及辅助用房面积 | m² per student
-- sports_area_per_student: 生均体育运动场馆面积 | m² per student
-- equipment_value_per_student: 生均教学仪器设备值 | yuan per student
-- multimedia_rooms_per100: 每百名学生拥有网络多媒体教室数 | multimedia classrooms × 100 / students
WITH settings AS (
    SELECT
        year,
        any_value(value) FILTER (WHERE setting = 'indoor_sports_area') AS indoor_sports_area,
        any_value(value) FILTER (WHERE setting = 'teaching_point_min_students')::INTEGER
            AS teaching_point_min_students
    FROM reference.settings
    GROUP BY year
),

stages AS (
    SELECT
        e.*,
        s.school_type,
        e.students * coalesce(w.weight::DOUBLE, 1.0) AS weighted_students
    FROM staging.enrollment AS e
    INNER JOIN staging.schools AS s ON s.year = e.year AND s.school_id = e.school_id
    LEFT JOIN reference.split_weights AS w
        ON w.year = e.year AND w.school_type = s.school_type AND w.stage = e.stage
),

shares AS (
    SELECT
        *,
        weighted_students
        / nullif(sum(weighted_students) OVER (PARTITION BY year, school_id), 0) AS resource_share
    FROM stages
),

teacher_counts AS (
    -- One row per teacher: the codes that count come from reference.teacher_counts.
    SELECT
        t.year,
        t.school_id,
        t.stage,
        count(*) AS teachers,
        count(*) FILTER (WHERE q.code IS NOT NULL) AS qualified_teachers,
        count(*) FILTER (WHERE b.code IS NOT NULL) AS backbone_teachers,
        count(*) FILTER (WHERE p.code IS NOT NULL) AS pe_art_teachers
    FROM staging.teachers AS t
    LEFT JOIN reference.teacher_counts AS q
        ON q.year = t.year AND q.stage = t.stage AND q.code = t.education
        AND q.indicator = 'qualified_teachers_per100' AND q.code_set = 'education'
    LEFT JOIN reference.teacher_counts AS b
        ON b.year = t.year AND b.stage = t.stage AND b.code = t.backbone_level
        AND b.indicator = 'backbone_teachers_per100' AND b.code_set = 'backbone_level'
    LEFT JOIN reference.teacher_counts AS p
        ON p.year = t.year AND p.stage = t.stage AND p.code = t.subject_group
        AND p.indicator = 'pe_art_teachers_per100' AND p.code_set = 'subject'
    GROUP BY ALL
),

rejected_inputs AS (
    SELECT
        year,
        school_id,
        string_agg(DISTINCT file_kind || ' (' || file || ')', ', '
            ORDER BY file_kind || ' (' || file || ')') AS files
    FROM audit.rejected_rows
    -- Only the files the seven indicators are computed from.
    WHERE school_id IS NOT NULL AND file_kind IN ('enrollment', 'teachers', 'facilities')
    GROUP BY ALL
),

sections AS (
    SELECT
        sh.*,
        f.school_id IS NOT NULL AS has_facilities,
        f.teaching_aux_area_m2,
        f.indoor_sports_area_m2,
        f.sports_field_area_m2,
        f.equipment_value_yuan AS school_equipment_value_yuan,
        f.multimedia_classrooms AS school_multimedia_classrooms,
        st.evaluated AS type_evaluated,
        st.exclusion_reason AS type_exclusion_reason,
        cfg.indoor_sports_area,
        cfg.teaching_point_min_students,
        r.files AS rejected_files,
        coalesce(tc.teachers, 0) AS teachers,
        coalesce(tc.qualified_teachers, 0) AS qualified_teachers,
        coalesce(tc.backbone_teachers, 0) AS backbone_teachers,
        coalesce(tc.pe_art_teachers, 0) AS pe_art_teachers
    FROM shares AS sh
    INNER JOIN settings AS cfg ON cfg.year = sh.year
    LEFT JOIN reference.school_types AS st
        ON st.year = sh.year AND st.school_type = sh.school_type
    LEFT JOIN staging.facilities AS f ON f.year = sh.year AND f.school_id = sh.school_id
    LEFT JOIN teacher_counts AS tc
        ON tc.year = sh.year AND tc.school_id = sh.school_id AND tc.stage = sh.stage
    LEFT JOIN rejected_inputs AS r ON r.year = sh.year AND r.school_id = sh.school_id
    WHERE sh.stage IN ('primary', 'junior')
),

section_resources AS (
    SELECT
        *,
        CASE
            WHEN NOT type_evaluated::BOOLEAN THEN type_exclusion_reason
            WHEN students = 0 THEN 'no students in this stage'
            WHEN school_type = 'teaching_point' AND students < teaching_point_min_students
                THEN 'teaching point (教学点) with fewer than '
                || teaching_point_min_students || ' students'
        END AS exclusion_reason,
        concat_ws('; ',
            CASE WHEN NOT has_facilities THEN 'no facilities row for this school' END,
            CASE WHEN rejected_files IS NOT NULL THEN 'rejected rows in ' || rejected_files END
        ) AS incomplete_reason,
        (teaching_aux_area_m2
            - CASE WHEN indoor_sports_area = 'move_to_sports' THEN indoor_sports_area_m2 ELSE 0 END
        ) * resource_share AS teaching_area_m2,
        (sports_field_area_m2
            + CASE WHEN indoor_sports_area = 'move_to_sports' THEN indoor_sports_area_m2 ELSE 0 END
        ) * resource_share AS sports_area_m2,
        school_equipment_value_yuan * resource_share AS equipment_value_yuan,
        school_multimedia_classrooms * resource_share AS multimedia_classrooms
    FROM sections
)

SELECT
    r.year,
    s.county_code,
    s.county_name,
    r.school_id,
    s.school_name,
    r.school_type,
    s.location,
    s.is_public,
    s.is_boarding,
    s.built_year,
    r.stage,
    r.students,
    r.classes,
    r.oversized_classes,
    r.migrant_students,
    r.weighted_students,
    r.resource_share,
    r.exclusion_reason IS NULL AS evaluated,
    r.exclusion_reason,
    r.incomplete_reason = '' AS data_complete,
    nullif(r.incomplete_reason, '') AS incomplete_reason,
    r.teachers,
    r.qualified_teachers,
    r.backbone_teachers,
    r.pe_art_teachers,
    r.teaching_area_m2,
    r.sports_area_m2,
    r.equipment_value_yuan,
    r.multimedia_classrooms,
    r.qualified_teachers * 100.0 / nullif(r.students, 0) AS qualified_teachers_per100,
    r.backbone_teachers * 100.0 / nullif(r.students, 0) AS backbone_teachers_per100,
    r.pe_art_teachers * 100.0 / nullif(r.students, 0) AS pe_art_teachers_per100,
    r.teaching_area_m2 / nullif(r.students, 0) AS teaching_area_per_student,
    r.sports_area_m2 / nullif(r.students, 0) AS sports_area_per_student,
    r.equipment_value_yuan / nullif(r.students, 0) AS equipment_value_per_student,
    r.multimedia_classrooms * 100.0 / nullif(r.students, 0) AS multimedia_rooms_per100
FROM section_resources AS r
INNER JOIN staging.schools AS s ON s.year = r.year AND s.school_id = r.school_id
