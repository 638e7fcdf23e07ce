"""An independent, pure-Python re-implementation of DOMAIN.md §1 for the bundled sample.

Tests use it to cross-check the warehouse: it shares no code with the project's packages
(`pipelines`, `assets`, `schemas`), reads the sample files itself (CSV in UTF-8, UTF-8 with BOM,
GBK/GB18030; xlsx with title rows above the header; English or Chinese headers and labels;
equipment value in 万元) and recomputes, with plain loops, the school sections, their 7 resource
indicators, the per-section status and the student-weighted coefficients of variation.

    python tests/oracle.py [year_dir ...]   # default: every year folder of sample_data/
"""

from __future__ import annotations

import csv
import io
import math
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"

# file -> (Chinese alias, [(column, Chinese header, kind)]); kinds: text, code:<set>, bool, int, num
FILES = {
    "schools": (
        "学校名录",
        [
            ("county_code", "区县代码", "text"),
            ("county_name", "区县名称", "text"),
            ("school_id", "学校标识码", "text"),
            ("school_name", "学校名称", "text"),
            ("school_type", "办学类型", "code:school_type"),
            ("location", "城乡分类", "code:location"),
            ("is_public", "是否公办", "bool"),
            ("is_boarding", "是否寄宿制", "bool"),
            ("built_year", "建成年份", "int"),
        ],
    ),
    "enrollment": (
        "在校生",
        [
            ("school_id", "学校标识码", "text"),
            ("stage", "学段", "code:stage"),
            ("students", "在校生数", "int"),
            ("classes", "班数", "int"),
            ("oversized_classes", "超标准班额班数", "int"),
            ("migrant_students", "随迁子女数", "int"),
        ],
    ),
    "teachers": (
        "专任教师",
        [
            ("teacher_id", "教师编号", "text"),
            ("school_id", "学校标识码", "text"),
            ("stage", "任教学段", "code:stage"),
            ("education", "最高学历", "code:education"),
            ("title", "专业技术职务", "code:title"),
            ("backbone_level", "骨干教师级别", "code:backbone"),
            ("subject", "主教学科", "text"),
            ("certified", "是否持有教师资格证", "bool"),
            ("training_hours_5y", "近五年培训学时", "num"),
            ("rotation_eligible", "是否符合交流条件", "bool"),
            ("rotated", "本年度是否交流轮岗", "bool"),
        ],
    ),
    "facilities": (
        "办学条件",
        [
            ("school_id", "学校标识码", "text"),
            ("teaching_aux_area_m2", "教学及辅助用房面积", "num"),
            ("indoor_sports_area_m2", "室内体育用房面积", "num"),
            ("sports_field_area_m2", "运动场地面积", "num"),
            ("equipment_value_yuan", "教学仪器设备资产值(元)", "num"),
            ("multimedia_classrooms", "网络多媒体教室数", "int"),
        ],
    ),
    "rooms": (
        "音美专用教室",
        [
            ("school_id", "学校标识码", "text"),
            ("room_type", "类型", "code:room_type"),
            ("area_m2", "使用面积", "num"),
        ],
    ),
    "finance": (
        "学校经费",
        [
            ("school_id", "学校标识码", "text"),
            ("public_funds_budget_yuan", "公用经费预算总额", "num"),
            ("public_funds_allocated_yuan", "公用经费核定数", "num"),
            ("per_student_standard_yuan", "生均公用经费基准定额", "num"),
            ("training_funds_yuan", "教师培训经费", "num"),
        ],
    ),
    "county": (
        "县级指标",
        [
            ("county_code", "区县代码", "text"),
            ("item", "指标", "text"),
            ("value", "值", "text"),
            ("note", "说明", "text"),
        ],
    ),
}
# Other header spellings -> (column, factor to the column's unit).
SCALED_HEADERS = {
    "教学仪器设备资产值(万元)": ("equipment_value_yuan", 10000.0),
    "教学仪器设备资产值": ("equipment_value_yuan", 1.0),
}
LABELS = {  # code set -> {label or code: code}
    "school_type": {
        "小学": "primary",
        "初中": "junior",
        "九年一贯制学校": "nine_year",
        "十二年一贯制学校": "twelve_year",
        "完全中学": "complete_middle",
        "教学点": "teaching_point",
        "特殊教育学校": "special",
        "职业学校": "vocational",
        "高级中学": "senior",
    },
    "location": {"城区": "urban", "镇区": "town", "乡村": "rural"},
    "stage": {"小学": "primary", "初中": "junior", "高中": "senior"},
    "education": {
        "博士": "doctorate",
        "硕士": "master",
        "本科": "bachelor",
        "专科": "associate",
        "高中": "high_school",
        "高中以下": "below_high_school",
    },
    "title": {
        "正高级": "senior_professional",
        "高级": "senior",
        "一级": "first",
        "二级": "second",
        "三级": "third",
        "未定职级": "none",
    },
    "backbone": {
        "无": "none",
        "县级": "county",
        "市级": "city",
        "省级": "province",
        "国家级": "national",
    },
    "room_type": {"音乐": "music", "美术": "art", "fine_art": "art"},
}
for _labels in LABELS.values():
    _labels.update({code: code for code in list(_labels.values())})
