"""Generate the bundled sample district 渝北区(示例), county 500112, school years 2022-2024.

Modelled on the self-evaluation report of 重庆市渝北区 (shared/seeds/002): 103 compulsory schools
(63 primary, 17 junior, 10 nine-year, 1 twelve-year, 11 complete middle, 1 special) plus 3 teaching
points, a senior high school and a vocational school, so every exclusion rule of DOMAIN.md shows.
2024 reproduces the seed's totals (students, teachers, classes, oversized classes, rotation) and its
classification of the 115 evaluated sections: 87 meet all 7 indicators, 3 comply (6 met, the 7th at
85-100 %), 25 are below standard (2 with two indicators at 85-100 %, 23 with one under 85 %).
2022 and 2023 are the same district a little smaller; 2022 fails the junior backbone-teacher CV.
2024 has a remediation plan (化解计划.csv, copied from remediation_plan_2024.csv, which
`junheng plan --year 2024` wrote): with it the district fails only G4, as seed 002 reports.

How the statuses are made: every evaluated section gets a *plan* per year, a band per indicator
(meet; mid = 85-100 % of the standard; low = under 85 %; exact = the standard itself; high = far
above it, to skew a CV). Teacher counts and facility totals are drawn inside those bands, so the
statuses are known by construction; `check_plans` asserts them and tests/oracle.py recomputes them
independently from the written files. Values keep at least 0.5 % (mostly 2 %) away from a standard
and from 85 % of it, except two sections planned at exactly the standard in 2023.

Years are generated newest first: 2023 and 2022 keep ~92 % of the next year's teachers (same ids)
and the same buildings, as a district's statistics move from one year to the next. Each year is
written in other real-world formats (GBK/GB18030/UTF-8 CSV, xlsx with title rows, Chinese or
English headers and labels, equipment value in 万元) to exercise the readers.

Run: .venv/bin/python sample_data/generate.py   (deterministic: byte-identical on every run)
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import shutil
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from random import Random

import xlsxwriter

HERE = Path(__file__).resolve().parent
COUNTY_CODE, COUNTY_NAME = "500112", "渝北区(示例)"
YEARS = (2024, 2023, 2022)  # newest first: each earlier year is derived from the next one
COMPULSORY = ("primary", "junior")
rng = Random(20240901)


def table(text: str) -> list[list[str]]:
    """The rows of a whitespace-separated text table; lines starting with '#' are comments."""
    return [line.split() for line in text.strip().splitlines() if not line.startswith("#")]


def pairs(text: str, cast=int) -> dict:
    """'语文:30 数学:25' -> {'语文': 30, '数学': 25}"""
    return {k: cast(v) for k, v in (cell.split(":") for cell in text.split())}


def labelled(text: str) -> dict[str, dict[str, str]]:
    """'set: code label, code label' lines (indented lines continue) -> {set: {code: label}}."""
    out = {}
    for line in text.replace("\n    ", " ").strip().splitlines():
        name, _, items = line.partition(":")
        out[name.strip()] = dict(item.split() for item in items.split(","))
    return out


# DOMAIN.md §1 standards; multimedia rooms per student (the indicator counts them per 100).
_STD = table("""
stage    qualified backbone pe_art teaching sports equipment multimedia
primary  4.2       1.0      0.9    4.5      7.5    2000      0.023
junior   5.3       1.0      0.9    5.8      10.2   2500      0.024
""")
STD = {r[0]: dict(zip(_STD[0][1:], map(float, r[1:]), strict=True)) for r in _STD[1:]}
TEACHER_INDS, FACILITY_INDS = _STD[0][1:4], _STD[0][4:]
WEIGHTS = {("nine_year", "junior"): 1.1, ("twelve_year", "junior"): 1.1, ("special", "junior"): 1.1}
WEIGHTS |= {("twelve_year", "senior"): 1.32, ("complete_middle", "senior"): 1.2}
EVALUATED_TYPES = {"primary", "junior", "nine_year", "twelve_year", "complete_middle"}
EVALUATED_TYPES.add("teaching_point")  # with 50 students or more
# Bands as shares of the standard: the interval a value must fall in, and the one values are
# drawn from (for "meet" that one depends on the indicator: PREFER_MEET).
BANDS = {
    r[0]: tuple(map(float, r[1:]))
    for r in table("""
meet   1.02  9.0    0     0
mid    0.87  0.975  0.89  0.96
low    0.60  0.82   0.66  0.80
high   3.3   4.3    3.5   4.1
exact  1.0   1.0    1.0   1.0
""")
}
PREFER_MEET = pairs(
    "qualified:1.1-1.4 backbone:1.06-1.5 pe_art:1.22-1.62 teaching:1.06-1.55 "
    "sports:1.06-1.7 equipment:1.06-1.6 multimedia:1.05-1.45",
    lambda text: tuple(map(float, text.split("-"))),
)
SEED_2024 = pairs("""
primary_students:101188 junior_students:43777 primary_teachers:6159 junior_teachers:3349
primary_classes:2239 primary_oversized:1135 junior_classes:949 junior_oversized:139
migrants:25764 rotation_eligible:1463 rotated:191 rotated_backbone:41
""")
# The 2024 register: count, location (one drawn per school), students per stage ("a-b" drawn in
# the range; MID = middle-sized schools that absorb the rest of the seed's totals) and a flag.
SCHOOL_PLAN = table("""
# type          n   location          primary   junior     senior    flag
primary         16  urban             2020-2580 -          -         -
primary         7   rural,rural,town  220-650   -          -         -
primary         1   urban             640       -          -         new2024
primary         1   urban             1020      -          -         new2023
primary         38  urban,urban,town  MID       -          -         -
junior          4   urban             -         2050-2500  -         -
junior          2   rural             -         320-600    -         -
junior          1   town              -         412        -         exact_equipment
junior          1   town              -         418        -         exact_backbone
junior          1   urban             -         760        -         new2023
junior          8   urban,urban,town  -         MID        -         -
nine_year       1   urban             1700      900        -         -
nine_year       1   urban             400-1300  250-800    -         -
nine_year       5   town              400-1300  250-800    -         -
nine_year       3   rural             400-1300  250-800    -         -
twelve_year     1   urban             1350      980        760       -
complete_middle 3   urban             -         2050-2400  700-1900  -
complete_middle 4   urban             -         700-1900   700-1900  -
complete_middle 4   town              -         700-1900   700-1900  -
special         1   urban             90        48         -         -
teaching_point  1   rural             31        -          -         -
teaching_point  1   rural             66        -          -         -
teaching_point  1   rural             84        -          -         -
senior          1   urban             -         -          2450      -
vocational      1   town              -         -          3100      -
""")
NAME_SUFFIX = {
    r[0]: r[1:]
    for r in table("""
