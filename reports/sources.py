"""Where each section's figures come from: table and columns, printed under the section as
"数据来源" (page) and at the foot of each block (workbook)."""

SOURCES = {
    "verdict": [
        ("marts.county_verdict", "verdict, items, items_passed, failed_items, summary"),
        ("marts.county_compliance", "item_name, passed"),
    ],
    "plan": [("plan.county_verdict", "verdict, failed_items, items_passed, items")],
    "statuses": [
        ("marts.school_compliance", "status, indicators_met, indicators_under_85 (学部计数)")
    ],
    "ratios": [
        (
            "marts.school_indicator_compliance",
            "value, standard, ratio_to_standard, met, at_least_85",
        )
    ],
    "coefficients": [
        (
            "marts.coefficients",
            "sections, students, county_value, std_dev, cv, cv_limit, passed, note",
        )
    ],
    "items": [("marts.county_compliance", "item_name, value, threshold, passed, detail")],
    "problems": [
        ("marts.county_compliance", "passed, detail"),
        ("marts.school_compliance", "status, indicators_met, indicators_under_85"),
        ("marts.school_indicator_compliance", "ratio_to_standard, met"),
    ],
    "needs": [
        (
            "marts.remediation_needs",
            "school_name, indicator_name, value, standard, unit, shortfall, shortfall_to_85, "
            "school_addition, cost_yuan, left_at_85, school_addition_to_complies, "
            "cost_to_complies_yuan",
        )
    ],
    "remediation_schools": [
        (
            "marts.remediation_schools",
            "school_name, music_rooms_to_add, art_rooms_to_add, students_over_limit, "
            "oversized_classes, classes_to_add, teachers_to_add, teachers_to_add_to_complies, "
            "cost_to_complies_yuan, cost_to_all_met_yuan",
        )
    ],
    "remediation_county": [
        (
            "marts.remediation_county",
            "indicator_name, sections_below, shortfall_total, unit, cost_yuan, "
            "cost_to_complies_yuan, cv_before, cv_after_needs, cv_limit, extra_for_cv, "
            "extra_cost_yuan, method",
        )
    ],
    "cv_problems": [
        (
            "marts.remediation_cv_problems",
            "target, sections, cv_after_needs, cv_limit, cv_after_additions, within_limit, "
            "extra_cost_yuan, lower_bound_yuan, method",
        )
    ],
    "cv_additions": [
        ("marts.remediation_cv_additions", "target, school_name, stage, addition, unit, cost_yuan"),
    ],
    "unit_costs": [("reference.unit_costs", "item, unit, cost_yuan")],
    "plan_effect": [
        ("marts.plan_effect", "item_name, actual_value, actual_passed, plan_value, plan_passed"),
        ("plan.county_compliance", "detail"),
        ("plan.county_verdict", "verdict, failed_items"),
    ],
    "monitoring_summary": [
        (
            "marts.monitoring_summary",
            "baseline_year, composite_index, level_name, indicators_risen, indicators_stable, "
            "indicators_fallen, fallen, without_index",
        )
    ],
    "monitoring_index": [
        (
            "marts.monitoring_index",
            "indicator_name, baseline_year, baseline_value, value, index, level_name, "
            "resource_growth_pct, student_growth_pct, note",
        )
    ],
    "early_warnings": [
        (
            "marts.early_warnings",
            "forecast_year, school_name, indicator_name, students, projected_students, value, "
            "projected_value, standard, warning, method",
        )
    ],
    "history": [
        ("marts.coefficients", "county_value, cv (各年)"),
        ("reference.standards", "standard"),
        ("marts.county_verdict", "verdict, items_passed, items, failed_items (各年)"),
    ],
    "source_files": [
        (
            "audit.source_files",
            "file, file_kind, status, encoding, rows_read, rows_accepted, rows_rejected, sha256",
        )
    ],
    "rejected_rows": [
        ("audit.rejected_rows", "file, row_number, column_name, rule, value, message")
    ],
}
