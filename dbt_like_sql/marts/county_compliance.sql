-- 县域评估指标达标情况 | One row per county, year and evaluation item: resources (school compliance, CVs), the 15 government-guarantee items G1–G15, the 9 quality items Q1–Q9, social recognition and the 6 veto items, with the value, threshold, verdict and the figures behind it
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- county_name: 区县名称 | county name
-- part: 评估部分 | resources, guarantee, quality, recognition or veto
-- item: 指标 | school_compliance, cv_primary, cv_junior, G1…G15, Q1…Q9, recognition, veto_…
-- item_name: 指标名称 | the item in Chinese
-- value: 值 | the county's figure (a percent, an amount, or 1/0 for yes/no)
-- threshold: 标准 | what the figure is compared with
-- passed: 是否达标 | TRUE met, FALSE not met, NULL not judged because an input is missing or rejected
-- detail: 说明 | the numbers used, in a form that can be pasted into a report, or what is missing
-- sort_order: 排序 | the order of the items in a report
WITH settings AS (
    SELECT
        year,
        any_value(value) FILTER (WHERE setting = 'retention_formula') AS retention_formula
    FROM reference.settings
    GROUP BY year
),

limits AS (
    SELECT
        year,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'rotation_pct') AS min_rotation_pct,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'rotation_backbone_pct')
            AS min_rotation_backbone_pct,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'training_hours') AS min_training_hours,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'nearby_primary_pct') AS min_nearby_primary,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'nearby_junior_pct') AS min_nearby_junior,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'hs_quota_pct') AS min_hs_quota,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'migrant_public_pct') AS min_migrant_public,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'retention_pct') AS min_retention,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'disabled_enrolment_pct') AS min_disabled,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'training_funds_pct') AS min_training_funds,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'monitoring_difference_rate')
            AS max_difference_rate,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'social_recognition_pct')
            AS min_recognition,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'special_funds_per_student')
            AS min_special_funds
    FROM reference.thresholds
    GROUP BY year
),

counties AS (
    SELECT year, county_code, any_value(county_name) AS county_name
    FROM staging.schools
    GROUP BY ALL
),

-- Rows rejected per county and file: an item computed from a file with rejected rows is not judged.
rejected AS (
    -- A row's county is its school's: the accepted school's, else the one the school's own
    -- rejected schools row gives (every row of a rejected school is rejected with it). Only
    -- rows of school files are counted below.
    SELECT
        r.year,
        coalesce(s.county_code, rs.county_code) AS county_code,
        r.file_kind,
        count(DISTINCT r.row_number) AS rows
    FROM audit.rejected_rows AS r
    LEFT JOIN staging.schools AS s ON s.year = r.year AND s.school_id = r.school_id
    LEFT JOIN (
        SELECT year, school_id, any_value(county_code) AS county_code  -- any_value skips NULLs
        FROM audit.rejected_rows
        WHERE file_kind = 'schools'
        GROUP BY year, school_id
    ) AS rs ON rs.year = r.year AND rs.school_id = r.school_id
    GROUP BY ALL
),

rejected_by_county AS (
    SELECT
        c.year,
        c.county_code,
        coalesce(sum(r.rows) FILTER (WHERE r.file_kind IN ('schools', 'enrollment')), 0)
            AS enrollment_rows,
        coalesce(sum(r.rows) FILTER (WHERE r.file_kind IN ('schools', 'enrollment', 'rooms')), 0)
            AS rooms_rows,
        coalesce(sum(r.rows) FILTER (WHERE r.file_kind IN ('schools', 'enrollment', 'finance')),
            0) AS finance_rows,
        coalesce(sum(r.rows) FILTER (WHERE r.file_kind IN ('schools', 'teachers')), 0)
            AS teacher_rows
    FROM counties AS c
    LEFT JOIN rejected AS r ON r.year = c.year AND r.county_code = c.county_code
    GROUP BY ALL
),

loaded AS (
    SELECT
        year,
        bool_or(file_kind = 'rooms' AND status = 'loaded') AS has_rooms,
        bool_or(file_kind = 'finance' AND status = 'loaded') AS has_finance
    FROM audit.source_files
    GROUP BY year
),

