"""Replay safety of the 社保卡号 and the unverified contribution months (2021 通知 第三条（一））:
a transfer-out review recorded before the form asked for them still replays identically, and
its 联系函 still prints; a review recorded since replays without the card number, which the
log never held (x-personal)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bootstrap import Backoffice
from app.features.audit.replay import Replayer
from app.kernel.errors import ValidationFailed
from tests.audit.earlier_forms import forms_without, submit_one
from tests.conftest import current_clock, freeze, settings_for
from tests.helpers import complete
from tests.processes.driver import UNEMPLOYMENT_OUT_OK

NEW_FIELDS = (
    "unemployment_social_security_card_number",
    "unemployment_unverified_contribution_months",
)
FORM = "unemployment_transfer.out_review.json"
OUT_REVIEW = {"process": "unemployment_transfer", "task": "out_review"}


def test_a_review_recorded_before_the_new_fields_replays_identically(
    database_url: str, tmp_path: Path
) -> None:
    earlier_data = {k: v for k, v in UNEMPLOYMENT_OUT_OK.items() if k not in NEW_FIELDS}
    settings = settings_for(database_url)
    settings.forms_dir = forms_without(tmp_path / "forms", FORM, NEW_FIELDS)
    before = Backoffice(settings, clock=current_clock())
    try:
        freeze("2026-09-28T09:00:00+08:00")
        earlier = submit_one(before, "unemployment")
        complete(before, earlier, {**OUT_REVIEW, "data": earlier_data})
    finally:
        before.close()

    office = Backoffice(settings_for(database_url), clock=current_clock())  # the current forms
    try:
        # Today the same input is refused: approving needs both fields ...
        current = submit_one(office, "unemployment")
        with pytest.raises(ValidationFailed) as refused:
            complete(office, current, {**OUT_REVIEW, "data": earlier_data})
        assert {e.field for e in refused.value.errors} == {f"/{n}" for n in NEW_FIELDS}
        complete(office, current, {**OUT_REVIEW, "data": UNEMPLOYMENT_OUT_OK})

        # ... and yet the review recorded without them replays unchanged, as does today's.
        for number in (earlier, current):
            replayed = Replayer(office).replay(number)
            assert replayed.identical, replayed.line()
            assert replayed.line().startswith("identical ")
        # The earlier 联系函 is still offered and prints without the rows it never had.
        offered = [(r.kind, r.insurance) for r in office.documents.available(earlier)]
        assert ("contact_letter", "unemployment") in offered
        html = office.documents.issue(earlier, "contact_letter", "unemployment", "html", "c")
        assert "已核定的累计缴费月数" in str(html) and "未核定的缴费月数" not in str(html)
    finally:
        office.close()
