-- 学校政府保障指标 | One row per school with compulsory students: the school-by-school checks of the government-guarantee and quality items (G3 music and art rooms, G4 school size, G5 class size, G6 small schools, G7 special schools, G9 training hours, G12 certificates, Q4 training funds); NULL where the input is missing
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- school_id: 学校标识码 | school identifier
-- school_name: 学校名称 | school name
-- school_type: 办学类型 | school type code
-- location: 城乡分类 | urban / town / rural
-- built_year: 建成年份 | year planned and built
-- compulsory_students: 义务教育在校生数 | primary + junior students
-- migrant_share_pct: 随迁子女占比 | migrant children / compulsory students, %
-- primary_classes: 小学班数 | primary classes
-- primary_oversized: 小学超标准班额班数 | primary classes over 45
-- junior_classes: 初中班数 | junior classes
-- junior_oversized: 初中超标准班额班数 | junior classes over 50
-- rooms_required: 音美教室应配数 | rooms of each kind required: ceil(compulsory classes / 12), at least 1 (setting rooms_under_12_classes)
-- music_floor_m2: 音乐教室面积下限 | 96 m², 73 m² for schools built in or before 2016
-- art_floor_m2: 美术教室面积下限 | 90 m², 67 m² for schools built in or before 2016
-- music_rooms: 音乐教室数 | music rooms reported
-- music_rooms_counted: 达标音乐教室数 | music rooms at or above the floor
-- art_rooms: 美术教室数 | fine-art rooms reported
-- art_rooms_counted: 达标美术教室数 | fine-art rooms at or above the floor
-- g3_met: 音美教室达标 | both kinds have the required rooms (NULL: not applicable or no rooms file)
-- size_limit: 校额上限 | 2000 single stage, 2500 nine/twelve-year; 2400 / 3000 for schools built by 2010 or with > 50 % migrant children
-- size_exception: 校额例外 | the 2400 / 3000 limits apply
-- g4_met: 校额达标 | compulsory students ≤ size_limit
-- g5_met: 班额达标 | no oversized class
-- g6_applies: 不足100人学校 | village primary school or teaching point with fewer than 100 students
-- funds_required_yuan: 应核定公用经费 | 100 × per-student standard
-- public_funds_allocated_yuan: 公用经费核定数 | public funds allocated
-- g6_met: 按100人核定 | allocated ≥ 100 × per-student standard
-- funds_per_student_yuan: 生均公用经费 | allocated / compulsory students (special schools)
-- g7_met: 特教学校生均≥6000 | special school allocated per student ≥ 6000
-- teachers: 专任教师数 | full-time teachers of primary and junior stages
-- teachers_under_training_hours: 培训学时不足教师数 | teachers with fewer than 360 hours in 5 years
-- teachers_uncertified: 无教师资格证教师数 | teachers without a certificate
-- training_funds_pct: 培训经费占比 | training funds / public-funds budget, %
-- q4_met: 培训经费≥5% | training funds ≥ 5 % of the public-funds budget
WITH settings AS (
    SELECT
        year,
        any_value(value) FILTER (WHERE setting = 'rooms_under_12_classes') AS small_rooms,
        any_value(value) FILTER (WHERE setting = 'comparison_decimals')::INTEGER AS decimals
    FROM reference.settings
    GROUP BY year
),

limits AS (
    SELECT
        year,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'music_room_m2') AS music_m2,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'art_room_m2') AS art_m2,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'old_music_room_m2') AS old_music_m2,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'old_art_room_m2') AS old_art_m2,
        any_value(value::INTEGER) FILTER (WHERE threshold = 'old_rooms_built_by') AS old_rooms_by,
        any_value(value::INTEGER) FILTER (WHERE threshold = 'classes_per_room') AS per_room,
        any_value(value::INTEGER) FILTER (WHERE threshold = 'max_students_single') AS max_single,
        any_value(value::INTEGER) FILTER (WHERE threshold = 'max_students_integrated')
            AS max_integrated,
        any_value(value::INTEGER) FILTER (WHERE threshold = 'max_students_single_exception')
            AS max_single_exception,
        any_value(value::INTEGER) FILTER (WHERE threshold = 'max_students_integrated_exception')
            AS max_integrated_exception,
        any_value(value::INTEGER) FILTER (WHERE threshold = 'exception_built_by') AS exception_by,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'exception_migrant_share_pct')
            AS exception_migrant_pct,
        any_value(value::INTEGER) FILTER (WHERE threshold = 'small_school_students') AS small_size,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'special_funds_per_student')
            AS special_funds,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'training_hours') AS training_hours,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'training_funds_pct')
            AS min_training_funds_pct
    FROM reference.thresholds
    GROUP BY year
),

