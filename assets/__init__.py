"""Dagster assets: reference data, ingestion of the yearly files, and the SQL models."""
