"""Generate synthetic input files at district, province or nation scale, for benchmarks.

    python -m pipelines.generate --scale district|province|nation [--counties N] [--year Y]
        [--seed S] [--bad-row-rate R] --out DIR

writes ``DIR/<year>/`` with the seven files of CONTRACT.md (schools, enrollment, teachers,
facilities, rooms, finance, county) as UTF-8 CSV with English headers and English codes
(yes/no as true/false; county items as 是/否, counts and percents).

Scales: ``district`` is one large urban county like the bundled sample (~110 schools, ~145 000
students, ~9 500 compulsory teachers); ``province`` is 40 counties and ``nation`` 2 900 counties
that vary in size (on average ~65 schools with ~1.1 compulsory sections each, so ~200 000
sections, ~150 million students and ~10.7 million teacher rows). ``--counties`` overrides the
number of counties and keeps the scale's kind of county.

Distributions follow real districts (DOMAIN.md §1 and the sample): log-normal school sizes of
20-3 000 students per stage, the national mix of school types, one special school per county and
a few senior and vocational schools, class sizes near 45 / 48 with oversized classes, facilities
sized so most sections meet the standards and some fall below, teacher rosters with the
education / title / backbone / subject mixes of the sample.

Bad rows: each row of every file but ``schools`` is corrupted with probability ``bad_row_rate``
(one cell: a negative number, '暂缺' in a number, an unknown code, an unknown school id...), so
the validator has something to reject; ``generate`` returns how many rows of each file it
corrupted. A corrupted enrollment row also makes the validator reject that section's teachers
(stage_not_in_school) and, when it was the school's only stage, the school (no_enrollment).

Everything is vectorised polars; random numbers are SplitMix64 of (seed, stream, row key), so the
output is byte-identical for a given seed (and polars version), and the batches in which teachers
are generated and written, to keep memory flat, do not change it.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import polars as pl

from schemas.contract import INPUT_FILES

SCALES = {"district": 1, "province": 40, "nation": 2900}
FILES = ("schools", "enrollment", "teachers", "facilities", "rooms", "finance", "county")
TEACHER_BATCH = 1_500_000  # teachers generated and written at a time

# ---------------------------------------------------------------------------------------------
# Random numbers: SplitMix64 over (row key xor a per-stream offset), as polars expressions.
# ---------------------------------------------------------------------------------------------
_M64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_C1, _C2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def _mix64(x: int) -> int:
    z = (x + _GOLDEN) & _M64
    z = ((z ^ (z >> 30)) * _C1) & _M64
    z = ((z ^ (z >> 27)) * _C2) & _M64
    return z ^ (z >> 31)


def _mix64_expr(x: pl.Expr) -> pl.Expr:
    """SplitMix64 finaliser; polars UInt64 arithmetic wraps like the reference."""
    z = x + pl.lit(_GOLDEN, pl.UInt64)
    z = (z ^ (z // (1 << 30))) * pl.lit(_C1, pl.UInt64)
    z = (z ^ (z // (1 << 27))) * pl.lit(_C2, pl.UInt64)
    return z ^ (z // (1 << 31))


class Rng:
    """Independent streams of 64 random bits per row key, named by a string."""

    def __init__(self, seed: int):
        self.seed = seed

    def bits(self, key: str | pl.Expr, stream: str) -> pl.Expr:
        key = pl.col(key) if isinstance(key, str) else key
        offset = _mix64(((self.seed & 0xFFFFFFFF) << 32) ^ zlib.crc32(stream.encode()))
        return _mix64_expr(key.cast(pl.UInt64) ^ pl.lit(offset, pl.UInt64))

    def uniform(self, key: str | pl.Expr, stream: str) -> pl.Expr:
        """[0, 1) with 53 random bits."""
        return (self.bits(key, stream) // 2048).cast(pl.Float64) * 2.0**-53


def _hi(bits: str) -> pl.Expr:
    """[0, 1) from the high 32 bits of a bits column."""
    return (pl.col(bits) // (1 << 32)).cast(pl.Float64) * 2.0**-32


def _lo(bits: str) -> pl.Expr:
    """[0, 1) from the low 32 bits of a bits column."""
    return (pl.col(bits) % (1 << 32)).cast(pl.Float64) * 2.0**-32


def _normal(bits: str) -> pl.Expr:
    """A standard normal from one bits column (Box-Muller)."""
    u1 = ((pl.col(bits) // (1 << 32)).cast(pl.Float64) + 0.5) * 2.0**-32
    return (-2.0 * u1.log()).sqrt() * (2.0 * math.pi * _lo(bits)).cos()


def _with_bits(frame: pl.DataFrame, rng: Rng, key: str, *streams: str) -> pl.DataFrame:
    """Add one UInt64 column ``_<stream>`` of random bits per stream."""
    return frame.with_columns(rng.bits(key, s).alias(f"_{s}") for s in streams)


class Choice:
    """Draw a label from one of several probability tables (one per group) with one uniform.

    The tables are laid end to end on [0, number of groups): group g's boundaries are
    g + cumulative probabilities, so a search of g + u finds the label's index in one pass.
    """

    def __init__(self, tables: list[dict[str, float]]):
        bounds, labels = [], []
        for g, table in enumerate(tables):
            total = sum(table.values())
            cum = 0.0
            for i, (label, p) in enumerate(table.items()):
                cum += p / total
                bounds.append(g + 1.0 if i == len(table) - 1 else g + cum)
                labels.append(label)
        self.categories = list(dict.fromkeys(labels))
        self.bounds = pl.Series(bounds, dtype=pl.Float64)
        self.labels = pl.Series(labels, dtype=pl.Enum(self.categories))

    def draw(self, group: pl.Expr | int, u: pl.Expr) -> pl.Expr:
        group = pl.lit(group) if isinstance(group, int) else group
        index = pl.lit(self.bounds).search_sorted(group.cast(pl.Float64) + u, side="right")
        return pl.lit(self.labels).gather(index)


# ---------------------------------------------------------------------------------------------
# The shape of the data
# ---------------------------------------------------------------------------------------------
SCHOOL_TYPES = [
    "primary",
    "junior",
    "nine_year",
    "twelve_year",
    "complete_middle",
    "teaching_point",
    "special",
    "senior",
    "vocational",
]
STAGES = ["primary", "junior", "senior"]
LOCATIONS = ["urban", "town", "rural"]
# Mix of the compulsory schools of a county (special, senior and vocational are added apart).
TYPE_MIX = {
    "primary": 60,
    "junior": 15,
    "nine_year": 10,
    "twelve_year": 1,
    "complete_middle": 8,
    "teaching_point": 5,
}
TYPE_STAGES = {
    "primary": ["primary"],
    "junior": ["junior"],
    "nine_year": ["primary", "junior"],
    "twelve_year": ["primary", "junior", "senior"],
    "complete_middle": ["junior", "senior"],
    "teaching_point": ["primary"],
    "special": ["primary", "junior"],
    "senior": ["senior"],
    "vocational": ["senior"],
}
# reference/split_weights.csv: weighted students for sharing a school's facilities out.
SPLIT_WEIGHT = {
    ("nine_year", "junior"): 1.1,
    ("twelve_year", "junior"): 1.1,
    ("twelve_year", "senior"): 1.32,
    ("complete_middle", "senior"): 1.2,
    ("special", "junior"): 1.1,
}
# Median students of a section by type, stage and location (urban, town, rural), before the
# county's size factor; sizes are log-normal around them, clipped to 20-3000.
SECTION_MEDIAN = {
    ("primary", "primary"): (1450, 820, 270),
    ("junior", "junior"): (1500, 1050, 480),
    ("nine_year", "primary"): (1100, 700, 330),
    ("nine_year", "junior"): (700, 480, 230),
    ("twelve_year", "primary"): (1100, 800, 500),
    ("twelve_year", "junior"): (800, 600, 400),
    ("twelve_year", "senior"): (300, 220, 160),
    ("complete_middle", "junior"): (1300, 950, 520),
    ("complete_middle", "senior"): (420, 300, 200),
    ("teaching_point", "primary"): (45, 45, 45),
    ("special", "primary"): (70, 60, 50),
    ("special", "junior"): (35, 30, 25),
    ("senior", "senior"): (800, 600, 450),
    ("vocational", "senior"): (650, 520, 400),
}
SIZE_SIGMA = 0.45
LAX_COUNTIES = 0.3
LAX_RULES = ("certified", "training", "rooms", "small_funds", "training_funds")
# Average class size by stage and location; the legal maximum over which a class is oversized.
CLASS_SIZE = {"primary": (46.0, 42.0, 33.0), "junior": (49.0, 47.0, 41.0), "senior": (50, 49, 47)}
CLASS_LIMIT = {"primary": 45.0, "junior": 50.0, "senior": 50.0}
MIGRANT_SHARE = {"urban": (0.14, 0.30), "town": (0.06, 0.16), "rural": (0.01, 0.06)}
# Full-time teachers per 100 students (national averages), before the size effect.
TEACHERS_PER100 = {"primary": 6.1, "junior": 7.7, "senior": 7.6}
SPECIAL_TEACHERS_PER100 = 25.0
# DOMAIN.md §1 standards per student (multimedia rooms per student, not per 100).
STANDARD = {
    "teaching": {"primary": 4.5, "junior": 5.8},
    "sports": {"primary": 7.5, "junior": 10.2},
    "equipment": {"primary": 2000.0, "junior": 2500.0},
    "multimedia": {"primary": 0.023, "junior": 0.024},
}
# Mean log-margin over the standard by location (urban, town, rural): most schools meet it.
FACILITY_MARGIN = {
    "teaching": (0.30, 0.34, 0.40),
    "sports": (0.18, 0.36, 0.50),
    "equipment": (0.42, 0.34, 0.28),
    "multimedia": (0.38, 0.34, 0.30),
}
EDUCATION = [
    "doctorate",
    "master",
    "bachelor",
    "associate",
    "high_school",
    "below_high_school",
]
# Education by stage, then location (urban, town, rural).
EDUCATION_MIX = {
    "primary": [
        (0.002, 0.08, 0.80, 0.11, 0.007, 0.001),
        (0.0005, 0.04, 0.74, 0.20, 0.018, 0.0015),
        (0.0002, 0.02, 0.62, 0.32, 0.035, 0.005),
    ],
    "junior": [
        (0.006, 0.16, 0.81, 0.022, 0.002, 0.0),
        (0.002, 0.08, 0.86, 0.055, 0.003, 0.0),
        (0.001, 0.04, 0.85, 0.10, 0.008, 0.001),
    ],
    "senior": [
        (0.02, 0.25, 0.72, 0.01, 0.0, 0.0),
        (0.008, 0.15, 0.82, 0.02, 0.002, 0.0),
        (0.005, 0.10, 0.86, 0.03, 0.005, 0.0),
    ],
}
TITLES = ["senior_professional", "senior", "first", "second", "third", "none"]
TITLE_MIX = {
    "primary": (0.003, 0.14, 0.45, 0.30, 0.02, 0.087),
    "junior": (0.006, 0.24, 0.44, 0.23, 0.01, 0.074),
    "senior": (0.015, 0.33, 0.38, 0.20, 0.005, 0.07),
}
BACKBONE_RATE = {"urban": 0.28, "town": 0.22, "rural": 0.17}  # share of teachers, mean
BACKBONE_LEVELS = {"county": 0.68, "city": 0.24, "province": 0.07, "national": 0.01}
PE_ART_RATE = {"primary": 0.23, "junior": 0.18, "senior": 0.15}
PE_ART_SUBJECTS = {"PE": 0.32, "physical education": 0.14, "music": 0.25, "fine art": 0.25}
PE_ART_SUBJECTS["arts"] = 0.04
OTHER_SUBJECTS = {
    "primary": {
        "Chinese": 0.36,
        "mathematics": 0.29,
        "English": 0.12,
        "science": 0.07,
        "morality and law": 0.065,
        "information technology": 0.035,
        "integrated practice": 0.025,
        "mental health": 0.015,
        "labour": 0.015,
    },
    "junior": {
        "Chinese": 0.17,
        "mathematics": 0.16,
        "English": 0.155,
        "physics": 0.08,
        "chemistry": 0.06,
        "biology": 0.06,
        "history": 0.075,
        "geography": 0.06,
        "morality and law": 0.075,
        "information technology": 0.03,
        "mental health": 0.015,
        "labour": 0.01,
    },
    "senior": {
        "Chinese": 0.15,
        "mathematics": 0.15,
        "English": 0.16,
        "physics": 0.1,
        "chemistry": 0.08,
        "biology": 0.08,
        "history": 0.07,
        "geography": 0.06,
        "politics": 0.07,
        "information technology": 0.04,
        "general technology": 0.02,
        "computer applications": 0.02,
    },
}
SCHOOL_SUFFIX = {
    "primary": "小学",
    "junior": "初级中学",
    "nine_year": "实验学校",
    "twelve_year": "外国语学校",
    "complete_middle": "中学",
    "teaching_point": "村小教学点",
    "special": "特殊教育学校",
    "senior": "高级中学",
    "vocational": "职业教育中心",
}
# province codes (2 digits) of the 31 provinces
PROVINCES = [str(p) for p in (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41)]
PROVINCES += [str(p) for p in (42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65)]
_SYL1 = "安宝长丰福广和华嘉建江金乐临龙隆美南宁平清庆瑞山寿泰天通武西祥新兴阳永玉元云昌东"
_SYL2 = (
    "安宁平山江河阳城州源泉川台田林水丰兴华德化远乡溪海湖岭峰谷口桥坪乐康都昌定武盛"
    "屏宾阜陵梁沙石浦津渡关门岗坝营镇庄店集寨塘湾洲岛原野丘陂潭池井泽滨口堡"
)
PLACES = [
    a + b
    for a, b in zip(
        "龙凤翠金玉银石松柏桃李杏梅竹兰荷青白红黄东西南北新古双三五七九大小",
        "溪山湖桥坪塘湾岭坝园林湖门庄河江岗洲田沟泉坡村铺店场寺堡集口屯营",
        strict=False,
    )
]


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


ORDINALS = [""] + [f"第{_chinese_number(i)}" for i in range(2, 100)]

# County items (reference/county_items.csv): 是 with this probability for the yes/no ones.
YES_ITEMS = {
    "layout_planned": 0.98,
    "four_unified": 0.97,
    "staffing_allocated": 0.97,
    "care_system": 0.98,
    "charters_informatised": 0.97,
    "it_in_teaching": 0.97,
    "moral_education_good": 0.98,
    "curriculum_complete": 0.97,
    "no_excess_burden": 0.96,
    "monitoring_level3": 0.95,
}
VETO_ITEMS = {
    "veto_exam_admission": 0.005,
    "veto_school_choice": 0.01,
    "veto_key_schools": 0.005,
    "veto_unfilled_posts": 0.01,
    "veto_major_incident": 0.003,
    "veto_falsification": 0.002,
}
COUNTY_ITEMS = [
    *YES_ITEMS,
    "teacher_avg_salary",
    "civil_servant_avg_salary",
    "nearby_enrollment_primary_pct",
    "nearby_enrollment_junior_pct",
    "social_recognition_pct",
    "hs_quota_total",
    "hs_quota_allocated",
    "hs_quota_rural",
    "migrant_eligible",
    "migrant_in_public",
    "disabled_children",
    "disabled_enrolled",
    "junior_entrants",
    "junior_transfers_in",
    "junior_resumed",
    "junior_transfers_out",
    "junior_suspended",
    "junior_deaths",
    "junior_graduates",
    "monitoring_difference_rate",
    "academic_quality_pct",
    "physical_health_pct",
    *VETO_ITEMS,
]


# ---------------------------------------------------------------------------------------------
# Counties, schools, sections
# ---------------------------------------------------------------------------------------------
def _counties(n: int, district_like: bool, rng: Rng) -> pl.DataFrame:
    """One row per county: code, name, number of schools, urban share and size factors."""
    per_province = math.ceil(n / len(PROVINCES))
    if per_province > 20 * 99:
        raise ValueError(f"at most {len(PROVINCES) * 20 * 99} counties")
    names = list(dict.fromkeys(a + b for b in _SYL2 for a in _SYL1))
    frame = pl.DataFrame({"county": pl.int_range(n, eager=True, dtype=pl.UInt64)})
    frame = _with_bits(frame, rng, "county", "c_n", "c_size", "c_share", "c_misc", "c_q")
    province = (pl.col("county") // per_province).cast(pl.Int64)
    k = (pl.col("county") % per_province).cast(pl.Int64)
    if district_like:
        n_schools = 104 + (_hi("_c_n") * 12).floor().cast(pl.Int64)
        urban = 0.55 + 0.1 * _hi("_c_share")
        size = 1.17 * (0.06 * _normal("_c_size")).exp()
    else:
        sigma = 0.6
        n_schools = (
            (math.log(65) - sigma**2 / 2 + sigma * _normal("_c_n")).exp().round().clip(12, 600)
        )
        urban = 0.06 + 0.78 * _hi("_c_share").pow(1.6)
        # bigger where more urban; log-normal around a factor tuned for ~150 M students
        size = 0.62 * (0.25 * _normal("_c_size")).exp() * (1 + 0.9 * pl.col("urban_share"))
    frame = frame.with_columns(
        pl.format(
            "{}{}{}",
            pl.lit(pl.Series(PROVINCES)).gather(province),
            (k // 20 + 1).cast(pl.String).str.zfill(2),
            (k % 20 + 1).cast(pl.String).str.zfill(2),
        ).alias("county_code"),
        n_schools.cast(pl.Int64).alias("n_schools"),
        urban.alias("urban_share"),
    ).with_columns(
        size.alias("size_factor"),
        pl.format(
            "{}{}",
            pl.lit(pl.Series(names)).gather((pl.col("county") * 7919 + 123) % len(names)),
            pl.when(pl.col("urban_share") > 0.5).then(pl.lit("区")).otherwise(pl.lit("县")),
        ).alias("county_name"),
        # county-level rates used below
        (0.05 * _normal("_c_q")).alias("county_quality"),
        (0.08 + 0.10 * _hi("_c_misc")).alias("rotation_rate"),
        # a county is "lax" on an all-or-nothing guarantee rule with probability LAX_COUNTIES:
        # then some teachers, rooms or schools fall short of it (DOMAIN.md §2-3)
        *(
            (rng.uniform(pl.col("county") * 8 + i, "c_lax") < LAX_COUNTIES).alias(f"lax_{rule}")
            for i, rule in enumerate(LAX_RULES)
        ),
        (0.8 + 0.4 * _lo("_c_misc")).alias("migrant_factor"),
        pl.lit(pl.Series([720, 800, 850, 900, 1000, 1100]))
        .gather((_lo("_c_share") * 6).floor().cast(pl.Int64))
        .alias("funds_standard"),
    )
    return frame.drop(pl.selectors.starts_with("_"))


def _schools(counties: pl.DataFrame, year: int, rng: Rng) -> pl.DataFrame:
    """One row per school with type, location, flags, built year and school id."""
    # special, senior (two in big counties) and vocational schools come on top of the mix
    extras = counties.select(
        "county",
        pl.concat_list(
            pl.lit("special"),
            pl.lit("senior"),
            pl.lit("vocational"),
            pl.when(pl.col("n_schools") >= 100).then(pl.lit("senior")),
        )
        .list.drop_nulls()
        .alias("school_type"),
    ).explode("school_type")
    extra_n = extras.group_by("county").len("n_extra")
    mix = Choice([TYPE_MIX])
    drawn = (
        counties.join(extra_n, on="county", maintain_order="left")
        .select("county", pl.int_ranges(0, pl.col("n_schools") - pl.col("n_extra")).alias("i"))
        .explode("i")
        .with_columns(
            (pl.col("county") * 1000 + pl.col("i").cast(pl.UInt64)).alias("_key"),
        )
        .with_columns(rng.uniform("_key", "school_type").alias("_u"))
        .select("county", mix.draw(0, pl.col("_u")).cast(pl.String).alias("school_type"))
    )
    schools = pl.concat([drawn, extras]).with_columns(
        pl.col("school_type").cast(pl.Enum(SCHOOL_TYPES))
    )
    # a provisional key (county, draw order) for the draws; ids come after sorting by type
    schools = schools.with_columns(
        (pl.col("county") * 1000 + pl.int_range(pl.len()).over("county").cast(pl.UInt64)).alias(
            "_key"
        )
    )
    schools = _with_bits(schools, rng, "_key", "s_loc", "s_flags", "s_built", "s_q", "s_name")
    schools = schools.join(counties, on="county", maintain_order="left")
    u = _hi("_s_loc")
    a = pl.col("urban_share")
    t = pl.col("school_type")
    location = (
        pl.when(t == "teaching_point")
        .then(pl.when(u < 0.9).then(pl.lit("rural")).otherwise(pl.lit("town")))
        .when(t.is_in(["special", "senior"]))
        .then(pl.when(u < 0.8).then(pl.lit("urban")).otherwise(pl.lit("town")))
        .when(t == "vocational")
        .then(pl.when(u < 0.5).then(pl.lit("urban")).otherwise(pl.lit("town")))
        .when(u < a)
        .then(pl.lit("urban"))
        .when(u < a + (1 - a) * 0.45)
        .then(pl.lit("town"))
        .otherwise(pl.lit("rural"))
    )
    schools = schools.with_columns(location.cast(pl.Enum(LOCATIONS)).alias("location"))
    loc = pl.col("location")
    private_p = pl.when(loc == "urban").then(0.08).when(loc == "town").then(0.04).otherwise(0.01)
    boarding_p = (
        pl.when(loc == "rural").then(0.25).when(loc == "town").then(0.12).otherwise(0.03)
    ) * pl.when(t.is_in(["junior", "nine_year", "complete_middle", "senior"])).then(2.0).otherwise(
        1.0
    ) + pl.when(t == "special").then(0.3).otherwise(0.0)
    era = _hi("_s_built")
    span = _lo("_s_built")
    built = (
        pl.when(era < 0.2)
        .then(1950 + span * 30)
        .when(era < 0.55)
        .then(1980 + span * 20)
        .when(era < 0.8)
        .then(2000 + span * 11)
        .otherwise(2011 + span * (year - 2011 + 1))
    )
    schools = schools.with_columns(
        ((_hi("_s_flags") >= private_p) | (t == "special")).alias("is_public"),
        (_lo("_s_flags") < boarding_p).alias("is_boarding"),
        built.floor().cast(pl.Int64).clip(1950, year).alias("built_year"),
        _normal("_s_q").alias("quality"),
        _hi("_s_name").alias("_name_order"),
    )
    # school ids: county code + serial, schools ordered by type, location and a random order
    schools = schools.sort("county", "school_type", "location", "_name_order", "_key").with_columns(
        (pl.int_range(pl.len()).over("county") + 1).alias("serial")
    )
    place = pl.col("serial") - 1
    return schools.with_columns(
        pl.format("{}{}", "county_code", pl.col("serial").cast(pl.String).str.zfill(4)).alias(
            "school_id"
        ),
        pl.format(
            "{}{}{}{}",
            pl.col("county_name"),
            pl.lit(pl.Series(PLACES)).gather(place % len(PLACES)),
            pl.lit(pl.Series(ORDINALS)).gather((place // len(PLACES)).clip(0, len(ORDINALS) - 1)),
            pl.col("school_type").replace_strict(SCHOOL_SUFFIX, return_dtype=pl.String),
        ).alias("school_name"),
        pl.int_range(pl.len(), dtype=pl.UInt64).alias("school_key"),
    ).drop(pl.selectors.starts_with("_"))


def _sections(schools: pl.DataFrame, rng: Rng) -> pl.DataFrame:
    """One row per school and stage: students, classes, oversized classes, migrant students."""
    stage_rows = pl.DataFrame(
        [(t, s) for t, stages in TYPE_STAGES.items() for s in stages],
        schema={"school_type": pl.String, "stage": pl.String},
        orient="row",
    ).with_columns(
        pl.col("school_type").cast(pl.Enum(SCHOOL_TYPES)), pl.col("stage").cast(pl.Enum(STAGES))
    )
    medians = pl.DataFrame(
        [
            (t, s, loc, SECTION_MEDIAN[(t, s)][i])
            for (t, s) in SECTION_MEDIAN
            for i, loc in enumerate(LOCATIONS)
        ],
        schema={"school_type": pl.String, "stage": pl.String, "location": pl.String, "m": pl.Int64},
        orient="row",
    ).with_columns(
        pl.col("school_type").cast(pl.Enum(SCHOOL_TYPES)),
        pl.col("stage").cast(pl.Enum(STAGES)),
        pl.col("location").cast(pl.Enum(LOCATIONS)),
    )
    sections = (
        schools.join(stage_rows, on="school_type")
        .join(medians, on=["school_type", "stage", "location"])
        .sort("school_key", "stage")
    )
    sections = sections.with_columns(pl.int_range(pl.len(), dtype=pl.UInt64).alias("section_key"))
    sections = _with_bits(sections, rng, "section_key", "e_size", "e_class", "e_over", "e_mig")
    stage, loc = pl.col("stage"), pl.col("location")
    t = pl.col("school_type")
    small = t.is_in(["special", "teaching_point"])
    factor = pl.when(small).then(1.0).otherwise(pl.col("size_factor"))
    students = (
        (pl.col("m") * factor * (SIZE_SIGMA * _normal("_e_size")).exp())
        .round()
        .clip(pl.when(t == "special").then(8).otherwise(20), 3000)
        .cast(pl.Int64)
    )
    class_size = pl.when(t == "teaching_point").then(22.0).when(t == "special").then(10.0)
    for s in STAGES:
        for i, location in enumerate(LOCATIONS):
            class_size = class_size.when((stage == s) & (loc == location)).then(CLASS_SIZE[s][i])
    class_size = class_size.otherwise(45.0) * (0.07 * _normal("_e_class")).exp()
    limit = pl.when(stage == "primary").then(CLASS_LIMIT["primary"]).otherwise(50.0)
    sections = sections.with_columns(students.alias("students")).with_columns(
        (pl.col("students") / class_size).round().clip(1, None).cast(pl.Int64).alias("classes")
    )
    average = pl.col("students") / pl.col("classes")
    share_over = ((average - limit + 4.0) / 8.0).clip(0.0, 1.0)
    low = pl.lit(0.0)
    high = pl.lit(0.0)
    for location, (lo, hi) in MIGRANT_SHARE.items():
        low = pl.when(loc == location).then(lo).otherwise(low)
        high = pl.when(loc == location).then(hi).otherwise(high)
    migrant_share = (low + (high - low) * _hi("_e_mig")) * pl.col("migrant_factor")
    return sections.with_columns(
        (pl.col("classes") * share_over + _hi("_e_over") - 0.5)
        .round()
        .clip(0, pl.col("classes"))
        .cast(pl.Int64)
        .alias("oversized_classes"),
        (pl.col("students") * migrant_share.clip(0.0, 0.9))
        .round()
        .cast(pl.Int64)
        .alias("migrant_students"),
    ).drop(pl.selectors.starts_with("_"), "m")


def _teacher_counts(sections: pl.DataFrame, rng: Rng) -> pl.DataFrame:
    """Teachers per section and the section's rates for backbone and PE/art teachers.

    Small schools have more teachers per student; the totals are scaled so that each stage has
    TEACHERS_PER100 teachers per 100 students overall.
    """
    sections = _with_bits(sections, rng, "section_key", "t_ratio", "t_backbone", "t_pe")
    stage = pl.col("stage")
    special = pl.col("school_type") == "special"
    relative = (pl.col("students").cast(pl.Float64) / 600.0).pow(-0.15) * (
        0.10 * _normal("_t_ratio")
    ).exp()
    sections = sections.with_columns(relative.alias("_rel"))
    totals = (
        sections.filter(~special)
        .group_by("stage")
        .agg((pl.col("students").sum() / (pl.col("students") * pl.col("_rel")).sum()).alias("_k"))
    )
    per100 = stage.cast(pl.String).replace_strict(TEACHERS_PER100, return_dtype=pl.Float64)
    raw = pl.col("students") * pl.col("_rel") * pl.col("_k") * per100 / 100.0
    n = (
        pl.when(special)
        .then((pl.col("students") * SPECIAL_TEACHERS_PER100 / 100.0).round().clip(2, None))
        .otherwise(raw.round().clip(1, None))
        .cast(pl.Int64)
    )
    loc = pl.col("location")
    backbone = (
        loc.cast(pl.String).replace_strict(BACKBONE_RATE, return_dtype=pl.Float64)
        * (0.30 * _normal("_t_backbone") + 0.12 * pl.col("quality")).exp()
    )
    pe_art = (
        stage.cast(pl.String).replace_strict(PE_ART_RATE, return_dtype=pl.Float64)
        * (0.28 * _normal("_t_pe") + 0.08 * pl.col("quality")).exp()
    )
    return (
        sections.join(totals, on="stage", how="left", maintain_order="left")
        .with_columns(
            n.alias("teachers"),
            backbone.clip(0.01, 0.6).alias("backbone_rate"),
            pe_art.clip(0.02, 0.45).alias("pe_art_rate"),
        )
        .drop(pl.selectors.starts_with("_"))
    )


# ---------------------------------------------------------------------------------------------
# Teachers
# ---------------------------------------------------------------------------------------------
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_DAYS = 14_610  # birthdays from 1962-01-01, 40 years
_ID_MULT = 7919  # coprime with _ID_DAYS * 1000: (k * _ID_MULT) mod that is a permutation


def _with_national_id(
    frame: pl.DataFrame, county_code: str, k: pl.Expr, offset: str
) -> pl.DataFrame:
    """Add ``_national_id``: 18 characters shaped like a national ID number (county, birthday,
    sequence, valid check digit), unique per (county, k)."""
    space = _ID_DAYS * 1000
    j = (k * _ID_MULT + pl.col(offset)) % space
    birthday = pl.date(1962, 1, 1) + pl.duration(days=j // 1000)
    ymd = (
        birthday.dt.year().cast(pl.Int64) * 10000
        + birthday.dt.month().cast(pl.Int64) * 100
        + birthday.dt.day().cast(pl.Int64)
    )
    frame = frame.with_columns(
        (pl.col(county_code).cast(pl.Int64) * 10**11 + ymd.cast(pl.Int64) * 1000 + j % 1000).alias(
            "_body"
        )
    )
    body = pl.col("_body")  # 17 digits
    total = pl.sum_horizontal((body // 10 ** (16 - i)) % 10 * w for i, w in enumerate(_ID_WEIGHTS))
    check = pl.lit(pl.Series(list("10X98765432"))).gather(total % 11)
    return frame.with_columns(pl.format("{}{}", body, check).alias("_national_id")).drop("_body")


def _teachers(sections: pl.DataFrame, rng: Rng) -> pl.DataFrame:
    """One row per teacher of the given sections (whose ``first_teacher`` keys are global)."""
    keep = [
        "county_code",
        "school_id",
        "stage",
        "location",
        "first_teacher",
        "county_first_teacher",
        "teachers",
        "backbone_rate",
        "pe_art_rate",
        "rotation_rate",
        "lax_certified",
        "lax_training",
        "county_id_offset",
    ]
    teachers = (
        sections.select(keep)
        .with_columns(
            pl.int_ranges(
                pl.col("first_teacher"),
                pl.col("first_teacher") + pl.col("teachers"),
                dtype=pl.Int64,
            ).alias("teacher_key")
        )
        .explode("teacher_key")
    )
    teachers = _with_bits(
        teachers, rng, "teacher_key", "a_edu", "a_bb", "a_subj", "a_flags", "a_hours", "a_id"
    )
    stage_i = pl.col("stage").to_physical().cast(pl.Int64)
    loc_i = pl.col("location").to_physical().cast(pl.Int64)
    education = Choice(
        [dict(zip(EDUCATION, EDUCATION_MIX[s][i], strict=True)) for s in STAGES for i in range(3)]
    )
    title = Choice([dict(zip(TITLES, TITLE_MIX[s], strict=True)) for s in STAGES])
    backbone = Choice([{"none": 1.0}, BACKBONE_LEVELS])
    subject = Choice([PE_ART_SUBJECTS] + [OTHER_SUBJECTS[s] for s in STAGES])
    is_backbone = _hi("_a_bb") < pl.col("backbone_rate")
    is_pe_art = _hi("_a_subj") < pl.col("pe_art_rate")
    certified_p = (
        pl.when(~pl.col("lax_certified"))
        .then(1.0)
        .when(loc_i == 0)
        .then(0.997)
        .when(loc_i == 1)
        .then(0.993)
        .otherwise(0.985)
    )
    hours_mean = pl.when(loc_i == 2).then(450.0).otherwise(468.0)
    hours_min = pl.when(pl.col("lax_training")).then(40).otherwise(360)
    eligible = _hi("_a_flags") < 0.15
    k = pl.col("teacher_key") - pl.col("county_first_teacher")
    teachers = _with_national_id(teachers, "county_code", k, "county_id_offset")
    national = _hi("_a_id") < 0.6
    teacher_id = (
        pl.when(national)
        .then(pl.col("_national_id"))
        .otherwise(pl.format("T{}{}", "county_code", k.cast(pl.String).str.zfill(7)))
    )
    return teachers.select(
        teacher_id.alias("teacher_id"),
        "school_id",
        "stage",
        education.draw(stage_i * 3 + loc_i, _hi("_a_edu")).alias("education"),
        title.draw(stage_i, _lo("_a_edu")).alias("title"),
        backbone.draw(is_backbone.cast(pl.Int64), _lo("_a_bb")).alias("backbone_level"),
        subject.draw(pl.when(is_pe_art).then(0).otherwise(stage_i + 1), _lo("_a_subj")).alias(
            "subject"
        ),
        (_lo("_a_flags") < certified_p).alias("certified"),
        (hours_mean + 55.0 * _normal("_a_hours"))
        .round()
        .clip(hours_min, 900)
        .cast(pl.Int64)
        .alias("training_hours_5y"),
        eligible.alias("rotation_eligible"),
        (eligible & (_lo("_a_id") < pl.col("rotation_rate"))).alias("rotated"),
        "teacher_key",
    )


# ---------------------------------------------------------------------------------------------
# Facilities, rooms, finance, county items
# ---------------------------------------------------------------------------------------------
def _school_totals(schools: pl.DataFrame, sections: pl.DataFrame) -> pl.DataFrame:
    per_stage = sections.group_by("school_key").agg(
        *(pl.col("students").filter(pl.col("stage") == s).sum().alias(f"n_{s}") for s in STAGES),
        pl.col("classes").sum().alias("total_classes"),
    )
    return schools.join(per_stage, on="school_key", maintain_order="left").sort("school_key")


def _weight(stage: str) -> pl.Expr:
    expr = pl.lit(1.0)
    for (t, s), w in SPLIT_WEIGHT.items():
        if s == stage:
            expr = pl.when(pl.col("school_type") == t).then(w).otherwise(expr)
    return expr


def _facilities(totals: pl.DataFrame, rng: Rng) -> pl.DataFrame:
    """Facilities sized from what the school's sections need under the split rule of §1."""
    frame = _with_bits(totals, rng, "school_key", "f_1", "f_2", "f_3", "f_4", "f_5")
    wp, wj, ws = _weight("primary"), _weight("junior"), _weight("senior")
    weighted = pl.col("n_primary") * wp + pl.col("n_junior") * wj + pl.col("n_senior") * ws
    has_p, has_j = pl.col("n_primary") > 0, pl.col("n_junior") > 0
    loc_i = pl.col("location").to_physical().cast(pl.Int64)
    quality = pl.col("quality") * 0.2 + pl.col("county_quality")

    def resource(name: str, noise: pl.Expr) -> pl.Expr:
        std = STANDARD[name]
        per_weighted = pl.max_horizontal(
            pl.when(has_p).then(std["primary"] / wp).otherwise(0.0),
            pl.when(has_j).then(std["junior"] / wj).otherwise(0.0),
            pl.when(~has_p & ~has_j).then(std["junior"]).otherwise(0.0),
        )
        margin = pl.lit(0.0)
        for i, m in enumerate(FACILITY_MARGIN[name]):
            margin = pl.when(loc_i == i).then(m).otherwise(margin)
        return weighted * per_weighted * (margin + quality + 0.14 * noise).exp()

    indoor_share = (
        pl.when(loc_i == 0)
        .then(0.08 + 0.14 * _hi("_f_5"))
        .when(loc_i == 1)
        .then(0.03 + 0.09 * _hi("_f_5"))
        .otherwise(0.06 * _hi("_f_5"))
    )
    frame = frame.with_columns(
        resource("teaching", _normal("_f_1")).alias("_teach"),
        resource("sports", _normal("_f_2")).alias("_sports"),
        resource("equipment", _normal("_f_3")).alias("_equip"),
        resource("multimedia", _normal("_f_4")).alias("_mm"),
    ).with_columns((pl.col("_sports") * indoor_share).round(1).alias("indoor_sports_area_m2"))
    return frame.select(
        "school_id",
        (pl.col("_teach") + pl.col("indoor_sports_area_m2")).round(1).alias("teaching_aux_area_m2"),
        "indoor_sports_area_m2",
        (pl.col("_sports") - pl.col("indoor_sports_area_m2"))
        .round(1)
        .clip(0.0, None)
        .alias("sports_field_area_m2"),
        pl.col("_equip").round().cast(pl.Int64).alias("equipment_value_yuan"),
        pl.col("_mm").round().clip(1, None).cast(pl.Int64).alias("multimedia_classrooms"),
        "school_key",
    )