figures AS (
    SELECT
        year,
        county_code,
        any_value(value_number) FILTER (WHERE item = 'teacher_avg_salary') AS teacher_salary,
        any_value(value_number) FILTER (WHERE item = 'civil_servant_avg_salary') AS civil_salary,
        any_value(value_number) FILTER (WHERE item = 'nearby_enrollment_primary_pct')
            AS nearby_primary,
        any_value(value_number) FILTER (WHERE item = 'nearby_enrollment_junior_pct')
            AS nearby_junior,
        any_value(value_number) FILTER (WHERE item = 'social_recognition_pct') AS recognition,
        any_value(value_number) FILTER (WHERE item = 'hs_quota_total') AS quota_total,
        any_value(value_number) FILTER (WHERE item = 'hs_quota_allocated') AS quota_allocated,
        any_value(value_number) FILTER (WHERE item = 'hs_quota_rural') AS quota_rural,
        any_value(value_number) FILTER (WHERE item = 'migrant_eligible') AS migrant_eligible,
        any_value(value_number) FILTER (WHERE item = 'migrant_in_public') AS migrant_in_public,
        any_value(value_number) FILTER (WHERE item = 'disabled_children') AS disabled_children,
        any_value(value_number) FILTER (WHERE item = 'disabled_enrolled') AS disabled_enrolled,
        any_value(value_number) FILTER (WHERE item = 'junior_entrants') AS entrants,
        any_value(value_number) FILTER (WHERE item = 'junior_transfers_in') AS transfers_in,
        any_value(value_number) FILTER (WHERE item = 'junior_resumed') AS resumed,
        any_value(value_number) FILTER (WHERE item = 'junior_transfers_out') AS transfers_out,
        any_value(value_number) FILTER (WHERE item = 'junior_suspended') AS suspended,
        any_value(value_number) FILTER (WHERE item = 'junior_deaths') AS deaths,
        any_value(value_number) FILTER (WHERE item = 'junior_graduates') AS graduates,
        any_value(value_number) FILTER (WHERE item = 'monitoring_difference_rate')
            AS difference_rate,
        any_value(value_yes) FILTER (WHERE item = 'care_system') AS care_system,
        any_value(note) FILTER (WHERE item = 'care_system') AS care_note,
        any_value(value_yes) FILTER (WHERE item = 'monitoring_level3') AS level3,
        any_value(note) FILTER (WHERE item = 'monitoring_level3') AS level3_note
    FROM staging.county_items
    GROUP BY ALL
),

-- The shares of county figures, each computed once. A share whose denominator is 0 concerns
-- nobody (no high-school quota, no migrant children eligible, no disabled children): it is NULL,
-- and its item is met when the numerator is given (README, "A share of nobody").
county AS (
    SELECT c.*, f.* EXCLUDE (year, county_code), l.*  EXCLUDE (year), cfg.retention_formula,
           ld.has_rooms, ld.has_finance, rj.* EXCLUDE (year, county_code),
           f.quota_allocated * 100.0 / nullif(f.quota_total, 0) AS quota_pct,
           f.quota_rural * 100.0 / nullif(f.quota_allocated, 0) AS quota_rural_pct,
           f.migrant_in_public * 100.0 / nullif(f.migrant_eligible, 0) AS migrant_pct,
           f.disabled_enrolled * 100.0 / nullif(f.disabled_children, 0) AS disabled_pct
    FROM counties AS c
    INNER JOIN limits AS l ON l.year = c.year
    INNER JOIN settings AS cfg ON cfg.year = c.year
    INNER JOIN loaded AS ld ON ld.year = c.year
    INNER JOIN rejected_by_county AS rj ON rj.year = c.year AND rj.county_code = c.county_code
    LEFT JOIN figures AS f ON f.year = c.year AND f.county_code = c.county_code
),

-- Yes/no items: a county item answered 是 (or 否 for the vetoes), with its note as evidence.
yes_no_items (part, item, item_name, county_item, required) AS (
    VALUES
        ('guarantee', 'G1', '规划布局合理', 'layout_planned', TRUE),
        ('guarantee', 'G2', '城乡四统一', 'four_unified', TRUE),
        ('guarantee', 'G10', '县级统筹分配编制', 'staffing_allocated', TRUE),
        ('quality', 'Q3', '学校章程与管理信息化', 'charters_informatised', TRUE),
        ('quality', 'Q5', '信息化教学与设备利用', 'it_in_teaching', TRUE),
        ('quality', 'Q6', '德育与校园文化良好以上', 'moral_education_good', TRUE),
        ('quality', 'Q7', '课程开齐开足', 'curriculum_complete', TRUE),
        ('quality', 'Q8', '无过重课业负担', 'no_excess_burden', TRUE),
        ('veto', 'veto_exam_admission', '以考试方式招生', 'veto_exam_admission', FALSE),
        ('veto', 'veto_school_choice', '违规择校', 'veto_school_choice', FALSE),
        ('veto', 'veto_key_schools', '重点学校或重点班', 'veto_key_schools', FALSE),
        ('veto', 'veto_unfilled_posts', '有编不补或长期聘用编外教师', 'veto_unfilled_posts', FALSE),
        ('veto', 'veto_major_incident', '重大安全责任事故或严重违纪违规', 'veto_major_incident',
         FALSE),
        ('veto', 'veto_falsification', '弄虚作假', 'veto_falsification', FALSE)
),

