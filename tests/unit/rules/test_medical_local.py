"""Wenzhou's local medical-account rules come from region data, and other regions are untouched."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from app.rules.medical_local import (
    account_handling,
    medical_rules,
    overdrawn_blocks_transfer,
    precredit,
)


def test_wenzhou_refunds_when_new_place_has_no_outpatient_pooling() -> None:
    wenzhou = medical_rules("330304")
    assert account_handling(wenzhou, new_place_has_outpatient_pooling=False) == "refunded"
    assert account_handling(wenzhou, new_place_has_outpatient_pooling=True) == "transferred"
    assert "第五十四条" in wenzhou.source


def test_other_regions_always_transfer_the_balance() -> None:
    shaoxing = medical_rules("330602")
    assert account_handling(shaoxing, new_place_has_outpatient_pooling=False) == "transferred"
    assert not overdrawn_blocks_transfer(shaoxing, overdrawn=True)
    assert precredit(shaoxing, date(1990, 1, 1), date(2026, 11, 3)) is None


def test_wenzhou_overdrawn_account_must_be_settled_first() -> None:
    assert overdrawn_blocks_transfer(medical_rules("330304"), overdrawn=True)
    assert not overdrawn_blocks_transfer(medical_rules("330304"), overdrawn=False)


def test_precredit_counts_remaining_months_and_age_in_transfer_month(tmp_path: Path) -> None:
    result = precredit(medical_rules("330304"), date(1986, 11, 20), date(2026, 11, 3))
    assert result is not None and result.months == 2 and result.age == 39 and result.amount is None
    config = json.loads(Path("processes/regions.json").read_text(encoding="utf-8"))
    config["regions"]["330304"]["medical"]["monthly_precredit_by_age"] = [
        {"min_age": 0, "monthly": "50.00"},
        {"min_age": 45, "monthly": "80.505"},
    ]
    path = tmp_path / "regions.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    young = precredit(medical_rules("330304", path), date(1990, 1, 1), date(2026, 12, 1))
    older = precredit(medical_rules("330304", path), date(1970, 1, 1), date(2026, 12, 1))
    assert young is not None and young.amount == Decimal("50.00")
    assert older is not None and older.amount == Decimal("80.51")  # one rounding rule: half up