primary 小学 第二小学
junior 初级中学 第二初级中学
nine_year 学校 实验学校
twelve_year 外国语学校 外国语学校
complete_middle 中学 第二中学
special 特殊教育学校 特殊教育学校
teaching_point 村小教学点 村小教学点
senior 高级中学 高级中学
vocational 职业教育中心 职业教育中心
""")
}
CLASS_SIZE = {"urban": 47.0, "town": 44.5, "rural": 37.0}
MIGRANT_SHARE = {"urban": (0.18, 0.32), "town": (0.08, 0.18), "rural": (0.02, 0.08)}
ERAS = [(1950, 1979), (1980, 1999), (1980, 1999), (2000, 2010), (2011, 2016), (2011, 2016)]
PLACES = [
    place
    for row in table("""
两路 双凤桥 宝圣湖 龙溪 龙山 龙塔 回兴 双龙湖 仙桃 人和 天宫殿 翠云 大竹林 礼嘉 悦来 康美 鸳鸯
金山 王家 石船 古路 大湾 兴隆 木耳 茨竹 大盛 统景 洛碛 玉峰山 龙兴 御临 空港 黄山 花石 松石 宝环
紫薇 栖霞 双湖 食品城 民安 腾芳 数据谷 云竹 湖光 金渝 新牌坊 冉家坝 龙头寺 东湖 照母山 桂馥
""")
    for place in row
]


# ---------------------------------------------------------------------------------------------
# Schools and students
# ---------------------------------------------------------------------------------------------
@dataclass
class School:
    sid: str
    name: str
    type: str
    location: str
    public: bool
    boarding: bool
    built: int
    flag: str = ""  # new2023/new2024, or exact_equipment/exact_backbone (at the standard in 2023)
    students: dict = field(default_factory=dict)  # year -> {stage: students}
    classes: dict = field(default_factory=dict)  # year -> {stage: [classes, oversized, migrant]}

    def exists(self, year: int) -> bool:
        return self.built <= year


def weight(school: School, stage: str) -> float:
    return WEIGHTS.get((school.type, stage), 1.0)


def evaluated(school: School, stage: str, year: int) -> bool:
    n = school.students.get(year, {}).get(stage, 0)
    small_point = school.type == "teaching_point" and n < 50
    return school.type in EVALUATED_TYPES and stage in COMPULSORY and n > 0 and not small_point


def fit_total(weights: list[float], target: int) -> list[int]:
    """Integers in proportion to weights that add up to target (the remainder to the largest)."""
    scaled = [round(w * target / sum(weights)) for w in weights]
    scaled[scaled.index(max(scaled))] += target - sum(scaled)
    return scaled


def build_schools() -> list[School]:
    """The register of SCHOOL_PLAN with ids, names, built years, public and boarding flags."""
    specs = []  # (type, location, {stage: students}, flag)
    for stype, count, locations, *sizes, flag in SCHOOL_PLAN:
        for _ in range(int(count)):
            stages = {}
            for stage, cell in zip(("primary", "junior", "senior"), sizes, strict=True):
                low, _, high = cell.partition("-")
                if cell != "-":
                    stages[stage] = (
                        cell if cell == "MID" else rng.randint(int(low), int(high or low))
                    )
            specs.append((stype, rng.choice(locations.split(",")), stages, flag.strip("-")))
    for stage in COMPULSORY:
        mids = [s[2] for s in specs if s[2].get(stage) == "MID"]
        rest = SEED_2024[f"{stage}_students"]
        rest -= sum(s[2].get(stage, 0) for s in specs if s[2].get(stage) != "MID")
        sizes = fit_total([rng.uniform(0.7, 1.35) for _ in mids], rest)
        for stages, n in zip(mids, sizes, strict=True):
            assert 600 <= n <= 2000, (stage, n)
            stages[stage] = n
    rng.shuffle(specs)  # ids are not ordered by size within a type
    specs.sort(key=lambda s: list(NAME_SUFFIX).index(s[0]))
    urban = [i for i, s in enumerate(specs) if s[1] == "urban" and not s[3]]
    recent = set(rng.sample(urban, 30))  # built 2017-2022: about 75 schools are older
    private = set(rng.sample([i for i in urban if specs[i][0] in ("primary", "nine_year")], 5))
    schools = []
    for i, (stype, location, stages, flag) in enumerate(specs):
        name = f"渝北区{PLACES[i % len(PLACES)]}{NAME_SUFFIX[stype][min(i // len(PLACES), 1)]}"
        if flag.startswith("new"):
            built = int(flag[3:])
        elif i in recent:
            built = rng.randint(2017, 2022)
        else:
            built = rng.randint(*rng.choice(ERAS))
        boarding = stype in ("special", "senior", "vocational", "twelve_year") or (
            location == "rural" and stype in ("junior", "nine_year")
        )
        sid, public = f"2150112{i + 1:03d}", i not in private
        schools.append(School(sid, name, stype, location, public, boarding, built, flag))
        schools[-1].students[2024] = stages
    assert len({s.name for s in schools}) == len(schools)
    return schools


def earlier_students(schools: list[School]) -> None:
    """About 3 % fewer students a year going back; two junior schools at exactly 400 in 2023."""
    for year in (2023, 2022):
        for s in schools:
            if s.exists(year):
                s.students[year] = {
                    st: max(1, round(n * rng.uniform(0.955, 0.99)))
                    for st, n in s.students[year + 1].items()
                }
            if year == 2023 and s.flag.startswith("exact"):
                s.students[year] = {"junior": 400}


def fill_classes(schools: list[School]) -> None:
    """Classes, oversized classes and migrant children; the 2024 totals are the seed's."""
    limit = {"primary": 45, "junior": 50, "senior": 55}
    n24 = {(s.sid, st): n for s in schools for st, n in s.students[2024].items()}
    per_class = {}  # students per class: full in town and city, small in villages
    for s in schools:
        for st in s.students[2024]:
            size = CLASS_SIZE[s.location] + rng.uniform(-1.5, 1.5) if st != "senior" else 48
            per_class[(s.sid, st)] = {"special": 10, "teaching_point": 13}.get(s.type, size)
    classes, over = {}, {}
    for stage in ("primary", "junior", "senior"):
        keys = [k for k in n24 if k[1] == stage]
        exact = [n24[k] / per_class[k] for k in keys]
        counts = fit_total(exact, SEED_2024.get(f"{stage}_classes", round(sum(exact))))
        classes.update(zip(keys, counts, strict=True))
        # Oversized classes are common where classes are full; none counted in senior high.
        full = [min(0.95, max(0, (n24[k] / classes[k] - limit[stage] + 6) / 7)) for k in keys]
        if stage != "senior":
            weights = [f * classes[k] for f, k in zip(full, keys, strict=True)]
            over.update(zip(keys, fit_total(weights, SEED_2024[f"{stage}_oversized"]), strict=True))
    # Migrant children: two primary schools over 50 % (G4's size exception), the others scaled
    # so that the county total is the seed's.
    rate = {
        (s.sid, st): rng.uniform(*MIGRANT_SHARE[s.location])
        for s in schools
        for st in s.students[2024]
    }
    urban = [(s.sid, "primary") for s in schools if s.type == "primary" and s.location == "urban"]
    migrant = {k: round(n24[k] * rng.uniform(0.53, 0.6)) for k in rng.sample(urban, 2)}
    migrant |= {k: round(n24[k] * rate[k]) for k in n24 if k[1] == "senior"}
    others = [k for k in n24 if k not in migrant]
    target = SEED_2024["migrants"] - sum(m for k, m in migrant.items() if k[1] != "senior")
    counts = fit_total([n24[k] * rate[k] for k in others], target)
    migrant |= dict(zip(others, counts, strict=True))
    for year in YEARS:  # earlier years: the same class sizes and shares
        for s in (s for s in schools if s.exists(year)):
            s.classes[year] = {}
            for st, n in s.students[year].items():
                k = (s.sid, st)
                c = max(1, round(n / n24[k] * classes[k]))
                oversized = min(c, round(over.get(k, 0) * c / classes[k]))
                s.classes[year][st] = [c, oversized, min(n, round(migrant[k] * n / n24[k]))]


