"""Entry points: the Flask CLI commands, the scheduler process, demo data and process tuning."""