YES = {"是", "true", "1", "y", "yes"}
NO = {"否", "false", "0", "n", "no"}

INDICATORS = (
    "qualified_teachers_per100",
    "backbone_teachers_per100",
    "pe_art_teachers_per100",
    "teaching_area_per_student",
    "sports_area_per_student",
    "equipment_value_per_student",
    "multimedia_rooms_per100",
)
STANDARDS = {
    "primary": dict(zip(INDICATORS, (4.2, 1.0, 0.9, 4.5, 7.5, 2000, 2.3), strict=True)),
    "junior": dict(zip(INDICATORS, (5.3, 1.0, 0.9, 5.8, 10.2, 2500, 2.4), strict=True)),
}
CV_LIMITS = {"primary": 0.50, "junior": 0.45}
SPLIT_WEIGHTS = {
    ("nine_year", "junior"): 1.1,
    ("twelve_year", "junior"): 1.1,
    ("twelve_year", "senior"): 1.32,
    ("complete_middle", "senior"): 1.2,
    ("special", "junior"): 1.1,
}  # the special school is split like a nine-year one
NOT_EVALUATED = {
    "special": "special education school",
    "vocational": "vocational school",
    "senior": "senior-only school",
}
QUALIFIED = {
    "primary": {"associate", "bachelor", "master", "doctorate"},
    "junior": {"bachelor", "master", "doctorate"},
}
BACKBONE = {"county", "city", "province", "national"}
PE_ART = {
    "体育",
    "体育与健康",
    "音乐",
    "美术",
    "艺术",
    "pe",
    "p.e.",
    "physical education",
    "music",
    "fine art",
    "fine_art",
    "art",
    "arts",
}


def _fold(text) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).lower().split())


def _read_cells(path: Path) -> list[list]:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
        return rows
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
    return list(csv.reader(io.StringIO(text)))


def _convert(value, kind: str, factor: float):
    if value is None or str(value).strip() == "":
        return None
    if kind == "text":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()
    if kind.startswith("code:"):
        return LABELS[kind[5:]][str(value).strip()]
    if kind == "bool":
        text = _fold(value)
        if text in YES or text in NO:
            return text in YES
        raise ValueError(f"not yes/no: {value!r}")
    number = float(value) * factor
    if kind == "int":
        assert number.is_integer(), value
        return int(number)
    return round(number, 6)  # 万元 × 10000 without float noise


def read_file(year_dir: Path, name: str) -> list[dict]:
    alias, columns = FILES[name]
    paths = [
        p
        for p in sorted(Path(year_dir).iterdir())
        if p.stem in (name, alias) and p.suffix in (".csv", ".xlsx")
    ]
    if not paths:
        return []
    assert len(paths) == 1, paths
    headers = {}
    for column, zh, kind in columns:
        headers[_fold(column)] = (column, kind, 1.0)
        headers[_fold(zh)] = (column, kind, 1.0)
    for header, (column, factor) in SCALED_HEADERS.items():
        kind = next(k for c, _, k in columns if c == column) if name == "facilities" else None
        if kind:
            headers[_fold(header)] = (column, kind, factor)
    cells = _read_cells(paths[0])
    top = next(i for i, row in enumerate(cells[:30]) if sum(_fold(c) in headers for c in row) >= 2)
    positions = {i: headers[_fold(c)] for i, c in enumerate(cells[top]) if _fold(c) in headers}
    rows = []
    for raw in cells[top + 1 :]:
        if not any(str(c or "").strip() for c in raw):
            continue
        rows.append(
            {
                column: _convert(raw[i] if i < len(raw) else None, kind, factor)
                for i, (column, kind, factor) in positions.items()
            }
        )
    return rows