# ---------------------------------------------------------------------------------------------
# Plans: which indicator of which section meets its standard, per year
# ---------------------------------------------------------------------------------------------
# Sections that do not meet every indicator, one group "indicator:band,..." per section ("junior/"
# limits a group to junior sections). Earlier years keep the next year's groups and add these:
# problems that were fixed later.
FAILS = {
    2024: "backbone:mid sports:mid multimedia:mid "  # complies: 6 met, the 7th >= 85 %
    "teaching:mid,sports:mid backbone:mid,equipment:mid "  # below: 5 met, both others >= 85 %
    + "backbone:low " * 6
    + "sports:low " * 6
    + "teaching:low " * 4
    + "equipment:low " * 3
    + "multimedia:low multimedia:low pe_art:low qualified:low",  # below: 6 met, 1 under 85 %
    2023: "sports:low equipment:low backbone:mid multimedia:low teaching:mid pe_art:low "
    "sports:mid,equipment:low",
    2022: "teaching:low sports:low equipment:mid qualified:mid sports:mid multimedia:mid "
    "teaching:low,equipment:mid" + " junior/backbone:low" * 5,  # + 3 'high': the CV fails
}


def assign_fails(schools: list[School], plan: dict, groups: str) -> None:
    """Give each group of (indicator, band) to a different section that still meets all 7."""
    by_id = {s.sid: s for s in schools}
    for group in groups.split():
        only, _, group = group.rpartition("/")
        bands = [tuple(item.split(":")) for item in group.split(",")]
        candidates = []
        for (sid, stage), plan_bands in plan.items():
            s = by_id[sid]
            n = min(s.students[y][stage] for y in YEARS if s.exists(y))
            if (
                set(plan_bands.values()) == {"meet"}
                and not s.flag
                and only in ("", stage)
                and s.type != "teaching_point"
                and n >= (1300 if any(b == "mid" for _, b in bands) else 500)
                # facilities of integrated schools are shared: only single-stage ones fail
                and (s.type in COMPULSORY or all(i in TEACHER_INDS for i, _ in bands))
            ):
                candidates.append((sid, stage))
        plan[rng.choice(candidates)].update(bands)


def make_plans(schools: list[School]) -> dict:
    """year -> {(school, stage): {indicator: band}} for every evaluated section."""
    plans = {}
    for year in YEARS:
        later = plans.get(year + 1, {})
        plan = {}
        for s in schools:
            for st in COMPULSORY:
                if evaluated(s, st, year):
                    bands = later.get((s.sid, st), dict.fromkeys(STD[st], "meet"))
                    plan[(s.sid, st)] = {i: "meet" if b == "exact" else b for i, b in bands.items()}
        assign_fails(schools, plan, FAILS[year])
        for s in schools:
            if year == 2023 and s.flag.startswith("exact"):  # meeting it exactly is meeting it
                plan[(s.sid, "junior")][s.flag[6:]] = "exact"
        if year == 2022:  # backbone teachers crowded into three large complete middle schools
            cms = [s for s in schools if s.type == "complete_middle"]
            for s in sorted(cms, key=lambda s: -s.students[2022]["junior"])[:3]:
                plan[(s.sid, "junior")]["backbone"] = "high"
        plans[year] = plan
    return plans


def draw_in_band(base: float, band: str, ind: str, u: float, integer: bool) -> float:
    """base × a factor inside the band (base = the amount at the standard); counts are integers."""
    lo, hi, plo, phi = BANDS[band]
    if band == "meet":
        plo, phi = PREFER_MEET[ind]
    value = (plo + u * (phi - plo)) * base
    if not integer:
        return value
    low, high = math.ceil(lo * base - 1e-9), math.floor(hi * base + 1e-9)
    if low > high:
        raise ValueError(f"no count of {ind} in band {band} for base {base:.2f}")
    return min(max(round(value), low), high)


