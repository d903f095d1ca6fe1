"""Features, grouped by what users do; each owns its commands, queries and rules."""
