"""Accounts: staff users, sign-in and integration tokens."""
