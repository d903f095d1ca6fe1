"""Persistence: SQLAlchemy models, the database connection and the queries the services use."""
