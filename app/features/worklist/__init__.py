"""Worklist and supervision: what clerks and supervisors see and reassign."""
