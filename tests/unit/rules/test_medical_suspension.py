"""Seed 003 第六条: registration at the new place within 3 months of suspending insurance."""

from __future__ import annotations

from datetime import date

import pytest

from app.rules.medical_suspension import add_months, registration_deadline


@pytest.mark.parametrize(
    ("suspended", "deadline"),
    [
        ("2026-09-28", "2026-12-28"),  # plain
        ("2026-10-15", "2027-01-15"),  # across the year end
        ("2026-11-30", "2027-02-28"),  # 30 February does not exist: end of month
        ("2027-11-30", "2028-02-29"),  # leap year
        ("2026-05-31", "2026-08-31"),  # August has 31 days
        ("2026-03-31", "2026-06-30"),  # June has 30
        ("2026-12-31", "2027-03-31"),
    ],
)
def test_registration_deadline(suspended: str, deadline: str) -> None:
    assert registration_deadline(date.fromisoformat(suspended)) == date.fromisoformat(deadline)


def test_add_months_keeps_the_day_or_clamps_it() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 31), 0) == date(2026, 1, 31)
    assert add_months(date(2026, 1, 15), 12) == date(2027, 1, 15)
    assert add_months(date(2026, 1, 15), -1) == date(2025, 12, 15)
