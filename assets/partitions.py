"""One partition per school year, keyed by the autumn in which it starts ("2024" = 2024–25)."""

import dagster as dg

FIRST_YEAR = "2015"

# A school year starts on 1 September; end_offset=1 makes the year under way selectable, since
# its statistics (学年初) are taken in its first weeks.
school_years = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 9 *", start=FIRST_YEAR, fmt="%Y", end_offset=1
)
