"""The kernel: clock, working-day calendar, settings, errors and roles; plain Python, no I/O frameworks."""