PREF_U: dict = {}


def pref(*key) -> float:
    """A stable preference in [0, 1) per section and purpose: a school keeps its character."""
    if key not in PREF_U:
        PREF_U[key] = rng.random()
    return PREF_U[key]


# ---------------------------------------------------------------------------------------------
# Teachers
# ---------------------------------------------------------------------------------------------
SUBJECTS = {
    "primary": pairs(
        "语文:30 数学:25 英语:10 科学:7 道德与法治:6 信息技术:3 心理健康:1 综合实践活动:2 劳动:1"
    ),
    "junior": pairs(
        "语文:14 数学:14 英语:13 物理:7 化学:5 生物:5 历史:6 地理:5 道德与法治:6 "
        "信息技术:3 心理健康:1"
    ),
    "senior": pairs(
        "语文:13 数学:13 英语:13 物理:8 化学:7 生物:6 历史:6 地理:5 思想政治:6 "
        "信息技术:3 通用技术:2 计算机应用:3 电子商务:2 机械加工技术:2"
    ),
}
PE_ART = pairs("体育:30 体育与健康:15 音乐:27 美术:25 艺术:3")
SUBJECT_EN = pairs(  # 2022 is written in English; "_" stands for a space
    "语文:Chinese 数学:mathematics 英语:English 科学:science 道德与法治:morality_and_law "
    "信息技术:information_technology 心理健康:mental_health 综合实践活动:integrated_practice "
    "劳动:labour 物理:physics 化学:chemistry 生物:biology 历史:history 地理:geography "
    "思想政治:politics 通用技术:general_technology 计算机应用:computer_applications "
    "电子商务:e-commerce 机械加工技术:machining 体育:PE 体育与健康:physical_education "
    "音乐:music 美术:fine_art 艺术:arts",
    lambda name: name.replace("_", " "),
)
EDUCATION = {  # (stage, qualified?) -> weights; primary needs 专科, junior and senior 本科
    ("primary", True): pairs("bachelor:72 associate:21 master:7"),
    ("primary", False): pairs("high_school:95 below_high_school:5"),
    ("junior", True): pairs("bachelor:85 master:14 doctorate:1"),
    ("junior", False): pairs("associate:95 high_school:5"),
    ("senior", True): pairs("bachelor:72 master:26 doctorate:2"),
    ("senior", False): pairs("associate:1"),
}
QUALIFIED = {"primary": {"associate", "bachelor", "master", "doctorate"}}
QUALIFIED["junior"] = QUALIFIED["senior"] = {"bachelor", "master", "doctorate"}
BACKBONE = pairs("county:70 city:22 province:7 national:1")
TITLES_BY_AGE = [  # (below this age, title weights): titles follow age, as promotions do
    (27, pairs("none:40 second:55 third:5")),
    (36, pairs("second:60 first:40")),
    (46, pairs("first:60 senior:35 second:5")),
    (99, pairs("senior:55 first:40 senior_professional:5")),
]


def pick(weights: dict) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


@dataclass
class Teacher:
    tid: str
    subject: str  # in Chinese
    title: str
    school: str = ""
    stage: str = ""
    education: str = ""  # "" = not decided yet for this year
    backbone: str = ""
    certified: bool = True
    hours: int = 0
    eligible: bool = False
    rotated: bool = False
    came_from: tuple | None = None  # (school, stage) of last year, for a rotated teacher


USED_IDS: set = set()


def new_id(birth: int) -> str:
    """60 % synthetic national ID numbers (ISO 7064 MOD 11-2 check), 40 % staff numbers."""
    while True:
        if rng.random() < 0.6:
            body = f"{COUNTY_CODE}{birth}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            body += f"{rng.randint(0, 999):03d}"
            total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(body))
            tid = body + "10X98765432"[total % 11]
        else:
            tid = f"T{COUNTY_CODE}{rng.randint(1, 9_999_999):07d}"
        if tid not in USED_IDS:
            USED_IDS.add(tid)
            return tid


def new_teacher(stage: str, pe_art: bool) -> Teacher:
    birth = rng.randint(1964, 2001)
    title = pick(next(w for age, w in TITLES_BY_AGE if 2024 - birth < age))
    return Teacher(new_id(birth), pick(PE_ART if pe_art else SUBJECTS[stage]), title)


RATE: dict = {}  # teachers per 100 students, per section
EXTRA: dict = {}  # 2024 only: ± teachers that make the seed's totals exact


def teacher_targets(s: School, stage: str, year: int, bands: dict | None) -> tuple:
    """(teachers, qualified, backbone, PE/art) of one section in one year."""
    n, key = s.students[year][stage], (s.sid, stage)
    if key not in RATE:  # smaller schools need relatively more teachers
        base = {"primary": 5.75, "junior": 7.2}.get(stage)
        RATE[key] = (
            26.0
            if s.type == "special"
            else 7.6
            if base is None
            else base + 250 / (n + 60) + rng.uniform(-0.4, 0.4)
        )
    teachers = max(1, round(n * RATE[key] / 100)) + (EXTRA.get(key, 0) if year == 2024 else 0)
    unqualified = round(teachers * (0.005 + 0.04 * pref(key, "unqualified")))
    if bands is None:  # not evaluated: an ordinary mix
        pe_art = min(teachers, max(1, round(n * 1.2 / 100)))
        return teachers, teachers - unqualified, round(teachers * 0.12), pe_art
    base = {ind: STD[stage][ind] * n / 100 for ind in TEACHER_INDS}
    if bands["qualified"] == "meet":
        qualified = teachers - unqualified
        need = math.ceil(1.02 * base["qualified"])
        if qualified < need:
            teachers, qualified = teachers + need - qualified, need
    else:  # short of qualified teachers: fewer teachers, and more without the degree
        qualified = draw_in_band(
            base["qualified"], bands["qualified"], "qualified", pref(key, "qualified"), True
        )
        teachers = max(qualified + 1, min(teachers, math.ceil(qualified / 0.72)))
    backbone, pe_art = (
        draw_in_band(base[i], bands[i], i, pref(key, i), True) for i in ("backbone", "pe_art")
    )
    assert backbone <= teachers and pe_art < teachers, key
    return teachers, qualified, backbone, pe_art


