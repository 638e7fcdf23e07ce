"""The input files of CONTRACT.md: names, Chinese aliases, columns and their kinds.

Kinds: ``id`` (text code, leading zeros kept), ``text``, ``code`` (mapped through a code set of
``reference/code_labels.csv``), ``yes_no``, ``int``, ``number``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    alias: str
    kind: str
    meaning: str
    code_set: str | None = None
    # Other header spellings and the factor that turns their values into this column's unit.
    scaled_headers: dict[str, float] = field(default_factory=dict)
    # Every value is replaced by its keyed pseudonym as soon as it is read (README, "Personal
    # data"); in other columns only what looks like a national ID number is.
    pseudonymised: bool = False

    @property
    def comment(self) -> str:
        return f"{self.alias} | {self.meaning}"


@dataclass(frozen=True)
class InputFile:
    name: str
    alias: str
    meaning: str
    columns: tuple[Column, ...]
    # Without a required file the year stops; without an optional one the results that need
    # it say "incomplete" (DOMAIN.md §5: never a verdict computed from absent data).
    required: bool = True

    @property
    def table(self) -> str:
        return "county_items" if self.name == "county" else self.name

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


SCHOOL_ID = Column("school_id", "学校标识码", "id", "10-digit school identifier")

SCHOOLS = InputFile(
    "schools",
    "学校名录",
    "school register, one row per school",
    (
        Column("county_code", "区县代码", "id", "6-digit county code"),
        Column("county_name", "区县名称", "text", "county name"),
        SCHOOL_ID,
        Column("school_name", "学校名称", "text", "school name"),
        Column("school_type", "办学类型", "code", "school type", "school_type"),
        Column("location", "城乡分类", "code", "urban / town / rural", "location"),
        Column("is_public", "是否公办", "yes_no", "public school"),
        Column("is_boarding", "是否寄宿制", "yes_no", "boarding school"),
        Column("built_year", "建成年份", "int", "year the school was planned and built"),
    ),
)

ENROLLMENT = InputFile(
    "enrollment",
    "在校生",
    "students and classes per school and stage",
    (
        SCHOOL_ID,
        Column("stage", "学段", "code", "stage", "stage"),
        Column("students", "在校生数", "int", "students enrolled"),
        Column("classes", "班数", "int", "classes"),
        Column(
            "oversized_classes",
            "超标准班额班数",
            "int",
            "classes over 45 (primary) / 50 (junior) students",
        ),
        Column("migrant_students", "随迁子女数", "int", "children of migrant workers"),
    ),
)

TEACHERS = InputFile(
    "teachers",
    "专任教师",
    "full-time teachers, one row per teacher",
    (
        Column(
            "teacher_id",
            "教师编号",
            "id",
            "teacher id; stored only as a keyed pseudonym",
            pseudonymised=True,
        ),
        SCHOOL_ID,
        Column("stage", "任教学段", "code", "stage taught", "stage"),
        Column("education", "最高学历", "code", "highest education", "education"),
        Column("title", "专业技术职务", "code", "professional title", "title"),
        Column(
            "backbone_level", "骨干教师级别", "code", "backbone teacher level", "backbone_level"
        ),
        Column("subject", "主教学科", "text", "main subject taught, as written in the file"),
        Column("certified", "是否持有教师资格证", "yes_no", "holds a teaching certificate"),
        Column(
            "training_hours_5y", "近五年培训学时", "number", "training hours in the last 5 years"
        ),
        Column("rotation_eligible", "是否符合交流条件", "yes_no", "eligible for rotation"),
        Column("rotated", "本年度是否交流轮岗", "yes_no", "rotated this year"),
    ),
)

FACILITIES = InputFile(
    "facilities",
    "办学条件",
    "buildings, grounds and equipment per school",
    (
        SCHOOL_ID,
        Column(
            "teaching_aux_area_m2",
            "教学及辅助用房面积",
            "number",
            "teaching and auxiliary rooms, m², indoor sports rooms included",
        ),
        Column("indoor_sports_area_m2", "室内体育用房面积", "number", "indoor sports rooms, m²"),
        Column("sports_field_area_m2", "运动场地面积", "number", "outdoor sports ground, m²"),
        Column(
            "equipment_value_yuan",
            "教学仪器设备资产值(元)",
            "number",
            "book value of teaching equipment, yuan",
            scaled_headers={
                "教学仪器设备资产值(万元)": 10000.0,
                "equipment_value_wan_yuan": 10000.0,
                "教学仪器设备资产值": 1.0,
            },
        ),
        Column(
            "multimedia_classrooms", "网络多媒体教室数", "int", "networked multimedia classrooms"
        ),
    ),
)

ROOMS = InputFile(
    "rooms",
    "音美专用教室",
    "music and fine-art rooms, one row per room",
    (
        SCHOOL_ID,
        Column("room_type", "类型", "code", "music or art", "room_type"),
        Column("area_m2", "使用面积", "number", "usable area, m²"),
    ),
    required=False,
)

FINANCE = InputFile(
    "finance",
    "学校经费",
    "public funds per school",
    (
        SCHOOL_ID,
        Column(
            "public_funds_budget_yuan", "公用经费预算总额", "number", "public funds budget, yuan"
        ),
        Column(
            "public_funds_allocated_yuan",
            "公用经费核定数",
            "number",
            "public funds allocated, yuan",
        ),
        Column(
            "per_student_standard_yuan",
            "生均公用经费基准定额",
            "number",
            "per-student public funds standard, yuan",
        ),
        Column("training_funds_yuan", "教师培训经费", "number", "teacher training funds, yuan"),
    ),
    required=False,
)

COUNTY = InputFile(
    "county",
    "县级指标",
    "county-level items, one row per county and item",
    (
        Column("county_code", "区县代码", "id", "6-digit county code"),
        Column("item", "指标", "text", "item code"),
        Column("value", "值", "text", "value as given"),
        Column("note", "说明", "text", "evidence or note"),
    ),
    required=False,
)

PLAN = InputFile(
    "plan",
    "化解计划",
    "remediation plan (DOMAIN.md §8), one row per school and addition",
    (
        SCHOOL_ID,
        Column(
            "stage",
            "学段",
            "code",
            "stage of teachers, classes and students; blank for a school's facilities",
            "stage",
        ),
        Column("action", "措施", "code", "what is added (reference.plan_actions)", "plan_action"),
        Column(
            "amount",
            "数量",
            "number",
            "teachers, m², yuan, rooms or classes added; students moved in (negative: out)",
        ),
        Column(
            "note", "说明", "text", "note; area_m2=<m²> for a music or art room of another size"
        ),
    ),
    required=False,
)

# Cells that may be left blank (every other cell is required).
OPTIONAL_CELLS = {("county", "note"), ("plan", "stage"), ("plan", "note")}

INPUT_FILES: dict[str, InputFile] = {
    f.name: f for f in (SCHOOLS, ENROLLMENT, TEACHERS, FACILITIES, ROOMS, FINANCE, COUNTY, PLAN)
}
REQUIRED_FILES = [f for f in INPUT_FILES.values() if f.required]
