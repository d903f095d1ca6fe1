"""Replay safety of the double-enrolment check on the medical 联系函 (003 第二条): a letter sent
before the form asked whether the person is enrolled in another scheme at the new place still
replays identically; today the same input is refused until the question is answered."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from app.config import ROOT
from app.errors import ValidationFailed
from app.services.backoffice import Backoffice
from app.services.cases import Actor
from app.services.replay import Replayer
from tests.conftest import freeze, settings_for
from tests.helpers import complete, scenario
from tests.processes.driver import MEDICAL_CONTACT_OK, MEDICAL_SUSPEND

FIELD = "medical_other_scheme_at_new_place"
FORM = "medical_transfer.contact_letter.json"
SUSPEND = {"process": "medical_transfer", "task": "suspend_and_certify", "data": MEDICAL_SUSPEND}
LETTER = {"process": "medical_transfer", "task": "contact_letter"}


def _submit(office: Backoffice) -> str:
    application = copy.deepcopy(scenario("bundle_all_three_success")["application"])
    application["insurances"] = ["medical"]
    number = office.applications.submit(application, Actor("portal", "applicant")).case_number
    complete(office, number, SUSPEND)
    return number


def _form_before_the_field(folder: Path) -> None:
    """The letter form as deployed before: no question about another scheme."""
    shutil.copytree(ROOT / "forms", folder)
    path = folder / FORM
    form = json.loads(path.read_text(encoding="utf-8"))
    del form["properties"][FIELD]
    for branch in form["allOf"]:
        then = branch["then"]
        then["required"] = [f for f in then["required"] if f != FIELD]
        then.pop("properties", None)
    path.write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")


def test_a_letter_sent_before_the_question_replays_identically(
    database_url: str, tmp_path: Path
) -> None:
    earlier_data = {k: v for k, v in MEDICAL_CONTACT_OK.items() if k != FIELD}
    folder = tmp_path / "forms"
    _form_before_the_field(folder)
    settings = settings_for(database_url)
    settings.forms_dir = folder
    before = Backoffice(settings)
    try:
        freeze("2026-09-28T09:00:00+08:00")
        earlier = _submit(before)
        complete(before, earlier, {**LETTER, "data": earlier_data})
    finally:
        before.close()

    office = Backoffice(settings_for(database_url))  # the current forms
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