def fill_attribute(staff: list, count: int, has, give, take) -> None:
    """Exactly `count` teachers get the attribute, keeping last year's holders where possible."""
    holders = [t for t in staff if has(t) is True]
    fresh = [t for t in staff if has(t) is None]
    others = [t for t in staff if has(t) is False]
    for group in (holders, fresh, others):
        rng.shuffle(group)
    for i, t in enumerate(holders + fresh + others):
        if i < count and has(t) is not True:
            give(t)
        elif i >= count and has(t) is not False:
            take(t)


def staff_section(s: School, stage: str, targets: tuple, pool: list) -> list:
    """~92 % of the teachers next year (those rotated in, first) and new ids for the rest."""
    teachers, qualified, backbone, pe_art = targets
    rng.shuffle(pool)
    pool.sort(key=lambda t: not t.rotated)
    pe_pool = [t for t in pool if t.subject in PE_ART]
    other_pool = [t for t in pool if t.subject not in PE_ART]
    kept_pe = pe_pool[: min(pe_art, round(pe_art * 0.92))]
    kept = kept_pe + other_pool[: min(teachers - pe_art, round((teachers - pe_art) * 0.92))]
    staff = [replace(t, eligible=False, rotated=False, came_from=None) for t in kept]
    staff += [new_teacher(stage, True) for _ in range(pe_art - len(kept_pe))]
    staff += [new_teacher(stage, False) for _ in range(teachers - len(staff))]
    for t in staff:
        t.school, t.stage = s.sid, stage
    edu_stage = "junior" if stage == "senior" else stage

    def set_degree(ok: bool):
        return lambda t: setattr(t, "education", pick(EDUCATION[(stage, ok)]))

    fill_attribute(
        staff,
        qualified,
        lambda t: t.education in QUALIFIED[edu_stage] if t.education else None,
        set_degree(True),
        set_degree(False),
    )
    fill_attribute(
        staff,
        backbone,
        lambda t: t.backbone != "none" if t.backbone else None,
        lambda t: setattr(t, "backbone", pick(BACKBONE)),
        lambda t: setattr(t, "backbone", "none"),
    )
    return staff


def fit_teacher_totals(schools: list[School], plans: dict) -> None:
    """Scale the 2024 teacher rates, then add or remove single teachers: the seed's totals."""

    def total(stage: str) -> int:
        return sum(
            teacher_targets(s, stage, 2024, plans[2024].get((s.sid, stage)))[0]
            for s in schools
            if stage in s.students[2024]
        )

    for stage in COMPULSORY:
        target = SEED_2024[f"{stage}_teachers"]
        for _ in range(3):
            factor = target / total(stage)
            RATE.update({k: r * factor for k, r in RATE.items() if k[1] == stage})
        keys = [
            (s.sid, stage)
            for s in schools
            if s.students[2024].get(stage, 0) >= 500
            and plans[2024].get((s.sid, stage), {}).get("qualified") == "meet"
        ]
        i = 0
        while (diff := target - total(stage)) != 0:
            key, step = keys[i % len(keys)], 1 if diff > 0 else -1
            EXTRA[key] = EXTRA.get(key, 0) + step
            if abs(target - total(stage)) >= abs(diff):
                EXTRA[key] -= step  # no effect (the qualified floor): undo
            i += 1


def build_rosters(schools: list[School], plans: dict) -> dict:
    """year -> {(school, stage): [Teacher]}, newest year first so that ids carry backwards."""
    by_id = {s.sid: s for s in schools}
    rosters = {}
    for year in YEARS:
        pools = defaultdict(list)  # who was where last year, from the next year's roster
        for key, staff in rosters.get(year + 1, {}).items():
            for t in staff:
                src = t.came_from if t.rotated else key
                if not by_id[src[0]].exists(year):  # a new school: half came from elsewhere
                    if rng.random() < 0.5:
                        continue
                    same = [x.sid for x in schools if x.exists(year) and x.type == src[1]]
                    src = (rng.choice(same), src[1])
                pools[src].append(t)
        rosters[year] = {}
        for s in (s for s in schools if s.exists(year)):
            for stage in s.students[year]:
                targets = teacher_targets(s, stage, year, plans[year].get((s.sid, stage)))
                rosters[year][(s.sid, stage)] = staff_section(
                    s, stage, targets, pools[(s.sid, stage)]
                )
        assign_rotation(schools, rosters[year], year)
        assign_hours(rosters[year], year)
    return rosters


def assign_rotation(schools: list[School], roster: dict, year: int) -> None:
    """Eligible ~15 %, ~13 % of them rotated, ≥ 20 % of those backbone (2024: the seed's)."""
    staff = [t for key, ts in roster.items() if key[1] in COMPULSORY for t in ts]
    if year == 2024:
        eligible_n, rotated_n = SEED_2024["rotation_eligible"], SEED_2024["rotated"]
        backbone_n = SEED_2024["rotated_backbone"]
    else:
        eligible_n, rotated_n = round(len(staff) * 0.151), round(len(staff) * 0.019)
        backbone_n = round(rotated_n * 0.23)
    eligible = rng.sample(staff, eligible_n)
    backbone = [t for t in eligible if t.backbone != "none"]
    plain = [t for t in eligible if t.backbone == "none"]
    sources = [s for s in schools if s.exists(year - 1) and s.type in EVALUATED_TYPES]
    for t in eligible:
        t.eligible = True
    for t in rng.sample(backbone, backbone_n) + rng.sample(plain, rotated_n - backbone_n):
        came = [s.sid for s in sources if t.stage in s.students[year] and s.sid != t.school]
        t.rotated, t.came_from = True, (rng.choice(came), t.stage)


def assign_hours(roster: dict, year: int) -> None:
    """5-year training hours 360-600; a few short ones, and uncertified teachers, before 2024."""
    staff = [t for ts in roster.values() for t in ts]
    for t in staff:
        t.hours = 360 + round(rng.triangular(0, 240, 110))
    for t in rng.sample(staff, {2024: 0, 2023: 9, 2022: 14}[year]):
        t.hours = rng.randint(280, 355)
    for t in rng.sample(staff, {2024: 0, 2023: 0, 2022: 6}[year]):
        t.certified = False


