"""Modeling: drafts, validation, sandbox, deployment, diff, migration and the calendar overrides."""