def _rooms(totals: pl.DataFrame, rng: Rng) -> pl.DataFrame:
    """ceil(classes / 12) music rooms and as many art rooms per school, of the §2 G3 size, but
    in a lax county some schools have smaller rooms."""
    totals = _with_bits(totals, rng, "school_key", "r_school")
    rooms = (
        totals.select(
            "school_id",
            "built_year",
            (pl.col("lax_rooms") & (_hi("_r_school") < 0.15)).alias("_small"),
            ((pl.col("total_classes") + 11) // 12).clip(1, None).alias("_n"),
        )
        .with_columns(pl.int_ranges(0, pl.col("_n") * 2).alias("_i"))
        .explode("_i")
        .with_columns(pl.int_range(pl.len(), dtype=pl.UInt64).alias("room_key"))
    )
    rooms = _with_bits(rooms, rng, "room_key", "r_area")
    music = pl.col("_i") < pl.col("_n")
    new = pl.col("built_year") > 2016
    standard = pl.when(music).then(pl.when(new).then(96).otherwise(73))
    standard = standard.otherwise(pl.when(new).then(90).otherwise(67))
    u = _hi("_r_area")
    area = pl.when(pl.col("_small")).then(standard - 2 - 18 * u).otherwise(standard + 1 + 34 * u)
    return rooms.select(
        "school_id",
        pl.when(music)
        .then(pl.lit("music"))
        .otherwise(pl.lit("art"))
        .cast(pl.Enum(["music", "art"]))
        .alias("room_type"),
        area.floor().cast(pl.Int64).alias("area_m2"),
        "room_key",
    )


def _finance(totals: pl.DataFrame, rng: Rng) -> pl.DataFrame:
    """Public funds per school: allocated ≈ students × standard (small schools funded as 100)."""
    frame = _with_bits(totals, rng, "school_key", "m_1", "m_2")
    t = pl.col("school_type")
    students = pl.col("n_primary") + pl.col("n_junior") + pl.col("n_senior")
    standard = (
        pl.when(t == "special")
        .then(6000)
        .when(pl.col("n_junior") + pl.col("n_senior") > 0)
        .then(pl.col("funds_standard") + 200)
        .otherwise(pl.col("funds_standard"))
    )
    small = (t == "teaching_point") | ((t == "primary") & (pl.col("location") == "rural"))
    unfunded = small & pl.col("lax_small_funds") & (_hi("_m_1") < 0.3)
    funded = pl.when(small & ~unfunded).then(students.clip(100, None)).otherwise(students)
    allocated = funded * standard * (1.0 + 0.08 * _lo("_m_1"))
    budget = allocated * (1.0 + 0.12 * _hi("_m_2"))
    short = pl.col("lax_training_funds") & (_lo("_m_2") < 0.1)
    training_share = (
        pl.when(short).then(0.03 + 0.019 * _hi("_m_2")).otherwise(0.05 + 0.05 * _lo("_m_2"))
    )
    return frame.select(
        "school_id",
        (budget / 100).round().cast(pl.Int64).mul(100).alias("public_funds_budget_yuan"),
        (allocated / 100).round().cast(pl.Int64).mul(100).alias("public_funds_allocated_yuan"),
        standard.cast(pl.Int64).alias("per_student_standard_yuan"),
        (budget * training_share / 10).round().cast(pl.Int64).mul(10).alias("training_funds_yuan"),
        "school_key",
    )


def _county_items(counties: pl.DataFrame, sections: pl.DataFrame, rng: Rng) -> pl.DataFrame:
    """Every county item, one row per county and item, consistent with the county's schools."""
    compulsory = sections.filter(pl.col("stage") != "senior")
    sums = compulsory.group_by("county").agg(
        pl.col("students").sum().alias("_students"),
        pl.col("students").filter(pl.col("stage") == "junior").sum().alias("_junior"),
        pl.col("migrant_students").sum().alias("_migrants"),
    )
    frame = (
        counties.join(sums, on="county", how="left", maintain_order="left")
        .fill_null(0)
        .sort("county")
    )
    streams = [f"k_{i}" for i in range(15)]
    frame = _with_bits(frame, rng, "county", *streams)
    # independent draws per item: mix the item's index into the key
    yes = {
        item: pl.when(rng.uniform(pl.col("county") * 64 + i, "k_yes") < p)
        .then(pl.lit("是"))
        .otherwise(pl.lit("否"))
        for i, (item, p) in enumerate(YES_ITEMS.items())
    }
    veto = {
        item: pl.when(rng.uniform(pl.col("county") * 64 + i, "k_veto") < p)
        .then(pl.lit("是"))
        .otherwise(pl.lit("否"))
        for i, (item, p) in enumerate(VETO_ITEMS.items())
    }

    def count(expr: pl.Expr) -> pl.Expr:
        return expr.round().clip(0, None).cast(pl.Int64)

    civil = ((110_000 + 25_000 * _normal("_k_0")).clip(60_000, 220_000) / 100).round() * 100
    entrants = count(pl.col("_junior") / 3 * (0.98 + 0.07 * _hi("_k_3")))
    frame = frame.with_columns(
        civil.alias("civil_servant_avg_salary"),
        ((civil * (0.98 + 0.17 * _hi("_k_1")) / 100).round() * 100).alias("teacher_avg_salary"),
        pl.when(_lo("_k_1") < 0.92)
        .then(100.0)
        .otherwise(97.0 + 3.0 * _hi("_k_2"))
        .round(2)
        .alias("nearby_enrollment_primary_pct"),
        pl.when(_hi("_k_12") < 0.9)
        .then(95.0 + 5.0 * _lo("_k_2"))
        .otherwise(90.0 + 5.0 * _lo("_k_2"))
        .round(2)
        .alias("nearby_enrollment_junior_pct"),
        (90.0 + 3.5 * _normal("_k_4")).clip(70, 99.5).round(2).alias("social_recognition_pct"),
        entrants.alias("junior_entrants"),
        count(pl.col("_migrants")).alias("migrant_eligible"),
        count(pl.col("_students") * (0.002 + 0.004 * _lo("_k_3"))).alias("disabled_children"),
        (0.11 + 0.03 * _normal("_k_5"))
        .clip(0.02, 0.35)
        .round(3)
        .alias("monitoring_difference_rate"),
        (88.0 + 4.0 * _normal("_k_13")).clip(60, 99.5).round(1).alias("academic_quality_pct"),
        (92.0 + 3.0 * _normal("_k_14")).clip(70, 99.8).round(1).alias("physical_health_pct"),
    )
    frame = frame.with_columns(
        count(pl.col("junior_entrants") * (0.01 + 0.03 * _hi("_k_6"))).alias("junior_transfers_in"),
        count(pl.col("junior_entrants") * (0.004 + 0.008 * _lo("_k_6"))).alias("junior_resumed"),
        count(pl.col("junior_entrants") * (0.01 + 0.03 * _hi("_k_7"))).alias(
            "junior_transfers_out"
        ),
        count(pl.col("junior_entrants") * (0.004 + 0.008 * _lo("_k_7"))).alias("junior_suspended"),
        count(pl.col("junior_entrants") * 0.0003 * _hi("_k_8")).alias("junior_deaths"),
        count(pl.col("junior_entrants") * (0.35 + 0.2 * _lo("_k_8"))).alias("hs_quota_total"),
        count(pl.col("migrant_eligible") * (0.82 + 0.18 * _hi("_k_9"))).alias("migrant_in_public"),
        count(
            pl.col("disabled_children") * (0.975 + 0.015 * _normal("_k_10")).clip(0.85, 1.0)
        ).alias("disabled_enrolled"),
    )
    base = (
        pl.col("junior_entrants")
        + pl.col("junior_transfers_in")
        + pl.col("junior_resumed")
        - pl.col("junior_transfers_out")
        - pl.col("junior_suspended")
        - pl.col("junior_deaths")
    )
    frame = frame.with_columns(
        count(base * (0.985 + 0.015 * _normal("_k_11")).clip(0.9, 1.0)).alias("junior_graduates"),
        count(pl.col("hs_quota_total") * (0.46 + 0.26 * _lo("_k_9"))).alias("hs_quota_allocated"),
    ).with_columns(
        count(
            pl.col("hs_quota_allocated")
            * (1 - pl.col("urban_share"))
            * (0.8 + 0.4 * _lo("_k_12")).clip(0, 1)
        ).alias("hs_quota_rural"),
        *(expr.alias(item) for item, expr in {**yes, **veto}.items()),
    )
    long = frame.select(
        "county",
        "county_code",
        *(pl.col(item).cast(pl.String) for item in COUNTY_ITEMS),
    ).unpivot(index=["county", "county_code"], variable_name="item", value_name="value")
    order = {item: i for i, item in enumerate(COUNTY_ITEMS)}
    note = (
        pl.when(pl.col("item").is_in(list(YES_ITEMS)))
        .then(pl.lit("自评报告"))
        .when(pl.col("item").is_in(list(VETO_ITEMS)))
        .then(pl.lit("经核查"))
        .otherwise(pl.lit("统计数据"))
    )
    return (
        long.with_columns(
            pl.col("item").replace_strict(order, return_dtype=pl.Int64).alias("_order")
        )
        .sort("county", "_order")
        .select(
            "county_code",
            "item",
            pl.col("value").str.replace(r"\.0$", ""),
            note.alias("note"),
            pl.int_range(pl.len(), dtype=pl.UInt64).alias("item_key"),
        )
    )


# ---------------------------------------------------------------------------------------------
# Bad rows
# ---------------------------------------------------------------------------------------------
def _negative(column: str) -> pl.Expr:
    return -(pl.col(column) + 1)


MISSING = "暂缺"
UNKNOWN_SCHOOL = pl.format("0{}", (pl.col("teacher_key") % 10**9).cast(pl.String).str.zfill(9))
# file -> [(column, corrupted value)]: each bad row gets one of them, chosen at random.
CORRUPTIONS: dict[str, list[tuple[str, pl.Expr]]] = {
    "enrollment": [
        ("students", _negative("students")),
        ("classes", pl.lit(MISSING)),
        ("oversized_classes", pl.col("classes") + 3),
        ("migrant_students", pl.lit(MISSING)),
    ],
    "teachers": [
        ("education", pl.lit("未知学历")),
        ("school_id", UNKNOWN_SCHOOL),
        ("training_hours_5y", _negative("training_hours_5y")),
        ("training_hours_5y", pl.lit(MISSING)),
        ("title", pl.lit("待定级")),
        ("certified", pl.lit(MISSING)),
    ],
    "facilities": [
        ("equipment_value_yuan", pl.lit(MISSING)),
        ("sports_field_area_m2", _negative("sports_field_area_m2")),
        ("indoor_sports_area_m2", pl.col("teaching_aux_area_m2") * 1.5 + 10),
        ("multimedia_classrooms", pl.lit(MISSING)),
    ],
    "rooms": [
        ("room_type", pl.lit("舞蹈")),
        ("area_m2", pl.lit(MISSING)),
        ("area_m2", _negative("area_m2")),
    ],
    "finance": [
        ("public_funds_budget_yuan", pl.lit(MISSING)),
        ("public_funds_allocated_yuan", _negative("public_funds_allocated_yuan")),
        ("training_funds_yuan", pl.lit(MISSING)),
    ],
    "county": [
        ("value", pl.lit(MISSING)),
        ("item", pl.lit("unknown_item")),
    ],
}


def _corrupt(
    frame: pl.DataFrame, name: str, key: str, rate: float, rng: Rng
) -> tuple[pl.DataFrame, int]:
    """Corrupt one cell in each row picked with probability ``rate``; return the count."""
    if rate <= 0 or frame.height == 0:
        return frame, 0
    kinds = CORRUPTIONS[name]
    frame = _with_bits(frame, rng, key, f"bad_{name}").with_columns(
        (_hi(f"_bad_{name}") < rate).alias("_bad"),
        (_lo(f"_bad_{name}") * len(kinds)).floor().cast(pl.Int64).alias("_kind"),
    )
    bad = int(frame["_bad"].sum())
    if bad:
        changes = {}  # column -> when/then chain over the kinds that corrupt it
        for i, (column, value) in enumerate(kinds):
            when = pl.col("_bad") & (pl.col("_kind") == i)
            changes[column] = changes.get(column, pl).when(when).then(value.cast(pl.String))
        frame = frame.with_columns(
            expr.otherwise(pl.col(column).cast(pl.String)).alias(column)
            for column, expr in changes.items()
        )
    return frame.drop("_bad", "_kind", f"_bad_{name}"), bad


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
def _columns(name: str) -> list[str]:
    return [c.name for c in INPUT_FILES[name].columns]


def _write(frame: pl.DataFrame, name: str, handle, header: bool) -> None:
    frame.select(_columns(name)).write_csv(handle, include_header=header)


def generate(
    out_dir: Path,
    scale: str,
    counties: int | None = None,
    year: int = 2024,
    seed: int = 1,
    bad_row_rate: float = 0.001,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Write ``out_dir/<year>/*.csv``; return rows and injected bad rows per file, and totals."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}; got {scale!r}")
    n_counties = SCALES[scale] if counties is None else counties
    if n_counties < 1:
        raise ValueError("counties must be 1 or more")
    if not 0 <= bad_row_rate < 1:
        raise ValueError("bad_row_rate must be in [0, 1)")
    say = log or (lambda _message: None)
    started = time.perf_counter()
    rng = Rng(seed)
    year_dir = Path(out_dir) / str(year)
    year_dir.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    bad: dict[str, int] = {name: 0 for name in FILES}

    county_frame = _counties(n_counties, scale == "district", rng)
    schools = _schools(county_frame, year, rng)
    sections = _teacher_counts(_sections(schools, rng), rng)
    say(f"{len(county_frame)} counties, {schools.height} schools, {sections.height} sections")

    schools.select(_columns("schools")).write_csv(year_dir / "schools.csv")
    rows["schools"] = schools.height

    enrollment, bad["enrollment"] = _corrupt(
        sections.select(*_columns("enrollment"), "section_key"),
        "enrollment",
        "section_key",
        bad_row_rate,
        rng,
    )
    enrollment.select(_columns("enrollment")).write_csv(year_dir / "enrollment.csv")
    rows["enrollment"] = enrollment.height
    del enrollment

    totals = _school_totals(schools, sections)
    for name, build, key in (
        ("facilities", _facilities, "school_key"),
        ("rooms", _rooms, "room_key"),
        ("finance", _finance, "school_key"),
    ):
        frame, bad[name] = _corrupt(build(totals, rng), name, key, bad_row_rate, rng)
        frame.select(_columns(name)).write_csv(year_dir / f"{name}.csv")
        rows[name] = frame.height
    say(f"schools, enrollment, facilities, rooms, finance written ({_since(started)})")

    items, bad["county"] = _corrupt(
        _county_items(county_frame, sections, rng), "county", "item_key", bad_row_rate, rng
    )
    items.select(_columns("county")).write_csv(year_dir / "county.csv")
    rows["county"] = items.height

    # teachers: global keys per section and per county, then batches of whole counties
    sections = sections.with_columns(
        (pl.col("teachers").cum_sum() - pl.col("teachers")).alias("first_teacher"),
    ).with_columns(
        pl.col("first_teacher").min().over("county").alias("county_first_teacher"),
        (rng.bits("county", "id_offset") % (_ID_DAYS * 1000))
        .cast(pl.Int64)
        .alias("county_id_offset"),
    )
    per_county = sections.group_by("county").agg(pl.col("teachers").sum()).sort("county")
    batch_of = (per_county["teachers"].cum_sum() - per_county["teachers"]) // TEACHER_BATCH
    sections = sections.join(
        per_county.select("county", batch_of.alias("batch")),
        on="county",
        how="left",
        maintain_order="left",
    )
    rows["teachers"] = 0
    with (year_dir / "teachers.csv").open("wb") as handle:
        for number, batch in enumerate(sections.partition_by("batch", maintain_order=True)):
            teachers, n_bad = _corrupt(
                _teachers(batch.sort("section_key"), rng),
                "teachers",
                "teacher_key",
                bad_row_rate,
                rng,
            )
            _write(teachers, "teachers", handle, header=number == 0)
            rows["teachers"] += teachers.height
            bad["teachers"] += n_bad
            say(f"teachers: {rows['teachers']:,} written ({_since(started)})")
            del teachers

    stats = sections.group_by("stage").agg(
        pl.len().alias("sections"), pl.col("students").sum(), pl.col("teachers").sum()
    )
    by_stage = {row["stage"]: row for row in stats.iter_rows(named=True)}
    return {
        "out": str(year_dir),
        "scale": scale,
        "counties": n_counties,
        "year": year,
        "seed": seed,
        "rows": {name: rows[name] for name in FILES},
        "bad_rows": bad,
        "bytes": {name: (year_dir / f"{name}.csv").stat().st_size for name in FILES},
        "sections": {s: by_stage.get(s, {}).get("sections", 0) for s in STAGES},
        "students": {s: by_stage.get(s, {}).get("students", 0) for s in STAGES},
        "teachers": {s: by_stage.get(s, {}).get("teachers", 0) for s in STAGES},
        "seconds": round(time.perf_counter() - started, 1),
    }


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.generate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scale", choices=list(SCALES), required=True)
    parser.add_argument("--counties", type=int, help="number of counties (default: the scale's)")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--bad-row-rate",
        type=float,
        default=0.001,
        help="probability that a row (schools excepted) gets one bad cell (default: %(default)s)",
    )
    parser.add_argument("--out", type=Path, required=True, help="input root to write into")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        result = generate(
            args.out,
            args.scale,
            counties=args.counties,
            year=args.year,
            seed=args.seed,
            bad_row_rate=args.bad_row_rate,
            log=lambda message: print(message, flush=True),
        )
    except ValueError as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 2
    print(f"{result['out']}: {result['counties']} counties, {result['seconds']} s")
    print(f"  {'file':<12}{'rows':>14}{'bad rows':>10}{'MiB':>10}")
    for name in FILES:
        print(
            f"  {name:<12}{result['rows'][name]:>14,}{result['bad_rows'][name]:>10,}"
            f"{result['bytes'][name] / 2**20:>10.1f}"
        )
    for key in ("sections", "students", "teachers"):
        parts = ", ".join(f"{s} {n:,}" for s, n in result[key].items())
        print(f"  {key}: {parts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