def load_year(year_dir) -> dict:
    """Every file of one year folder: {file name: [row dict with English columns and codes]}."""
    return {name: read_file(Path(year_dir), name) for name in FILES}


def sections(year_dir) -> list[dict]:
    """One dict per school × compulsory stage with the 7 indicator values (DOMAIN.md §1)."""
    data = load_year(year_dir)
    schools = {r["school_id"]: r for r in data["schools"]}
    facilities = {r["school_id"]: r for r in data["facilities"]}
    students = defaultdict(dict)
    for r in data["enrollment"]:
        students[r["school_id"]][r["stage"]] = r["students"]
    counts = defaultdict(Counter)
    for t in data["teachers"]:
        key, stage = (t["school_id"], t["stage"]), t["stage"]
        counts[key]["teachers"] += 1
        if stage in QUALIFIED and t["education"] in QUALIFIED[stage]:
            counts[key]["qualified"] += 1
        if t["backbone_level"] in BACKBONE:
            counts[key]["backbone"] += 1
        if _fold(t["subject"]) in {_fold(s) for s in PE_ART}:
            counts[key]["pe_art"] += 1
    out = []
    for school_id, by_stage in students.items():
        school = schools[school_id]
        stype = school["school_type"]
        weighted = {st: n * SPLIT_WEIGHTS.get((stype, st), 1.0) for st, n in by_stage.items()}
        total = sum(weighted.values())
        for stage in ("primary", "junior"):
            if stage not in by_stage:
                continue
            n = by_stage[stage]
            share = weighted[stage] / total if total else None
            reason = NOT_EVALUATED.get(stype)
            if reason is None and stype == "teaching_point" and n < 50:
                reason = "teaching point with fewer than 50 students"
            if reason is None and n == 0:
                reason = "no students"
            row = dict(
                county_code=school["county_code"],
                school_id=school_id,
                school_type=stype,
                stage=stage,
                students=n,
                resource_share=share,
                evaluated=reason is None,
                exclusion_reason=reason,
            )
            row.update(dict.fromkeys(INDICATORS))
            if n:
                c = counts[(school_id, stage)]
                row["qualified_teachers_per100"] = c["qualified"] * 100 / n
                row["backbone_teachers_per100"] = c["backbone"] * 100 / n
                row["pe_art_teachers_per100"] = c["pe_art"] * 100 / n
                f = facilities.get(school_id)
                if f:
                    indoor = f["indoor_sports_area_m2"] or 0.0
                    row["teaching_area_per_student"] = (
                        (f["teaching_aux_area_m2"] - indoor) * share / n
                    )
                    row["sports_area_per_student"] = (
                        (f["sports_field_area_m2"] + indoor) * share / n
                    )
                    row["equipment_value_per_student"] = f["equipment_value_yuan"] * share / n
                    row["multimedia_rooms_per100"] = f["multimedia_classrooms"] * share * 100 / n
            out.append(row)
    return sorted(out, key=lambda r: (r["school_id"], r["stage"]))


def meets(value, standard: float, share: float = 1.0) -> bool:
    """value ≥ share × standard, with a tolerance of 1e-9 of the standard (2500.0 meets 2500)."""
    return value is not None and value >= share * standard - 1e-9 * standard


def statuses(year_dir) -> dict:
    """(school_id, stage) -> {status, met, under_85} for every evaluated section."""
    out = {}
    for row in sections(year_dir):
        if not row["evaluated"]:
            continue
        std = STANDARDS[row["stage"]]
        met = sum(meets(row[i], std[i]) for i in INDICATORS)
        under_85 = sum(not meets(row[i], std[i], 0.85) for i in INDICATORS)
        status = (
            "all_met"
            if met == 7
            else "complies"
            if met >= 6 and under_85 == 0
            else "below_standard"
        )
        out[(row["school_id"], row["stage"])] = dict(status=status, met=met, under_85=under_85)
    return out


