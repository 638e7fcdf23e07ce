"""Ingestion: the year's raw files → validated staging tables and the audit trail.

Every file of the year is read and validated first; then the staging tables,
``audit.source_files`` and ``audit.rejected_rows`` are written in one transaction. A file that
cannot be used at all stops the year before anything is written.
"""

import time
from pathlib import Path

import dagster as dg
import duckdb

from assets.accepted_parts import AcceptedParts
from assets.metadata import table_metadata
from assets.reading import InputFileError, unreadable
from assets.resources import InputsResource
from assets.validate_year import ValidatedYear, validate_year
from assets.warehouse import Write, replace_year
from schemas.contract import INPUT_FILES

NO_REJECTED_ROWS = "no_rejected_rows"

STAGING_TABLES = {f"staging.{spec.table}": spec for spec in INPUT_FILES.values()}
AUDIT_COMMENTS = {
    "audit.source_files": {
        "": "来源文件 | every input file of each year with its sha256 and row counts",
        "year": "学年 | school year",
        "file": "文件 | path under the input root",
        "file_kind": "文件类别 | contract file name (schools, enrollment …)",
        "path": "完整路径 | absolute path when ingested",
        "sha256": "校验和 | sha256 of the file",
        "status": "状态 | loaded, or ignored (not used by this version)",
        "encoding": "编码 | utf-8, utf-8-sig, gb18030 or xlsx",
        "rows_read": "读取行数 | data rows read",
        "rows_accepted": "接受行数 | rows accepted",
        "rows_rejected": "拒绝行数 | rows rejected (see audit.rejected_rows)",
        "ingested_at": "导入时间 | when the file was ingested (UTC)",
    },
    "audit.rejected_rows": {
        "": "被拒绝的行 | one row per problem found in an input row; the row is not used",
        "year": "学年 | school year",
        "file": "文件 | path under the input root",
        "file_kind": "文件类别 | contract file name",
        "row_number": "行号 | row number as seen in Excel or a text editor (header counted)",
        "column_name": "列 | column with the problem",
        "rule": "规则 | the rule that failed",
        "value": "值 | the offending value (teacher ids and ID numbers pseudonymised)",
        "message": "说明 | what is wrong and how to fix it",
        "school_id": "学校标识码 | school of the row, as written",
        "county_code": "区县代码 | county of the row, when the file has it",
        "raw_row": "原始行 | the row as read, JSON (teacher ids and ID numbers pseudonymised)",
    },
}


def _staging_comments(table: str) -> dict[str, str]:
    spec = STAGING_TABLES[table]
    comments = {
        "": f"{spec.alias} | {spec.meaning} (validated, typed, canonical codes)",
        "year": "学年 | school year",
    }
    comments |= {c.name: c.comment for c in spec.columns}
    if spec.name == "teachers":
        comments["teacher_id"] = "教师编号(假名) | keyed pseudonym of the teacher id"
        comments["subject_group"] = (
            "学科类别 | pe, music, fine_art, arts, mental_health or "
            "other, from the subject as written"
        )
    if spec.name == "county":
        comments["value_number"] = "数值 | the value as a number (counts, percents, yuan)"
        comments["value_yes"] = "是否 | the value of a yes/no item"
    return comments


# Validation maps labels and checks stages with these reference files.
VALIDATION_REFERENCE = [
    ["reference", "code_labels"],
    ["reference", "school_types"],
    ["reference", "county_items"],
]

ingest_specs = [
    dg.AssetSpec(
        ["staging", spec.table],
        group_name="staging",
        kinds={"duckdb"},
        description=f"{spec.alias}: {spec.meaning}",
        deps=[["raw", spec.name], *VALIDATION_REFERENCE],
    )
    for spec in INPUT_FILES.values()
] + [
    dg.AssetSpec(
        ["audit", name],
        group_name="audit",
        kinds={"duckdb"},
        description=AUDIT_COMMENTS[f"audit.{name}"][""],
        deps=[["raw", spec.name] for spec in INPUT_FILES.values()],
    )
    for name in ("source_files", "rejected_rows")
]

raw_files = [
    dg.AssetSpec(
        ["raw", spec.name],
        group_name="raw",
        kinds={"csv", "xlsx"},
        description=f"{spec.alias} ({spec.name}.csv / .xlsx or {spec.alias}.csv / .xlsx "
        f"in <input>/<year>/): {spec.meaning}",
    )
    for spec in INPUT_FILES.values()
]


no_rejected_rows_check = dg.AssetCheckSpec(
    NO_REJECTED_ROWS,
    asset=["audit", "rejected_rows"],
    description="every input row was accepted",
)


def _file_failed(exc: InputFileError) -> dg.Failure:
    return dg.Failure(
        description=str(exc), metadata={"file": exc.path, "problem": exc.problem, "fix": exc.fix}
    )


def validate_inputs(inputs: InputsResource, year: int, pseudonymise, log) -> ValidatedYear:
    """Read and validate the year's files; a file that cannot be used at all fails the run."""
    try:
        year_dir = inputs.year_dir(year)
    except OSError as exc:  # the input root itself may not be readable
        raise _file_failed(unreadable(exc, Path(inputs.root))) from None
    try:
        result = validate_year(year_dir, year, pseudonymise)
    except InputFileError as exc:
        raise _file_failed(exc) from None
    for notice in result.notices:
        log.info(notice)
    return result


def write_ingested(
    con: duckdb.DuckDBPyConnection, year: int, result: ValidatedYear
) -> tuple[list[dg.MaterializeResult], dg.AssetCheckResult]:
    """Write the staging tables and the audit trail of the year in one transaction."""
    writes, registered = [], []
    for table, spec in STAGING_TABLES.items():
        accepted = result.accepted[spec.name]
        if isinstance(accepted, AcceptedParts):
            relation = accepted.relation()
        else:
            relation = f"incoming_{spec.table}"
            con.register(relation, accepted)
            registered.append(relation)
        # validate_year set every accepted row's year: ten million rows need no second look.
        writes.append(Write(table, relation, _staging_comments(table), of_year_only=True))
    for name in ("source_files", "rejected_rows"):
        registered.append(f"incoming_{name}")
        con.register(registered[-1], result.sources if name == "source_files" else result.rejected)
        writes.append(Write(f"audit.{name}", f"incoming_{name}", AUDIT_COMMENTS[f"audit.{name}"]))
    started = time.perf_counter()
    try:
        replace_year(con, year, writes)
    finally:
        for relation in registered:
            con.unregister(relation)
    seconds = result.seconds | {"write": time.perf_counter() - started}
    metadata = {write.table: table_metadata(con, write.table, year) for write in writes}
    # The stage timings ride on audit.source_files, where the benchmark reads them.
    metadata["audit.source_files"] |= {
        f"seconds_{stage}": dg.MetadataValue.float(round(value, 3))
        for stage, value in seconds.items()
    }
    materialisations = [
        dg.MaterializeResult(asset_key=table.split("."), metadata=table_meta)
        for table, table_meta in metadata.items()
    ]
    by_rule = result.rejected.group_by("file", "rule").len().sort("file", "rule")
    check = dg.AssetCheckResult(
        check_name=NO_REJECTED_ROWS,
        asset_key=["audit", "rejected_rows"],
        passed=result.rejected_count == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "rejected_rows": result.rejected_count,
            "by_file_and_rule": dg.MetadataValue.md(
                "\n".join(f"- {f}: {r} × {n}" for f, r, n in by_rule.iter_rows()) or "none"
            ),
        },
    )
    return materialisations, check
