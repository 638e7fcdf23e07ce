-- 监测关键指标 | One row per county, compulsory stage, year and key indicator of DOMAIN.md §6 (the list is reference.key_indicators): resources pooled over evaluated sections (total numerator / total denominator, like X̄ of §1), quality from the county items and the CVs. County items have no stage: their value repeats under primary and junior
-- year: 学年 | school year
-- county_code: 区县代码 | county code
-- county_name: 区县名称 | county name
-- stage: 学段 | primary or junior
-- indicator: 指标代码 | key indicator code
-- indicator_name: 指标名称 | the indicator in Chinese
-- kind: 类别 | resource or quality
-- higher_is_better: 是否越高越好 | FALSE for school_gap (a CV): its index is baseline / value
-- per_student: 是否生均指标 | the denominator is students, so the value moves with resource growth against student growth
-- value: 指标值 | the county's value (NULL when it cannot be computed: note says why)
-- resource: 资源总量 | Σ numerator over the evaluated sections with data (teachers, m², yuan, rooms); NULL for quality indicators
-- students: 学生数 | students of those sections; NULL for quality indicators
-- denominator: 分母 | Σ denominator (students, or teachers for higher_degree_teachers_pct); NULL for quality indicators
-- sections: 参评学段数 | evaluated sections of the county and stage
-- data_complete: 数据是否完整 | FALSE when a section's data is incomplete or missing for this indicator
-- note: 说明 | why the value is missing or what it leaves out
-- sort_order: 排序 | the order of the indicators in a report
WITH stages AS (
    -- Every county gets a row per compulsory stage and key indicator, even without sections.
    SELECT s.year, s.county_code, any_value(s.county_name) AS county_name, c.stage
    FROM staging.schools AS s
    CROSS JOIN (VALUES ('primary'), ('junior')) AS c (stage)
    GROUP BY ALL
),

pooled AS (
    SELECT
        year,
        county_code,
        stage,
        indicator,
        count(*) FILTER (WHERE resource IS NULL) AS sections_without_data,
        sum(resource) AS resource,
        sum(students) FILTER (WHERE resource IS NOT NULL) AS students,
        sum(denominator) FILTER (WHERE resource IS NOT NULL) AS denominator,
        bool_and(data_complete) AS data_complete
    FROM indicators.key_indicator_sections
    GROUP BY ALL
),

evaluated AS (
    SELECT year, county_code, stage, count(*) AS sections
    FROM indicators.school_sections
    WHERE evaluated
    GROUP BY ALL
),

county_items AS (
    SELECT year, county_code, item, value_number
    FROM staging.county_items
),

school_gap AS (
    -- 校际差异: the mean of the stage's CVs, only when all of them exist.
    SELECT
        year,
        county_code,
        stage,
        CASE WHEN count(cv) = count(*) THEN avg(cv) END AS value,
        count(*) AS cvs,
        count(cv) AS cvs_defined,
        bool_and(data_complete) AS data_complete
    FROM marts.coefficients
    GROUP BY ALL
),

combined AS (
    SELECT
        st.year,
        st.county_code,
        st.county_name,
        st.stage,
        k.indicator,
        k.name_zh AS indicator_name,
        k.kind,
        k.higher_is_better::BOOLEAN AS higher_is_better,
        k.kind = 'resource' AND k.denominator = 'students' AS per_student,
        CASE
            WHEN k.kind = 'resource' THEN p.resource * k.scale::DOUBLE / nullif(p.denominator, 0)
            WHEN k.indicator = 'school_gap' THEN g.value
            ELSE ci.value_number
        END AS value,
        p.resource,
        p.students,
        p.denominator,
        coalesce(e.sections, 0) AS sections,
        p.sections_without_data,
        g.cvs,
        g.cvs_defined,
        CASE
            WHEN k.kind = 'resource' THEN coalesce(p.data_complete AND p.sections_without_data = 0, FALSE)
            WHEN k.indicator = 'school_gap' THEN coalesce(g.data_complete, FALSE)
            ELSE ci.value_number IS NOT NULL
        END AS data_complete,
        k.sort_order
    FROM stages AS st
    INNER JOIN reference.key_indicators AS k ON k.year = st.year
    LEFT JOIN pooled AS p
        ON p.year = st.year AND p.county_code = st.county_code AND p.stage = st.stage
        AND p.indicator = k.indicator
    LEFT JOIN evaluated AS e
        ON e.year = st.year AND e.county_code = st.county_code AND e.stage = st.stage
    LEFT JOIN school_gap AS g
        ON g.year = st.year AND g.county_code = st.county_code AND g.stage = st.stage
    LEFT JOIN county_items AS ci
        ON ci.year = st.year AND ci.county_code = st.county_code AND ci.item = k.indicator
)

SELECT
    year,
    county_code,
    county_name,
    stage,
    indicator,
    indicator_name,
    kind,
    higher_is_better,
    per_student,
    value,
    resource,
    students,
    denominator,
    sections,
    data_complete,
    CASE
        WHEN kind = 'resource' THEN CASE
            WHEN sections = 0 THEN '该学段无参评学校'
            WHEN resource IS NULL THEN '参评学段均缺少该指标的数据'
            WHEN denominator = 0 THEN '分母为 0, 指标无定义'
            WHEN sections_without_data > 0
                THEN sections_without_data || ' 个参评学段缺少该指标的数据, 未计入'
            WHEN NOT data_complete THEN '数据不完整: 有缺失或被拒绝的输入行'
        END
        WHEN indicator = 'school_gap' THEN CASE
            WHEN cvs IS NULL THEN '该学段无差异系数'
            WHEN value IS NULL THEN '差异系数不全 (' || cvs_defined || ' / ' || cvs || ' 有定义)'
            WHEN NOT data_complete THEN '数据不完整: 差异系数未判定'
        END
        -- The other quality indicators are county items.
        WHEN value IS NULL THEN '县级指标 ' || indicator || ' 缺失或被拒绝'
    END AS note,
    sort_order
FROM combined
ORDER BY year, county_code, stage, sort_order