# ---------------------------------------------------------------------------------------------
# Facilities, rooms, finance, county items
# ---------------------------------------------------------------------------------------------
def choose_resource(s: School, year: int, ind: str, plans: dict, previous: float | None) -> float:
    """A school's total of one facility resource such that each section lands in its band."""
    n = s.students[year]
    total_w = sum(weight(s, st) * k for st, k in n.items())
    # A section's value / its standard = resource × c, with c = its weight / total / standard.
    sections = [
        (weight(s, st) / total_w / STD[st][ind], plans[year][(s.sid, st)][ind])
        for st in n
        if (s.sid, st) in plans[year]
    ]
    if not sections:  # nothing evaluated here: an ordinary, generous amount
        amount = sum(
            k * STD["primary" if st == "primary" else "junior"][ind] for st, k in n.items()
        )
        amount *= 1.3 * (2.5 if s.type == "special" else 1)
        return round(amount) if ind in ("equipment", "multimedia") else round(amount, 1)
    low = max(BANDS[b][0] / c for c, b in sections)
    high = min(BANDS[b][1] / c for c, b in sections)
    if previous is None:
        wanted = max(draw_in_band(1, b, ind, pref(s.sid, ind), False) / c for c, b in sections)
    else:  # buildings stay and equipment grows: last year's amount if it fits this year's plan
        growth = {
            "teaching": 1.0 if rng.random() < 0.85 else rng.uniform(0.85, 0.95),
            "sports": 1.0 if rng.random() < 0.9 else rng.uniform(0.85, 0.95),
            "equipment": rng.uniform(0.86, 0.97),
            "multimedia": rng.uniform(0.9, 1.0),
        }
        wanted = previous * growth[ind]
    if wanted < low:
        wanted = min(high, low * rng.uniform(1.02, 1.1))
    elif wanted > high:
        wanted = max(low, high * rng.uniform(0.95, 0.98))
    if ind == "multimedia":
        return min(max(round(wanted), math.ceil(low - 1e-9)), math.floor(high + 1e-9))
    return round(wanted) if ind == "equipment" else round(wanted, 1)


def build_facilities(schools: list[School], plans: dict) -> dict:
    """year -> {school: {teaching, sports, equipment, multimedia, indoor}} (indicator bases)."""
    out: dict = {}
    for year in YEARS:
        out[year] = {}
        for s in (s for s in schools if s.exists(year)):
            prev = out.get(year + 1, {}).get(s.sid)
            fac = {i: choose_resource(s, year, i, plans, prev and prev[i]) for i in FACILITY_INDS}
            # Indoor sports rooms: bigger schools have a gym (some built it later).
            if prev is not None:
                indoor = prev["indoor"] if prev["indoor"] <= 0.3 * fac["sports"] else 0.0
            elif s.location == "rural" or sum(s.students[year].values()) < 600:
                indoor = 0.0
            else:
                indoor = round(fac["sports"] * rng.uniform(0.08, 0.25), 1)
            out[year][s.sid] = fac | {"indoor": indoor}
    return out


def check_plans(schools: list[School], plans: dict, rosters: dict, facilities: dict) -> None:
    """Every planned band holds, at least 0.5 % away from a standard and from 85 % of it."""
    for year, plan in plans.items():
        for (sid, stage), bands in plan.items():
            s = next(x for x in schools if x.sid == sid)
            n, staff = s.students[year][stage], rosters[year][(sid, stage)]
            counts = dict(
                qualified=sum(t.education in QUALIFIED[stage] for t in staff),
                backbone=sum(t.backbone != "none" for t in staff),
                pe_art=sum(t.subject in PE_ART for t in staff),
            )
            per_student = weight(s, stage) / sum(
                weight(s, st) * k for st, k in s.students[year].items()
            )
            for ind, band in bands.items():
                value = (
                    counts[ind] * 100 / n
                    if ind in counts
                    else facilities[year][sid][ind] * per_student
                )
                ratio = value / STD[stage][ind]
                near = min(abs(ratio - 1), abs(ratio - 0.85)) < 0.005
                assert BANDS[band][0] - 0.002 <= ratio <= BANDS[band][1] + 0.002, (sid, ind, ratio)
                assert near == (band == "exact"), (year, sid, stage, ind, band, ratio)


def build_rooms(schools: list[School]) -> dict:
    """year -> rows: ceil(classes / 12) rooms of each kind; two schools short of one in 2023."""
    candidates = [
        s
        for s in schools
        if s.type == "primary"
        and s.built > 2016
        and s.exists(2022)
        and s.classes[2023]["primary"][0] > 24
        and not s.flag
    ]
    too_few, too_small = rng.sample(candidates, 2)
    out = {}
    for year in YEARS:
        out[year] = []
        for s in (s for s in schools if s.exists(year)):
            classes = {
                y: sum(c[0] for st, c in s.classes[y].items() if st in COMPULSORY)
                for y in s.classes
            }
            if not classes[2024]:
                continue
            for kind, floor in (("music", 96), ("art", 90)):
                floor -= 23 if s.built <= 2016 else 0  # 73 / 67 m² in schools built by 2016
                count = max(1, math.ceil(sum(c[0] for c in s.classes[2024].values()) / 12))
                if year == 2023 and s is too_few and kind == "music":
                    count = math.ceil(classes[2023] / 12) - 1
                for r in range(count):
                    area = floor + 1 + (17 * (r + len(s.name) + (kind == "art"))) % 29
                    if year == 2023 and s is too_small and kind == "art" and r == 0:
                        area = floor - 5  # under the floor: this room does not count
                    out[year].append([s.sid, kind, float(area)])
    return out


