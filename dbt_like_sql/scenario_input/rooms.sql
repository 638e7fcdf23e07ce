-- 音美专用教室 | staging.rooms of the scenario's schools, and one row per music or art room added, of the G3 standard floor area for the school's building year unless the addition gives its area
-- materialized: view
WITH limits AS (
    SELECT
        year,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'music_room_m2') AS music_m2,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'art_room_m2') AS art_m2,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'old_music_room_m2') AS old_music_m2,
        any_value(value::DOUBLE) FILTER (WHERE threshold = 'old_art_room_m2') AS old_art_m2,
        any_value(value::INTEGER) FILTER (WHERE threshold = 'old_rooms_built_by') AS old_by
    FROM reference.thresholds
    GROUP BY year
),

added AS (
    SELECT
        a.year,
        a.school_id,
        CASE a.action WHEN 'music_rooms' THEN 'music' ELSE 'art' END AS room_type,
        coalesce(a.area_m2, CASE
            WHEN a.action = 'music_rooms' AND s.built_year <= l.old_by THEN l.old_music_m2
            WHEN a.action = 'music_rooms' THEN l.music_m2
            WHEN s.built_year <= l.old_by THEN l.old_art_m2
            ELSE l.art_m2
        END) AS area_m2,
        generate_series(1, a.amount::BIGINT) AS room
    FROM scenario_input.additions AS a
    INNER JOIN scenario_input.schools AS s ON s.year = a.year AND s.school_id = a.school_id
    INNER JOIN limits AS l ON l.year = a.year
    WHERE a.action IN ('music_rooms', 'art_rooms')
)

SELECT r.*
FROM staging.rooms AS r
INNER JOIN scenario_input.schools AS s ON s.year = r.year AND s.school_id = r.school_id

UNION ALL BY NAME

SELECT year, school_id, room_type, area_m2
FROM (SELECT year, school_id, room_type, area_m2, unnest(room) FROM added)