loaded AS (
    SELECT
        year,
        bool_or(file_kind = 'rooms' AND status = 'loaded') AS has_rooms,
        bool_or(file_kind = 'finance' AND status = 'loaded') AS has_finance
    FROM audit.source_files
    GROUP BY year
),

enrolled AS (
    SELECT
        year,
        school_id,
        sum(students) FILTER (WHERE stage IN ('primary', 'junior')) AS compulsory_students,
        sum(migrant_students) FILTER (WHERE stage IN ('primary', 'junior')) AS migrants,
        coalesce(sum(classes) FILTER (WHERE stage = 'primary'), 0) AS primary_classes,
        coalesce(sum(oversized_classes) FILTER (WHERE stage = 'primary'), 0) AS primary_oversized,
        coalesce(sum(classes) FILTER (WHERE stage = 'junior'), 0) AS junior_classes,
        coalesce(sum(oversized_classes) FILTER (WHERE stage = 'junior'), 0) AS junior_oversized
    FROM staging.enrollment
    GROUP BY ALL
    HAVING compulsory_students IS NOT NULL
),

room_counts AS (
    SELECT
        r.year,
        r.school_id,
        count(*) FILTER (WHERE r.room_type = 'music') AS music_rooms,
        count(*) FILTER (WHERE r.room_type = 'art') AS art_rooms,
        count(*) FILTER (WHERE r.room_type = 'music' AND r.area_m2 >= CASE
            WHEN s.built_year <= l.old_rooms_by THEN l.old_music_m2 ELSE l.music_m2 END)
            AS music_rooms_counted,
        count(*) FILTER (WHERE r.room_type = 'art' AND r.area_m2 >= CASE
            WHEN s.built_year <= l.old_rooms_by THEN l.old_art_m2 ELSE l.art_m2 END)
            AS art_rooms_counted
    FROM staging.rooms AS r
    INNER JOIN staging.schools AS s ON s.year = r.year AND s.school_id = r.school_id
    INNER JOIN limits AS l ON l.year = r.year
    GROUP BY ALL
),

teacher_counts AS (
    SELECT
        t.year,
        t.school_id,
        -- count(teacher_id): a teacher added by a plan has no id and is no teacher of G9/G12.
        count(t.teacher_id) AS teachers,
        count(*) FILTER (WHERE t.training_hours_5y < l.training_hours)
            AS teachers_under_training_hours,
        count(*) FILTER (WHERE NOT t.certified) AS teachers_uncertified
    FROM staging.teachers AS t
    INNER JOIN limits AS l ON l.year = t.year
    WHERE t.stage IN ('primary', 'junior')
    GROUP BY ALL
),

schools AS (
    SELECT
        s.year,
        s.county_code,
        s.school_id,
        s.school_name,
        s.school_type,
        s.location,
        s.built_year,
        e.compulsory_students,
        e.migrants * 100.0 / nullif(e.compulsory_students, 0) AS migrant_share_pct,
        e.primary_classes,
        e.primary_oversized,
        e.junior_classes,
        e.junior_oversized,
        s.school_type IN ('primary', 'junior', 'nine_year', 'twelve_year', 'complete_middle')
            AS is_school,
        s.school_type IN ('nine_year', 'twelve_year') AS is_integrated,
        (s.school_type = 'teaching_point' OR (s.school_type = 'primary' AND s.location = 'rural'))
        AND e.compulsory_students < l.small_size AS g6_applies,
        l.*,
        cfg.small_rooms,
        cfg.decimals,
        ld.has_rooms,
        ld.has_finance,
        rc.music_rooms,
        rc.art_rooms,
        rc.music_rooms_counted,
        rc.art_rooms_counted,
        f.public_funds_budget_yuan,
        f.public_funds_allocated_yuan,
        f.per_student_standard_yuan,
        f.training_funds_yuan,
        tc.teachers,
        tc.teachers_under_training_hours,
        tc.teachers_uncertified
    FROM staging.schools AS s
    INNER JOIN enrolled AS e ON e.year = s.year AND e.school_id = s.school_id
    INNER JOIN limits AS l ON l.year = s.year
    INNER JOIN settings AS cfg ON cfg.year = s.year
    INNER JOIN loaded AS ld ON ld.year = s.year
    LEFT JOIN room_counts AS rc ON rc.year = s.year AND rc.school_id = s.school_id
    LEFT JOIN staging.finance AS f ON f.year = s.year AND f.school_id = s.school_id
    LEFT JOIN teacher_counts AS tc ON tc.year = s.year AND tc.school_id = s.school_id
),