def build_finance(schools: list[School]) -> dict:
    """Public funds per school; training funds ≥ 5 % of the budget (one school short in 2023)."""
    standard = pairs(
        "primary:800 teaching_point:800 nine_year:800 twelve_year:800 junior:1000 "
        "complete_middle:1000 senior:1200 vocational:1500 special:7100"
    )
    per_stage = {"primary": 800, "junior": 1000, "senior": 1200}
    out = {}
    for year in YEARS:
        out[year] = []
        for s in (s for s in schools if s.exists(year)):
            n = s.students[year]
            allocated = sum(k * per_stage[st] for st, k in n.items())
            if s.type in ("special", "vocational"):
                allocated = sum(n.values()) * standard[s.type]
            if sum(n.values()) < 100:  # funded as if it had 100 students (G6)
                allocated = 100 * standard[s.type] + 10 * rng.randint(1000, 12000)
            budget = round(allocated * rng.uniform(1.03, 1.18), -2)
            training = round(budget * rng.uniform(0.055, 0.11), -1)
            out[year].append([s.sid, budget, float(allocated), standard[s.type], training])
        if year == 2023:
            out[year][7][4] = round(out[year][7][1] * 0.046, -1)  # under 5 % of the budget
    return out


YES_NOTES = pairs(
    """
layout_planned:《重庆市渝北区中小学及幼儿园布点规划》
four_unified:城乡学校建设标准、编制标准、公用经费基准定额、装备配置标准统一
staffing_allocated:区编办、区人社局核定编制总额内统筹分配，每两年核定一次
care_system:《关于进一步健全农村留守儿童和困境儿童关爱服务体系实施意见》
charters_informatised:学校章程覆盖率100%，无纸化办公100%
it_in_teaching:交互式数字化应用班级比例100%，设备利用率100%
moral_education_good:“阳光心育”德育品牌，“一校一品”校园文化
curriculum_complete:开齐开足课程，每学期一周综合实践教育
no_excess_burden:落实“双减”，课后服务全覆盖
monitoring_level3:国家义务教育质量监测四年级科学中等及以上89.6%
""",
    str,
)
VETO = "exam_admission school_choice key_schools unfilled_posts major_incident falsification"
# 2024 from the seed; earlier years plausible (2022 allocates only 48 % of the HS quota). The two
# monitoring items (DOMAIN.md §6) are plausible: seed 002 gives 89.6 % for 2023's science tests.
COUNTY_NUMBERS = table("""
item                            2024    2023    2022
teacher_avg_salary              165900  161200  152300
civil_servant_avg_salary        153400  150600  149800
nearby_enrollment_primary_pct   100     100     100
nearby_enrollment_junior_pct    100     99.2    98.6
social_recognition_pct          86.51   85.92   85.37
hs_quota_total                  4325    4210    4010
hs_quota_allocated              3027    2905    1925
hs_quota_rural                  1650    1580    820
migrant_eligible                25764   24968   24102
migrant_in_public               25764   24511   23390
disabled_children               676     652     631
disabled_enrolled               676     649     627
junior_entrants                 11556   11302   10987
junior_transfers_in             356     340     322
junior_resumed                  121     115     109
junior_transfers_out            323     398     401
junior_suspended                122     131     140
junior_deaths                   1       2       1
junior_graduates                11587   11198   10790
monitoring_difference_rate      0.124   0.131   0.138
academic_quality_pct            90.8    89.6    86.3
physical_health_pct             93.5    92.7    91.4
""")


def county_rows(year: int) -> list[list]:
    column = COUNTY_NUMBERS[0].index(str(year))
    rows = [[COUNTY_CODE, item, True, note] for item, note in YES_NOTES.items()]
    for row in COUNTY_NUMBERS[1:]:
        value = float(row[column]) if "." in row[column] else int(row[column])
        rows.append([COUNTY_CODE, row[0], value, "区教委、区人社局、区统计局数据"])
    return rows + [[COUNTY_CODE, f"veto_{v}", False, "经核查不存在"] for v in VETO.split()]


# ---------------------------------------------------------------------------------------------
# Writing: one format per year and file
# ---------------------------------------------------------------------------------------------
COLUMNS = labelled("""
schools 学校名录: county_code 区县代码, county_name 区县名称, school_id 学校标识码,
    school_name 学校名称, school_type 办学类型, location 城乡分类, is_public 是否公办,
    is_boarding 是否寄宿制, built_year 建成年份
enrollment 在校生: school_id 学校标识码, stage 学段, students 在校生数, classes 班数,
    oversized_classes 超标准班额班数, migrant_students 随迁子女数
teachers 专任教师: teacher_id 教师编号, school_id 学校标识码, stage 任教学段,
    education 最高学历, title 专业技术职务, backbone_level 骨干教师级别, subject 主教学科,
    certified 是否持有教师资格证, training_hours_5y 近五年培训学时,
    rotation_eligible 是否符合交流条件, rotated 本年度是否交流轮岗
facilities 办学条件: school_id 学校标识码, teaching_aux_area_m2 教学及辅助用房面积,
    indoor_sports_area_m2 室内体育用房面积, sports_field_area_m2 运动场地面积,
    equipment_value_yuan 教学仪器设备资产值(元), multimedia_classrooms 网络多媒体教室数
rooms 音美专用教室: school_id 学校标识码, room_type 类型, area_m2 使用面积
finance 学校经费: school_id 学校标识码, public_funds_budget_yuan 公用经费预算总额,
    public_funds_allocated_yuan 公用经费核定数, per_student_standard_yuan 生均公用经费基准定额,
    training_funds_yuan 教师培训经费
county 县级指标: county_code 区县代码, item 指标, value 值, note 说明
""")
ZH = labelled("""
school_type: primary 小学, junior 初中, nine_year 九年一贯制学校, twelve_year 十二年一贯制学校,
    complete_middle 完全中学, teaching_point 教学点, special 特殊教育学校, vocational 职业学校,
    senior 高级中学
location: urban 城区, town 镇区, rural 乡村
stage: primary 小学, junior 初中, senior 高中
education: doctorate 博士, master 硕士, bachelor 本科, associate 专科, high_school 高中,
    below_high_school 高中以下
title: senior_professional 正高级, senior 高级, first 一级, second 二级, third 三级, none 未定职级
backbone_level: none 无, county 县级, city 市级, province 省级, national 国家级
room_type: music 音乐, art 美术
""")
YES_NO = {"zh": ("是", "否"), "tf": ("true", "false"), "yn": ("Y", "N"), "10": ("1", "0")}
# Per year and file: name (en = English name, zh = Chinese alias), suffix, headers, code labels,
# yes/no style, CSV encoding, extra (wan = equipment value in 万元, en = English subject names).
FORMATS = {
    (int(r[0]), r[1]): r[2:]
    for r in table("""
2024 schools    zh .xlsx zh zh zh -         -
2024 enrollment zh .csv  zh zh zh gbk       -
2024 teachers   en .csv  en zh zh utf-8-sig -
2024 facilities zh .xlsx zh zh zh -         wan
2024 rooms      en .csv  zh zh zh utf-8     -
2024 finance    zh .xlsx zh zh zh -         -
2024 county     zh .csv  zh zh zh utf-8     -
2023 schools    en .csv  zh zh zh gb18030   -
2023 enrollment en .xlsx en en zh -         -
2023 teachers   zh .csv  zh en tf gb18030   -
2023 facilities en .csv  en en zh utf-8     -
2023 rooms      zh .xlsx zh zh zh -         -
2023 finance    en .csv  en en zh utf-8-sig -
2023 county     en .xlsx en en tf -         -
2022 schools    en .csv  en en yn utf-8     en
2022 enrollment en .csv  en en yn utf-8     en
2022 teachers   en .csv  en en 10 utf-8     en
2022 facilities en .csv  en en yn utf-8     en
2022 rooms      en .csv  en en yn utf-8     en
2022 finance    en .csv  en en yn utf-8     en
2022 county     en .csv  en en yn utf-8     en
""")
}
TITLES = {  # rows above the header, as in the statistics' own Excel exports
    (2024, "schools"): [
        f"{COUNTY_NAME}2024年义务教育学校名录",
        "填报单位：区教委  统计时点：2024年9月",
    ],
    (2024, "facilities"): [f"{COUNTY_NAME}2024年义务教育学校办学条件统计表"],
    (2024, "finance"): [f"{COUNTY_NAME}2024年学校公用经费及教师培训经费"],
    (2023, "rooms"): [f"{COUNTY_NAME}2023年音乐美术专用教室"],
}