yes_no_rows AS (
    SELECT
        c.year,
        c.county_code,
        y.part,
        y.item,
        y.item_name,
        ci.value_yes::INTEGER::DOUBLE AS value,
        y.required::INTEGER::DOUBLE AS threshold,
        ci.value_yes = y.required AS passed,
        CASE
            WHEN ci.value_yes IS NULL THEN 'missing or rejected: county item ' || y.county_item
            ELSE CASE WHEN ci.value_yes THEN '是' ELSE '否' END
                || coalesce('; ' || nullif(ci.note, ''), '')
        END AS detail
    FROM counties AS c
    CROSS JOIN yes_no_items AS y
    LEFT JOIN staging.county_items AS ci
        ON ci.year = c.year AND ci.county_code = c.county_code AND ci.item = y.county_item
),

-- School-by-school items, aggregated per county; failing schools are named.
school_items AS (
    SELECT
        year,
        county_code,
        count(*) FILTER (WHERE g3_met) AS g3_ok,
        count(*) FILTER (WHERE rooms_required IS NOT NULL) AS g3_applicable,
        string_agg(school_name || '(音乐 ' || music_rooms_counted || '/' || rooms_required
            || ', 美术 ' || art_rooms_counted || '/' || rooms_required || ')', '、'
            ORDER BY school_id) FILTER (WHERE NOT g3_met) AS g3_failing,
        count(*) FILTER (WHERE g4_met IS NOT NULL) AS g4_schools,
        count(*) FILTER (WHERE g4_met) AS g4_ok,
        string_agg(school_name || ' ' || compulsory_students || ' > ' || size_limit, '、'
            ORDER BY school_id) FILTER (WHERE NOT g4_met) AS g4_failing,
        sum(primary_classes) AS primary_classes,
        sum(primary_oversized) AS primary_oversized,
        sum(junior_classes) AS junior_classes,
        sum(junior_oversized) AS junior_oversized,
        count(*) FILTER (WHERE NOT g5_met) AS g5_failing_schools,
        count(*) FILTER (WHERE g6_applies) AS g6_schools,
        count(*) FILTER (WHERE g6_met) AS g6_ok,
        bool_or(g6_applies AND g6_met IS NULL) AS g6_unknown,
        -- Yuan to the fen: 79 999.60 rounded to whole yuan would read as the 80 000 it misses.
        string_agg(school_name || ' ' || coalesce(printf('%.2f', public_funds_allocated_yuan), '无数据')
            || ' < ' || coalesce(printf('%.2f', funds_required_yuan), '无数据'), '、' ORDER BY school_id)
            FILTER (WHERE NOT g6_met) AS g6_failing,
        count(*) FILTER (WHERE school_type = 'special') AS g7_schools,
        count(*) FILTER (WHERE g7_met) AS g7_ok,
        bool_or(school_type = 'special' AND g7_met IS NULL) AS g7_unknown,
        string_agg(school_name || ' ' || coalesce(printf('%.2f', funds_per_student_yuan), '无数据'),
            '、' ORDER BY school_id) FILTER (WHERE NOT g7_met) AS g7_failing,
        string_agg(school_name || ' ' || coalesce(printf('%.2f', funds_per_student_yuan), '无数据'),
            '、' ORDER BY school_id) FILTER (WHERE g7_met) AS g7_passing,
        sum(teachers) AS teachers,
        sum(teachers_under_training_hours) AS teachers_under_hours,
        string_agg(school_name || ' ' || teachers_under_training_hours, '、' ORDER BY school_id)
            FILTER (WHERE teachers_under_training_hours > 0) AS g9_failing,
        sum(teachers_uncertified) AS teachers_uncertified,
        string_agg(school_name || ' ' || teachers_uncertified, '、' ORDER BY school_id)
            FILTER (WHERE teachers_uncertified > 0) AS g12_failing,
        count(*) FILTER (WHERE q4_met IS NOT NULL) AS q4_schools,
        count(*) FILTER (WHERE q4_met) AS q4_ok,
        string_agg(school_name || ' ' || coalesce(printf('%.2f%%', training_funds_pct), '无经费数据'),
            '、' ORDER BY school_id) FILTER (WHERE NOT q4_met) AS q4_failing
    FROM indicators.school_guarantee
    GROUP BY ALL
),

rotation AS (
    SELECT
        year,
        county_code,
        count(*) FILTER (WHERE t.rotation_eligible) AS eligible,
        count(*) FILTER (WHERE t.rotated) AS rotated,
        count(*) FILTER (WHERE t.rotated AND t.backbone_level <> 'none') AS rotated_backbone
    FROM staging.teachers AS t
    INNER JOIN staging.schools AS s USING (year, school_id)
    WHERE t.stage IN ('primary', 'junior')
    GROUP BY ALL
),