def coefficients(year_dir) -> dict:
    """(county, stage, indicator) -> student-weighted population CV over evaluated sections."""
    groups = defaultdict(list)
    for row in sections(year_dir):
        if row["evaluated"]:
            for ind in INDICATORS:
                if row[ind] is not None:
                    groups[(row["county_code"], row["stage"], ind)].append(
                        (row["students"], row[ind])
                    )
    out = {}
    for (county, stage, ind), pairs in sorted(groups.items()):
        total = sum(n for n, _ in pairs)
        mean = sum(n * x for n, x in pairs) / total
        std = math.sqrt(sum(n / total * (x - mean) ** 2 for n, x in pairs))
        cv = std / mean if mean else None
        out[(county, stage, ind)] = dict(
            sections=len(pairs),
            students=total,
            mean=mean,
            std=std,
            cv=cv,
            passed=cv is not None and round(cv, 9) <= CV_LIMITS[stage],
        )
    return out


# DOMAIN.md §6: the key indicators beyond §1, counted per section like §1's teachers.
MID_TITLES = {"first", "senior", "senior_professional"}
MENTAL_HEALTH = {"心理健康", "心理", "mental health", "mental_health"}
HIGHER_DEGREE = {"primary": {"bachelor", "master", "doctorate"}, "junior": {"master", "doctorate"}}
PER_STUDENT = {  # key indicator -> (numerator of a section, scale)
    "qualified_teachers_per100": ("qualified", 100),
    "backbone_teachers_per100": ("backbone", 100),
    "pe_art_teachers_per100": ("pe_art", 100),
    "teaching_area_per_student": ("teaching_area", 1),
    "sports_area_per_student": ("sports_area", 1),
    "equipment_value_per_student": ("equipment", 1),
    "multimedia_rooms_per100": ("multimedia", 100),
    "mid_title_teachers_per100": ("mid_title", 100),
    "mental_health_teachers_per1000": ("mental_health", 1000),
    "public_funds_per_student": ("funds", 1),
}
COUNTY_QUALITY = ("academic_quality_pct", "physical_health_pct", "social_recognition_pct")


def section_resources(year_dir) -> list[dict]:
    """Evaluated sections with the numerators of every resource key indicator and the teachers."""
    data = load_year(year_dir)
    counts = defaultdict(Counter)
    for t in data["teachers"]:
        key, stage = (t["school_id"], t["stage"]), t["stage"]
        counts[key]["teachers"] += 1
        counts[key]["mid_title"] += t["title"] in MID_TITLES
        counts[key]["mental_health"] += _fold(t["subject"]) in {_fold(s) for s in MENTAL_HEALTH}
        counts[key]["higher_degree"] += t["education"] in HIGHER_DEGREE.get(stage, ())
    funds = {r["school_id"]: r["public_funds_allocated_yuan"] for r in data["finance"]}
    out = []
    for row in sections(year_dir):
        if not row["evaluated"]:
            continue
        n, share = row["students"], row["resource_share"]
        c = counts[(row["school_id"], row["stage"])]
        resources = {
            "qualified": row["qualified_teachers_per100"] * n / 100,
            "backbone": row["backbone_teachers_per100"] * n / 100,
            "pe_art": row["pe_art_teachers_per100"] * n / 100,
            "teaching_area": row["teaching_area_per_student"] * n,
            "sports_area": row["sports_area_per_student"] * n,
            "equipment": row["equipment_value_per_student"] * n,
            "multimedia": row["multimedia_rooms_per100"] * n / 100,
            "mid_title": c["mid_title"],
            "mental_health": c["mental_health"],
            "higher_degree": c["higher_degree"],
            "teachers": c["teachers"],
            "funds": funds[row["school_id"]] * share,
        }
        out.append(dict(row, resources=resources))
    return out


def key_indicators(year_dir) -> dict:
    """(county, stage, indicator) -> the county's pooled value of each of the 15 key indicators."""
    pooled = defaultdict(Counter)
    for row in section_resources(year_dir):
        key = (row["county_code"], row["stage"])
        pooled[key]["students"] += row["students"]
        for name, value in row["resources"].items():
            pooled[key][name] += value
    out = {}
    for (county, stage), sums in pooled.items():
        for indicator, (numerator, scale) in PER_STUDENT.items():
            out[(county, stage, indicator)] = sums[numerator] * scale / sums["students"]
        out[(county, stage, "higher_degree_teachers_pct")] = (
            sums["higher_degree"] * 100 / sums["teachers"]
        )
    items = {(r["county_code"], r["item"]): r["value"] for r in load_year(year_dir)["county"]}
    cvs = coefficients(year_dir)
    for county, stage in pooled:
        for item in COUNTY_QUALITY:
            value = items.get((county, item))
            out[(county, stage, item)] = float(value) if value is not None else None
        gaps = [c["cv"] for (co, st, _), c in cvs.items() if (co, st) == (county, stage)]
        out[(county, stage, "school_gap")] = sum(gaps) / len(gaps)
    return out


