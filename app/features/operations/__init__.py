"""Operations: readiness checks and Prometheus metrics, computed from the database at scrape time."""