def render(column: str, value, labels: str, yes_no: str, extra: str):
    if isinstance(value, bool):
        return YES_NO[yes_no][0 if value else 1]
    if column in ZH and labels == "zh":
        return ZH[column][value]
    if column == "subject" and extra == "en":
        return SUBJECT_EN[value]
    if column == "equipment_value_yuan" and extra == "wan":
        return round(value / 10000, 4)  # whole yuan stay exact
    return value


def csv_cell(value) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def write_file(folder: Path, year: int, name: str, rows: list[list]) -> None:
    stem, suffix, headers, labels, yes_no, encoding, extra = FORMATS[(year, name)]
    alias, columns = next((k.split()[1], v) for k, v in COLUMNS.items() if k.split()[0] == name)
    header = [zh if headers == "zh" else en for en, zh in columns.items()]
    if extra == "wan":
        header = [h.replace("(元)", "(万元)") for h in header]
    cells = [
        [render(c, v, labels, yes_no, extra) for c, v in zip(columns, row, strict=True)]
        for row in rows
    ]
    path = folder / f"{alias if stem == 'zh' else name}{suffix}"
    if suffix == ".csv":
        newline = "\r\n" if encoding.startswith("gb") else "\n"  # as Windows tools export them
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle, lineterminator=newline)
            writer.writerows([header] + [[csv_cell(v) for v in r] for r in cells])
        return
    book = xlsxwriter.Workbook(path)
    book.set_properties({"created": dt.datetime(2024, 9, 1)})  # reproducible bytes
    sheet = book.add_worksheet("Sheet1")
    bold = book.add_format({"bold": True, "align": "center"})
    titles = TITLES.get((year, name), [])
    for r, title in enumerate(titles):
        sheet.merge_range(r, 0, r, len(header) - 1, title, bold if r == 0 else None)
    sheet.write_row(len(titles), 0, header, bold)
    for r, row in enumerate(cells, start=len(titles) + 1):
        for c, value in enumerate(row):
            if isinstance(value, str):  # ids and codes stay text: every digit kept
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, value)
    sheet.set_column(0, len(header) - 1, 14)
    book.close()


def year_tables(year: int, schools, rosters, facilities, rooms, finance) -> dict:
    """The rows of every file of one year, in the column order of COLUMNS."""
    existing = [s for s in schools if s.exists(year)]
    teachers = [t for staff in rosters[year].values() for t in staff]
    rng.shuffle(teachers)  # registers are not sorted by school
    return dict(
        schools=[
            [
                COUNTY_CODE,
                COUNTY_NAME,
                s.sid,
                s.name,
                s.type,
                s.location,
                s.public,
                s.boarding,
                s.built,
            ]
            for s in existing
        ],
        enrollment=[
            [s.sid, st, n, *s.classes[year][st]]
            for s in existing
            for st, n in s.students[year].items()
        ],
        teachers=[
            [
                t.tid,
                t.school,
                t.stage,
                t.education,
                t.title,
                t.backbone,
                t.subject,
                t.certified,
                t.hours,
                t.eligible,
                t.rotated,
            ]
            for t in teachers
        ],
        facilities=[
            [
                sid,
                round(f["teaching"] + f["indoor"], 1),
                f["indoor"],
                round(f["sports"] - f["indoor"], 1),
                f["equipment"],
                f["multimedia"],
            ]
            for sid, f in facilities[year].items()
        ],
        rooms=rooms[year],
        finance=finance[year],
        county=county_rows(year),
    )


def main() -> None:
    schools = build_schools()
    earlier_students(schools)
    fill_classes(schools)
    plans = make_plans(schools)
    fit_teacher_totals(schools, plans)
    rosters = build_rosters(schools, plans)
    facilities = build_facilities(schools, plans)
    check_plans(schools, plans, rosters, facilities)
    rooms, finance = build_rooms(schools), build_finance(schools)
    for year in YEARS:
        folder = HERE / str(year)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        tables = year_tables(year, schools, rosters, facilities, rooms, finance)
        for name, rows in tables.items():
            write_file(folder, year, name, rows)
        print(year, ", ".join(f"{name} {len(rows)}" for name, rows in tables.items()))
    # The district's plan (化解计划) for 2024 is not generated: `junheng plan --year 2024` wrote
    # it from the warehouse (target complies), as a county would before editing it.
    shutil.copyfile(HERE / "remediation_plan_2024.csv", HERE / "2024" / "化解计划.csv")


if __name__ == "__main__":
    main()