def monitoring_level(index: float) -> str:
    """DOMAIN.md §6 default bands on the index rounded to 9 decimals."""
    rounded = round(index, 9)
    if rounded >= 110:
        return "significant_rise"
    if rounded >= 102:
        return "rise"
    if rounded > 98:
        return "stable"
    if rounded > 90:
        return "fall"
    return "significant_fall"


def summary(year_dir) -> str:
    """What the sample holds and how its sections come out, for a person to read."""
    data, secs = load_year(year_dir), sections(year_dir)
    lines = [f"== {Path(year_dir).name}"]
    lines.append(
        "schools by type: "
        + ", ".join(
            f"{k} {v}" for k, v in Counter(r["school_type"] for r in data["schools"]).items()
        )
    )
    for stage in ("primary", "junior", "senior"):
        rows = [r for r in data["enrollment"] if r["stage"] == stage]
        teachers = sum(t["stage"] == stage for t in data["teachers"])
        lines.append(
            f"{stage}: students {sum(r['students'] for r in rows)}, teachers {teachers}, "
            f"classes {sum(r['classes'] for r in rows)}, oversized "
            f"{sum(r['oversized_classes'] for r in rows)}, migrant "
            f"{sum(r['migrant_students'] for r in rows)}"
        )
    evaluated = [r for r in secs if r["evaluated"]]
    lines.append(
        f"sections: {len(secs)}, evaluated {len(evaluated)} ("
        + ", ".join(f"{k} {v}" for k, v in sorted(Counter(r["stage"] for r in evaluated).items()))
        + ")"
    )
    for r in secs:
        if not r["evaluated"]:
            lines.append(
                f"  excluded {r['school_id']} {r['stage']} ({r['students']} students): "
                f"{r['exclusion_reason']}"
            )
    result = statuses(year_dir)
    lines.append(
        "status: "
        + ", ".join(
            f"{k} {v}" for k, v in sorted(Counter(s["status"] for s in result.values()).items())
        )
    )
    below = Counter(
        (s["met"], s["under_85"]) for s in result.values() if s["status"] == "below_standard"
    )
    lines.append(
        "below_standard by (met, under 85 %): "
        + ", ".join(f"{k}: {v}" for k, v in sorted(below.items()))
    )
    near = [
        (r["school_id"], r["stage"], i, round(r[i] / STANDARDS[r["stage"]][i], 6))
        for r in evaluated
        for i in INDICATORS
        if r[i] is not None
        and min(abs(r[i] / STANDARDS[r["stage"]][i] - x) for x in (1, 0.85)) < 0.005
    ]
    lines.append(f"values within 0.5 % of a standard or of 85 % of it: {near}")
    cvs = coefficients(year_dir)
    failed = [f"{s} {i} {c['cv']:.3f}" for (_, s, i), c in cvs.items() if not c["passed"]]
    worst = {
        s: max((c["cv"], i) for (_, st, i), c in cvs.items() if st == s)
        for s in ("primary", "junior")
    }
    lines.append(
        f"CVs over the limit: {failed or 'none'}; highest: "
        + ", ".join(f"{s} {i} {cv:.3f}" for s, (cv, i) in worst.items())
    )
    teachers = [t for t in data["teachers"] if t["stage"] in ("primary", "junior")]
    rotated = [t for t in teachers if t["rotated"]]
    lines.append(
        f"rotation: eligible {sum(t['rotation_eligible'] for t in teachers)}, rotated "
        f"{len(rotated)}, backbone among rotated "
        f"{sum(t['backbone_level'] in BACKBONE for t in rotated)}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    folders = sys.argv[1:] or sorted(
        str(p) for p in SAMPLE.iterdir() if p.is_dir() and p.name.isdigit()
    )
    for folder in folders:
        print(summary(folder))