-- G11's two shares, each computed once: NULL when no teacher is eligible / none rotated.
rotation_shares AS (
    SELECT
        *,
        rotated * 100.0 / nullif(eligible, 0) AS rotated_pct,
        rotated_backbone * 100.0 / nullif(rotated, 0) AS backbone_pct
    FROM rotation
),

sections AS (
    SELECT
        year,
        county_code,
        count(*) AS evaluated,
        count(*) FILTER (WHERE status = 'all_met') AS all_met,
        count(*) FILTER (WHERE status = 'complies') AS complies,
        count(*) FILTER (WHERE status = 'below_standard') AS below,
        count(*) FILTER (WHERE status = 'below_standard' AND indicators_under_85 = 0) AS below_mild,
        count(*) FILTER (WHERE status = 'incomplete') AS incomplete
    FROM marts.school_compliance
    GROUP BY ALL
),

cvs AS (
    SELECT
        year,
        county_code,
        stage,
        max(cv) AS max_cv,
        any_value(cv_limit) AS cv_limit,
        count(*) FILTER (WHERE passed IS NULL) AS not_judged,
        count(*) FILTER (WHERE NOT passed) AS failed,
        string_agg(indicator_name || ' ' || printf('%.3f', cv), '、' ORDER BY indicator)
            FILTER (WHERE NOT passed) AS failing
    FROM marts.coefficients
    GROUP BY ALL
),

