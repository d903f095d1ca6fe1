"""Replay safety of the double-enrolment check on the medical 联系函 (003 第二条): a letter sent
before the form asked whether the person is enrolled in another scheme at the new place still
replays identically; today the same input is refused until the question is answered."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bootstrap import Backoffice
from app.features.audit.replay import Replayer
from app.kernel.errors import ValidationFailed
from tests.audit.earlier_forms import forms_without, submit_one
from tests.conftest import current_clock, freeze, settings_for
from tests.helpers import complete
from tests.processes.driver import MEDICAL_CONTACT_OK, MEDICAL_SUSPEND

FIELD = "medical_other_scheme_at_new_place"
FORM = "medical_transfer.contact_letter.json"
SUSPEND = {"process": "medical_transfer", "task": "suspend_and_certify", "data": MEDICAL_SUSPEND}
LETTER = {"process": "medical_transfer", "task": "contact_letter"}


def _submit(office: Backoffice) -> str:
    number = submit_one(office, "medical")
    complete(office, number, SUSPEND)
    return number


def test_a_letter_sent_before_the_question_replays_identically(
    database_url: str, tmp_path: Path
) -> None:
    earlier_data = {k: v for k, v in MEDICAL_CONTACT_OK.items() if k != FIELD}
    settings = settings_for(database_url)
    settings.forms_dir = forms_without(tmp_path / "forms", FORM, [FIELD])
    before = Backoffice(settings, clock=current_clock())
    try:
        freeze("2026-09-28T09:00:00+08:00")
        earlier = _submit(before)
        complete(before, earlier, {**LETTER, "data": earlier_data})
    finally:
        before.close()

    office = Backoffice(settings_for(database_url), clock=current_clock())  # the current forms
    try:
        current = _submit(office)
        with pytest.raises(ValidationFailed) as refused:
            complete(office, current, {**LETTER, "data": earlier_data})
        assert [e.field for e in refused.value.errors] == [f"/{FIELD}"]
        complete(office, current, {**LETTER, "data": MEDICAL_CONTACT_OK})

        for number in (earlier, current):
            replayed = Replayer(office).replay(number)
            assert replayed.identical, replayed.line()
            assert replayed.line().startswith("identical ")
        offered = [(r.kind, r.insurance) for r in office.documents.available(earlier)]
        assert ("contact_letter", "medical") in offered
    finally:
        office.close()
