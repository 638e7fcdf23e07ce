"""The Dagster code location (Definitions, jobs, schedules) and the ``junheng`` command."""
