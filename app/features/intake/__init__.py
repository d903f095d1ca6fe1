"""Intake and portal: applications from the window, the API and the online portal."""