computed AS (
    -- Resources
    SELECT
        c.year, c.county_code, 'resources' AS part, 'school_compliance' AS item,
        '每校至少6项达标、余项不低于85%' AS item_name,
        (s.all_met + s.complies) * 100.0 / nullif(s.evaluated, 0) AS value,
        100.0 AS threshold,
        -- A rejected schools or enrollment row may have dropped a section: not judged.
        CASE WHEN s.incomplete = 0 AND c.enrollment_rows = 0
            THEN s.all_met + s.complies = s.evaluated END AS passed,
        -- A county whose every section was held back by a rejected row has no sections row.
        printf('%d 个参评学段: %d 所7项均达标, %d 所6项达标且余项≥85%%, %d 所未达标 (其中 %d 所余项均≥85%%)%s',
            coalesce(s.evaluated, 0), coalesce(s.all_met, 0), coalesce(s.complies, 0),
            coalesce(s.below, 0), coalesce(s.below_mild, 0),
            CASE WHEN s.incomplete > 0 THEN printf(', %d 所数据不完整', s.incomplete) ELSE '' END)
            || CASE WHEN c.enrollment_rows > 0
                THEN printf('; incomplete: %d rejected rows in schools or enrollment', c.enrollment_rows)
                ELSE '' END
            AS detail
    FROM county AS c
    LEFT JOIN sections AS s ON s.year = c.year AND s.county_code = c.county_code

    UNION ALL
    SELECT
        v.year, v.county_code, 'resources', 'cv_' || v.stage,
        CASE v.stage WHEN 'primary' THEN '小学校际差异系数' ELSE '初中校际差异系数' END,
        v.max_cv, v.cv_limit,
        CASE WHEN v.not_judged = 0 THEN v.failed = 0 END,
        printf('最大差异系数 %.3f, 上限 %.2f', v.max_cv, v.cv_limit)
            || coalesce('; 超限: ' || v.failing, '')
            || CASE WHEN v.not_judged > 0 THEN printf('; %d 项数据不完整未判定', v.not_judged) ELSE '' END
    FROM cvs AS v

    -- Government guarantee, school by school
    UNION ALL
    SELECT
        c.year, c.county_code, 'guarantee', 'G3', '音乐美术专用教室',
        CASE WHEN c.has_rooms THEN si.g3_ok * 100.0 / nullif(si.g3_applicable, 0) END, 100.0,
        CASE WHEN c.has_rooms AND c.rooms_rows = 0 THEN si.g3_ok = si.g3_applicable END,
        CASE
            WHEN NOT c.has_rooms THEN 'missing: rooms file (音美专用教室)'
            WHEN c.rooms_rows > 0 THEN printf('incomplete: %d rejected rows in schools, enrollment or rooms', c.rooms_rows)
            ELSE printf('%d / %d 所学校按每12班1间配齐达标音乐、美术专用教室', si.g3_ok, si.g3_applicable)
                || coalesce('; 未达标: ' || si.g3_failing, '')
        END
    FROM county AS c
    LEFT JOIN school_items AS si ON si.year = c.year AND si.county_code = c.county_code

    UNION ALL
    SELECT
        c.year, c.county_code, 'guarantee', 'G4', '学校规模',
        si.g4_ok * 100.0 / nullif(si.g4_schools, 0), 100.0,
        CASE WHEN c.enrollment_rows = 0 THEN si.g4_ok = si.g4_schools END,
        CASE
            WHEN c.enrollment_rows > 0 THEN printf('incomplete: %d rejected rows in schools or enrollment', c.enrollment_rows)
            ELSE printf('%d / %d 所学校规模不超过上限 (2000/2500, 2010年及以前建成或随迁子女过半 2400/3000)', si.g4_ok, si.g4_schools)
                || coalesce('; 超规模: ' || si.g4_failing, '')
        END
    FROM county AS c
    LEFT JOIN school_items AS si ON si.year = c.year AND si.county_code = c.county_code

    UNION ALL
    SELECT
        c.year, c.county_code, 'guarantee', 'G5', '班额',
        (si.primary_classes + si.junior_classes - si.primary_oversized - si.junior_oversized)
            * 100.0 / nullif(si.primary_classes + si.junior_classes, 0),
        100.0,
        CASE WHEN c.enrollment_rows = 0 THEN si.primary_oversized + si.junior_oversized = 0 END,
        CASE
            WHEN c.enrollment_rows > 0 THEN printf('incomplete: %d rejected rows in schools or enrollment', c.enrollment_rows)
            -- A stage without classes has no share: '—', not a NULL that blanks the detail.
            ELSE printf('小学班级 %d 个, 标准班额 %d 个, 占比 %s; 初中班级 %d 个, 标准班额 %d 个, 占比 %s; %d 所学校有超标准班额',
                si.primary_classes, si.primary_classes - si.primary_oversized,
                coalesce(printf('%.1f%%', (si.primary_classes - si.primary_oversized) * 100.0
                    / nullif(si.primary_classes, 0)), '—'),
                si.junior_classes, si.junior_classes - si.junior_oversized,
                coalesce(printf('%.1f%%', (si.junior_classes - si.junior_oversized) * 100.0
                    / nullif(si.junior_classes, 0)), '—'),
                si.g5_failing_schools)
        END
    FROM county AS c
    LEFT JOIN school_items AS si ON si.year = c.year AND si.county_code = c.county_code

    UNION ALL
    SELECT
        c.year, c.county_code, 'guarantee', 'G6', '不足100名学生学校按100人核定公用经费',
        CASE WHEN c.has_finance AND si.g6_schools > 0 THEN si.g6_ok * 100.0 / si.g6_schools END,
        100.0,
        CASE WHEN c.has_finance AND c.finance_rows = 0 AND NOT si.g6_unknown
            THEN si.g6_ok = si.g6_schools END,
        CASE
            WHEN NOT c.has_finance THEN 'missing: finance file (学校经费)'
            WHEN c.finance_rows > 0 THEN printf('incomplete: %d rejected rows in schools, enrollment or finance', c.finance_rows)
            WHEN si.g6_schools = 0 THEN '无不足100名学生的村小学和教学点'
            ELSE printf('不足100名学生的学校 %d 所, 按100人核定 %d 所', si.g6_schools, si.g6_ok)
                || coalesce('; 未按100人核定: ' || si.g6_failing, '')
        END
    FROM county AS c
    LEFT JOIN school_items AS si ON si.year = c.year AND si.county_code = c.county_code

    UNION ALL
    SELECT
        c.year, c.county_code, 'guarantee', 'G7', '特殊教育学校生均公用经费不低于6000元',
        CASE WHEN c.has_finance AND si.g7_schools > 0 THEN si.g7_ok * 100.0 / si.g7_schools END,
        100.0,
        CASE WHEN c.has_finance AND c.finance_rows = 0 AND NOT si.g7_unknown
            THEN si.g7_ok = si.g7_schools END,
        CASE
            WHEN NOT c.has_finance THEN 'missing: finance file (学校经费)'
            WHEN c.finance_rows > 0 THEN printf('incomplete: %d rejected rows in schools, enrollment or finance', c.finance_rows)
            WHEN si.g7_schools = 0 THEN '无特殊教育学校'
            ELSE printf('特殊教育学校 %d 所, 生均公用经费不低于 %.0f 元 %d 所', si.g7_schools, c.min_special_funds, si.g7_ok)
                || coalesce(' (' || si.g7_passing || ' 元)', '')
                || coalesce('; 低于标准: ' || si.g7_failing || ' 元', '')
        END
    FROM county AS c
    LEFT JOIN school_items AS si ON si.year = c.year AND si.county_code = c.county_code

    UNION ALL
    SELECT
        c.year, c.county_code, 'guarantee', 'G8', '教师平均工资不低于公务员',
        c.teacher_salary, c.civil_salary,
        c.teacher_salary >= c.civil_salary,
        CASE
            WHEN c.teacher_salary IS NULL OR c.civil_salary IS NULL
                THEN 'missing or rejected: county items teacher_avg_salary, civil_servant_avg_salary'
            ELSE printf('教师年平均工资 %.2f 万元 %s 公务员 %.2f 万元', c.teacher_salary / 10000,
                CASE WHEN c.teacher_salary >= c.civil_salary THEN '≥' ELSE '<' END, c.civil_salary / 10000)
        END
    FROM county AS c

    UNION ALL
    SELECT
        c.year, c.county_code, 'guarantee', 'G9', '教师5年360学时培训完成率100%',
        (si.teachers - si.teachers_under_hours) * 100.0 / nullif(si.teachers, 0), 100.0,
        CASE WHEN c.teacher_rows = 0 THEN si.teachers_under_hours = 0 END,
        CASE
            WHEN c.teacher_rows > 0 THEN printf('incomplete: %d rejected rows in schools or teachers', c.teacher_rows)
            ELSE printf('%d / %d = %s 的专任教师完成 %.0f 学时', si.teachers - si.teachers_under_hours,
                si.teachers, coalesce(printf('%.2f%%', (si.teachers - si.teachers_under_hours) * 100.0
                    / nullif(si.teachers, 0)), '—'), c.min_training_hours)
                || coalesce('; 未完成(人数): ' || si.g9_failing, '')
        END
    FROM county AS c
    LEFT JOIN school_items AS si ON si.year = c.year AND si.county_code = c.county_code

    UNION ALL
    SELECT
        c.year, c.county_code, 'guarantee', 'G11', '教师交流轮岗',
        r.rotated_pct, c.min_rotation_pct,
        CASE WHEN c.teacher_rows = 0 THEN
            coalesce(r.rotated_pct >= c.min_rotation_pct
                AND r.backbone_pct >= c.min_rotation_backbone_pct, FALSE)
        END,
        CASE
            WHEN c.teacher_rows > 0 THEN printf('incomplete: %d rejected rows in schools or teachers', c.teacher_rows)
            -- No eligible teacher (or none rotated) is no share: '—', as in G9 and G12.
            ELSE printf('%d / %d = %s %s %.0f%%; 骨干教师 %d / %d = %s %s %.0f%%',
                coalesce(r.rotated, 0), coalesce(r.eligible, 0),
                coalesce(printf('%.2f%%', r.rotated_pct), '—'),
                CASE WHEN r.rotated_pct >= c.min_rotation_pct THEN '≥' ELSE '<' END, c.min_rotation_pct,
                coalesce(r.rotated_backbone, 0), coalesce(r.rotated, 0),
                coalesce(printf('%.2f%%', r.backbone_pct), '—'),
                CASE WHEN r.backbone_pct >= c.min_rotation_backbone_pct THEN '≥' ELSE '<' END,
                c.min_rotation_backbone_pct)
        END
    FROM county AS c
    LEFT JOIN rotation_shares AS r ON r.year = c.year AND r.county_code = c.county_code

    UNION ALL
    SELECT
        c.year, c.county_code, 'guarantee', 'G12', '专任教师持证上岗率100%',
        (si.teachers - si.teachers_uncertified) * 100.0 / nullif(si.teachers, 0), 100.0,
        CASE WHEN c.teacher_rows = 0 THEN si.teachers_uncertified = 0 END,
        CASE
            WHEN c.teacher_rows > 0 THEN printf('incomplete: %d rejected rows in schools or teachers', c.teacher_rows)
            ELSE printf('专任教师 %d 人, 持有教师资格证 %d 人, 持证率 %s', si.teachers,
                si.teachers - si.teachers_uncertified,
                coalesce(printf('%.2f%%', (si.teachers - si.teachers_uncertified) * 100.0
                    / nullif(si.teachers, 0)), '—'))
                || coalesce('; 无证(人数): ' || si.g12_failing, '')
        END
    FROM county AS c
    LEFT JOIN school_items AS si ON si.year = c.year AND si.county_code = c.county_code

    -- Government guarantee and quality, from county figures
    UNION ALL
    SELECT
        c.year, c.county_code, 'guarantee', 'G13', '城区和镇区公办小学、初中就近划片入学比例',
        c.nearby_junior, c.min_nearby_junior,
        c.nearby_primary >= c.min_nearby_primary AND c.nearby_junior >= c.min_nearby_junior,
        CASE
            WHEN c.nearby_primary IS NULL OR c.nearby_junior IS NULL
                THEN 'missing or rejected: county items nearby_enrollment_primary_pct, nearby_enrollment_junior_pct'
            ELSE printf('小学 %.2f%% (标准 %.0f%%), 初中 %.2f%% (标准 ≥ %.0f%%)', c.nearby_primary,
                c.min_nearby_primary, c.nearby_junior, c.min_nearby_junior)
        END
    FROM county AS c

    UNION ALL
    SELECT
        c.year, c.county_code, 'guarantee', 'G14', '优质高中招生名额分配比例',
        c.quota_pct, c.min_hs_quota,
        CASE WHEN c.quota_total = 0 AND c.quota_allocated IS NOT NULL THEN TRUE
            ELSE c.quota_pct >= c.min_hs_quota END,
        CASE
            WHEN c.quota_allocated IS NULL OR c.quota_total IS NULL
                THEN 'missing or rejected: county items hs_quota_total, hs_quota_allocated'
            WHEN c.quota_total = 0
                THEN printf('%.0f / 0: 无优质高中招生名额, 视为达标', c.quota_allocated)
            ELSE printf('%.0f / %.0f = %.2f%% %s %.0f%%', c.quota_allocated, c.quota_total,
                c.quota_pct, CASE WHEN c.quota_pct >= c.min_hs_quota THEN '≥' ELSE '<' END,
                c.min_hs_quota)
                || CASE WHEN c.quota_rural IS NULL THEN ''
                    WHEN c.quota_allocated = 0 THEN printf('; 分配到农村初中 %.0f / 0 = —', c.quota_rural)
                    ELSE printf('; 分配到农村初中 %.0f / %.0f = %.2f%%', c.quota_rural,
                        c.quota_allocated, c.quota_rural_pct)
                END
        END
    FROM county AS c

    UNION ALL
    SELECT
        c.year, c.county_code, 'guarantee', 'G15', '留守儿童关爱体系与随迁子女公办就读比例',
        c.migrant_pct, c.min_migrant_public,
        c.care_system AND CASE WHEN c.migrant_eligible = 0 AND c.migrant_in_public IS NOT NULL
            THEN TRUE ELSE c.migrant_pct >= c.min_migrant_public END,
        CASE
            WHEN c.care_system IS NULL OR c.migrant_in_public IS NULL OR c.migrant_eligible IS NULL
                THEN 'missing or rejected: county items care_system, migrant_eligible, migrant_in_public'
            ELSE printf('关爱体系: %s; 随迁子女 %s',
                CASE WHEN c.care_system THEN '是' ELSE '否' END || coalesce(' (' || nullif(c.care_note, '') || ')', ''),
                CASE WHEN c.migrant_eligible = 0
                    THEN printf('%.0f / 0: 无符合条件的随迁子女, 视为达标', c.migrant_in_public)
                    ELSE printf('%.0f / %.0f = %.2f%% %s %.0f%%', c.migrant_in_public,
                        c.migrant_eligible, c.migrant_pct,
                        CASE WHEN c.migrant_pct >= c.min_migrant_public THEN '≥' ELSE '<' END,
                        c.min_migrant_public)
                END)
        END
    FROM county AS c

    UNION ALL
    SELECT
        c.year, c.county_code, 'quality', 'Q1', '初中三年巩固率',
        q.retention, c.min_retention,
        CASE WHEN q.denominator = 0 AND q.numerator IS NOT NULL THEN TRUE
            ELSE q.retention >= c.min_retention END,
        CASE
            WHEN q.numerator IS NULL OR q.denominator IS NULL
                THEN 'missing or rejected: county items junior_entrants … junior_graduates'
            WHEN q.denominator = 0
                THEN printf('%s = 0: 无初中入学学生, 视为达标 (公式: %s)',
                    CASE WHEN c.retention_formula = 'graduates_adjusted' THEN '入学 − 死亡'
                        ELSE '入学 + 转入 + 复学 − 转出 − 休学 − 死亡' END, c.retention_formula)
            WHEN c.retention_formula = 'graduates_adjusted'
                THEN printf('(%.0f − %.0f + %.0f) / (%.0f − %.0f) = %.2f%% %s %.0f%% (公式: graduates_adjusted)',
                    c.graduates, c.transfers_in, c.transfers_out, c.entrants, c.deaths, q.retention,
                    CASE WHEN q.retention >= c.min_retention THEN '≥' ELSE '<' END, c.min_retention)
            ELSE printf('%.0f / (%.0f + %.0f + %.0f − %.0f − %.0f − %.0f) = %.0f / %.0f = %.2f%% %s %.0f%% (公式: cohort)',
                c.graduates, c.entrants, c.transfers_in, c.resumed, c.transfers_out, c.suspended,
                c.deaths, c.graduates, q.cohort, q.retention,
                CASE WHEN q.retention >= c.min_retention THEN '≥' ELSE '<' END, c.min_retention)
        END
    FROM county AS c
    CROSS JOIN LATERAL (
        SELECT
            c.entrants + c.transfers_in + c.resumed - c.transfers_out - c.suspended - c.deaths
                AS cohort,
            CASE c.retention_formula
                WHEN 'graduates_adjusted' THEN c.entrants - c.deaths ELSE cohort
            END AS denominator,
            CASE c.retention_formula
                WHEN 'graduates_adjusted' THEN c.graduates - c.transfers_in + c.transfers_out
                ELSE c.graduates
            END AS numerator,
            numerator * 100.0 / nullif(denominator, 0) AS retention
    ) AS q

    UNION ALL
    SELECT
        c.year, c.county_code, 'quality', 'Q2', '残疾儿童少年入学率',
        c.disabled_pct, c.min_disabled,
        CASE WHEN c.disabled_children = 0 AND c.disabled_enrolled IS NOT NULL THEN TRUE
            ELSE c.disabled_pct >= c.min_disabled END,
        CASE
            WHEN c.disabled_enrolled IS NULL OR c.disabled_children IS NULL
                THEN 'missing or rejected: county items disabled_children, disabled_enrolled'
            WHEN c.disabled_children = 0
                THEN printf('%.0f / 0: 无适龄残疾儿童少年, 视为达标', c.disabled_enrolled)
            ELSE printf('%.0f / %.0f = %.2f%% %s %.0f%%', c.disabled_enrolled, c.disabled_children,
                c.disabled_pct, CASE WHEN c.disabled_pct >= c.min_disabled THEN '≥' ELSE '<' END,
                c.min_disabled)
        END
    FROM county AS c

    UNION ALL
    SELECT
        c.year, c.county_code, 'quality', 'Q4', '教师培训经费不低于公用经费预算5%',
        CASE WHEN c.has_finance THEN si.q4_ok * 100.0 / nullif(si.q4_schools, 0) END, 100.0,
        CASE WHEN c.has_finance AND c.finance_rows = 0 THEN si.q4_ok = si.q4_schools END,
        CASE
            WHEN NOT c.has_finance THEN 'missing: finance file (学校经费)'
            WHEN c.finance_rows > 0 THEN printf('incomplete: %d rejected rows in schools, enrollment or finance', c.finance_rows)
            ELSE printf('%d / %d 所学校培训经费不低于公用经费预算的 %.0f%%', si.q4_ok, si.q4_schools, c.min_training_funds)
                || coalesce('; 未达标: ' || si.q4_failing, '')
        END
    FROM county AS c
    LEFT JOIN school_items AS si ON si.year = c.year AND si.county_code = c.county_code

    UNION ALL
    SELECT
        c.year, c.county_code, 'quality', 'Q9', '国家义务教育质量监测',
        c.difference_rate, c.max_difference_rate,
        c.level3 AND c.difference_rate < c.max_difference_rate,
        CASE
            WHEN c.level3 IS NULL OR c.difference_rate IS NULL
                THEN 'missing or rejected: county items monitoring_level3, monitoring_difference_rate'
            ELSE printf('Ⅲ级以上: %s; 校际差异率 %.3f %s %.2f',
                CASE WHEN c.level3 THEN '是' ELSE '否' END || coalesce(' (' || nullif(c.level3_note, '') || ')', ''),
                c.difference_rate,
                CASE WHEN c.difference_rate < c.max_difference_rate THEN '<' ELSE '≥' END, c.max_difference_rate)
        END
    FROM county AS c

    UNION ALL
    SELECT
        c.year, c.county_code, 'recognition', 'recognition', '社会认可度',
        c.recognition, c.min_recognition, c.recognition >= c.min_recognition,
        CASE
            WHEN c.recognition IS NULL THEN 'missing or rejected: county item social_recognition_pct'
            ELSE printf('综合满意度 %.2f%% %s %.0f%%', c.recognition,
                CASE WHEN c.recognition >= c.min_recognition THEN '≥' ELSE '<' END, c.min_recognition)
        END
    FROM county AS c

    UNION ALL
    SELECT year, county_code, part, item, item_name, value, threshold, passed, detail
    FROM yes_no_rows
),

