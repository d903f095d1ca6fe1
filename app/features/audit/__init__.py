"""Audit: the hash chain, case histories and replay."""
