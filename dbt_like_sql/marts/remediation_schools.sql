-- 学校化解清单 | One row per school with something to remedy: G3 music and art rooms to add, G4 students over the size limit, G5 oversized classes and the classes to add, the teachers to hire, and the cost of bringing its sections to "complies" and to "all met" (DOMAIN.md §8)
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- school_id: 学校标识码 | school identifier
-- school_name: 学校名称 | school name
-- school_type: 办学类型 | school type code
-- music_rooms_to_add: 需增音乐教室 | G3: music rooms required (counting the classes G5 adds) − music rooms that count
-- art_rooms_to_add: 需增美术教室 | G3: fine-art rooms required (counting the classes G5 adds) − fine-art rooms that count
-- rooms_to_add: 需增专用教室 | G3: music + fine-art rooms to add
-- students_over_limit: 超规模学生数 | G4: compulsory students above the school's size limit
-- oversized_classes: 超标准班额班数 | G5: oversized classes (primary and junior)
-- primary_oversized_classes: 小学超标准班额班数 | G5: oversized primary classes
-- junior_oversized_classes: 初中超标准班额班数 | G5: oversized junior classes
-- primary_classes_to_add: 小学需增班数 | G5: ceil(primary students / 45) − primary classes, at least 0
-- junior_classes_to_add: 初中需增班数 | G5: ceil(junior students / 50) − junior classes, at least 0
-- classes_to_add: 需增班数 | G5: primary + junior classes to add (0 with oversized classes means the classes are unevenly filled: re-divide them)
-- teachers_to_add: 需补充教师 | teachers to hire to meet every teacher standard (a hire who counts for two indicators is counted twice)
-- teachers_to_add_to_complies: 达到基本要求需补充教师 | the same for the "complies" target
-- cost_to_complies_yuan: 达到基本要求费用 | cost of the section needs to "complies" (marts.remediation_needs) plus the G3 rooms
-- cost_to_all_met_yuan: 全部达标费用 | cost of the section needs to the standard plus the G3 rooms
WITH room_costs AS (
    SELECT
        year,
        any_value(cost_yuan::DOUBLE) FILTER (WHERE item = 'music_rooms') AS music_cost,
        any_value(cost_yuan::DOUBLE) FILTER (WHERE item = 'art_rooms') AS art_cost
    FROM reference.unit_costs
    GROUP BY year
),

-- G5: the classes the needs scenario adds (needs_input.additions says how many).
classes AS (
    SELECT
        year,
        school_id,
        sum(amount) FILTER (WHERE stage = 'primary')::INTEGER AS primary_classes_to_add,
        sum(amount) FILTER (WHERE stage = 'junior')::INTEGER AS junior_classes_to_add
    FROM needs_input.additions
    WHERE action = 'classes'
    GROUP BY ALL
),

-- G3 once those classes exist: one room of each kind per 12 classes of the larger school.
rooms AS (
    SELECT year, school_id, rooms_required, music_rooms_counted, art_rooms_counted, g3_met
    FROM needs.school_guarantee
),

needs AS (
    SELECT
        year,
        school_id,
        sum(cost_yuan) AS cost_all_met,
        sum(cost_to_complies_yuan) AS cost_complies,
        sum(shortfall) FILTER (WHERE unit = 'teachers') AS teachers,
        sum(school_addition_to_complies) FILTER (WHERE unit = 'teachers') AS teachers_to_complies
    FROM marts.remediation_needs
    GROUP BY ALL
),

schools AS (
    SELECT
        g.year,
        g.county_code,
        g.school_id,
        g.school_name,
        g.school_type,
        CASE WHEN g.g3_met IS NOT NULL
            THEN greatest(coalesce(rm.rooms_required, g.rooms_required) - g.music_rooms_counted, 0)
            ELSE 0
        END AS music_rooms_to_add,
        CASE WHEN g.g3_met IS NOT NULL
            THEN greatest(coalesce(rm.rooms_required, g.rooms_required) - g.art_rooms_counted, 0)
            ELSE 0
        END AS art_rooms_to_add,
        -- greatest() skips NULL: no size limit (a teaching point) gives 0.
        greatest(g.compulsory_students - g.size_limit, 0) AS students_over_limit,
        g.primary_oversized,
        g.junior_oversized,
        coalesce(c.primary_classes_to_add, 0) AS primary_classes_to_add,
        coalesce(c.junior_classes_to_add, 0) AS junior_classes_to_add,
        coalesce(n.teachers, 0) AS teachers_to_add,
        coalesce(n.teachers_to_complies, 0) AS teachers_to_add_to_complies,
        music_rooms_to_add * r.music_cost + art_rooms_to_add * r.art_cost AS rooms_cost,
        n.school_id IS NOT NULL AS has_section_needs,
        coalesce(n.cost_complies, 0) AS needs_cost_complies,
        coalesce(n.cost_all_met, 0) AS needs_cost_all_met
    FROM indicators.school_guarantee AS g
    INNER JOIN room_costs AS r ON r.year = g.year
    LEFT JOIN classes AS c ON c.year = g.year AND c.school_id = g.school_id
    LEFT JOIN rooms AS rm ON rm.year = g.year AND rm.school_id = g.school_id
    LEFT JOIN needs AS n ON n.year = g.year AND n.school_id = g.school_id
)

SELECT
    year,
    county_code,
    school_id,
    school_name,
    school_type,
    music_rooms_to_add,
    art_rooms_to_add,
    music_rooms_to_add + art_rooms_to_add AS rooms_to_add,
    students_over_limit,
    primary_oversized + junior_oversized AS oversized_classes,
    primary_oversized AS primary_oversized_classes,
    junior_oversized AS junior_oversized_classes,
    primary_classes_to_add,
    junior_classes_to_add,
    primary_classes_to_add + junior_classes_to_add AS classes_to_add,
    teachers_to_add,
    teachers_to_add_to_complies,
    needs_cost_complies + rooms_cost AS cost_to_complies_yuan,
    needs_cost_all_met + rooms_cost AS cost_to_all_met_yuan
FROM schools
WHERE has_section_needs OR music_rooms_to_add + art_rooms_to_add > 0 OR students_over_limit > 0
    OR primary_oversized + junior_oversized > 0
    OR primary_classes_to_add + junior_classes_to_add > 0
ORDER BY year, county_code, school_id