ordering (item, sort_order) AS (
    VALUES ('school_compliance', 1), ('cv_primary', 2), ('cv_junior', 3), ('G1', 11), ('G2', 12),
        ('G3', 13), ('G4', 14), ('G5', 15), ('G6', 16), ('G7', 17), ('G8', 18), ('G9', 19),
        ('G10', 20), ('G11', 21), ('G12', 22), ('G13', 23), ('G14', 24), ('G15', 25),
        ('Q1', 31), ('Q2', 32), ('Q3', 33), ('Q4', 34), ('Q5', 35), ('Q6', 36), ('Q7', 37),
        ('Q8', 38), ('Q9', 39), ('recognition', 41), ('veto_exam_admission', 51),
        ('veto_school_choice', 52), ('veto_key_schools', 53), ('veto_unfilled_posts', 54),
        ('veto_major_incident', 55), ('veto_falsification', 56)
)

SELECT
    m.year,
    m.county_code,
    c.county_name,
    m.part,
    m.item,
    m.item_name,
    m.value::DOUBLE AS value,
    m.threshold::DOUBLE AS threshold,
    m.passed,
    m.detail,
    o.sort_order
FROM computed AS m
INNER JOIN counties AS c ON c.year = m.year AND c.county_code = m.county_code
INNER JOIN ordering AS o ON o.item = m.item
ORDER BY m.year, m.county_code, o.sort_order