sized AS (
    SELECT
        *,
        primary_classes + junior_classes AS compulsory_classes,
        CASE
            WHEN small_rooms = 'none' AND primary_classes + junior_classes < per_room THEN 0
            ELSE greatest(1, ceil((primary_classes + junior_classes) / per_room))::INTEGER
        END AS rooms_required,
        CASE WHEN built_year <= old_rooms_by THEN old_music_m2 ELSE music_m2 END AS music_floor_m2,
        CASE WHEN built_year <= old_rooms_by THEN old_art_m2 ELSE art_m2 END AS art_floor_m2,
        built_year <= exception_by OR migrant_share_pct > exception_migrant_pct AS size_exception
    FROM schools
)

SELECT
    year,
    county_code,
    school_id,
    school_name,
    school_type,
    location,
    built_year,
    compulsory_students,
    migrant_share_pct,
    primary_classes,
    primary_oversized,
    junior_classes,
    junior_oversized,
    CASE WHEN is_school THEN rooms_required END AS rooms_required,
    music_floor_m2,
    art_floor_m2,
    coalesce(music_rooms, 0) AS music_rooms,
    coalesce(music_rooms_counted, 0) AS music_rooms_counted,
    coalesce(art_rooms, 0) AS art_rooms,
    coalesce(art_rooms_counted, 0) AS art_rooms_counted,
    CASE
        WHEN is_school AND has_rooms THEN coalesce(music_rooms_counted, 0) >= rooms_required
            AND coalesce(art_rooms_counted, 0) >= rooms_required
    END AS g3_met,
    CASE WHEN is_school THEN
        CASE
            WHEN is_integrated AND size_exception THEN max_integrated_exception
            WHEN is_integrated THEN max_integrated
            WHEN size_exception THEN max_single_exception
            ELSE max_single
        END
    END AS size_limit,
    CASE WHEN is_school THEN size_exception END AS size_exception,
    CASE WHEN is_school THEN compulsory_students <= size_limit END AS g4_met,
    primary_oversized + junior_oversized = 0 AS g5_met,
    g6_applies,
    CASE WHEN g6_applies THEN small_size * per_student_standard_yuan END AS funds_required_yuan,
    public_funds_allocated_yuan,
    CASE
        WHEN g6_applies AND has_finance
            THEN coalesce(public_funds_allocated_yuan >= funds_required_yuan, FALSE)
    END AS g6_met,
    CASE
        WHEN school_type = 'special'
            THEN public_funds_allocated_yuan / nullif(compulsory_students, 0)
    END AS funds_per_student_yuan,
    CASE
        WHEN school_type = 'special' AND has_finance
            THEN coalesce(funds_per_student_yuan >= special_funds, FALSE)
    END AS g7_met,
    coalesce(teachers, 0) AS teachers,
    coalesce(teachers_under_training_hours, 0) AS teachers_under_training_hours,
    coalesce(teachers_uncertified, 0) AS teachers_uncertified,
    training_funds_yuan * 100.0 / nullif(public_funds_budget_yuan, 0) AS training_funds_pct,
    CASE
        WHEN has_finance THEN coalesce(
            round(training_funds_pct * pow(10, decimals)) / pow(10, decimals)
            >= min_training_funds_pct, FALSE)
    END AS q4_met
FROM sized
ORDER BY year, county_code, school_id
