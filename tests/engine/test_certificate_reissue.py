"""规程 第四条: the 参保(合)凭证 comes from the suspension step, and a lost one is re-issued (补办):
only by the transfer-out medical agency, with a reason, audited, printed as a re-issue."""

from __future__ import annotations

import pytest

from app.bootstrap import Backoffice
from app.documents import render_html
from app.features.audit.replay import Replayer
from app.features.cases.service import Actor
from app.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.conftest import freeze
from tests.helpers import complete, events, pass_review, scenario

OUT_CLERK = Actor("medical_out_clerk_330100", "medical_out_clerk", "330100")
HEAD_ID = "330602196505051217"


def _case(office: Backoffice, *, suspended: bool = True) -> str:
    freeze("2026-09-28T09:00:00+08:00")
    story = scenario("bundle_only_medical_express")
    number = office.applications.submit(story["application"], Actor("p", "applicant")).case_number
    pass_review(office, number)  # 审核 before the transfers (seed 000 十四)
    if suspended:
        complete(office, number, story["steps"][1])
    return number


def test_the_certificate_prints_what_the_suspension_step_recorded(backoffice: Backoffice) -> None:
    number = _case(backoffice)
    freeze("2026-10-20T09:00:00+08:00")  # printed later: still dated the day it was issued
    context = backoffice.documents.context(number)
    html = render_html("insurance_certificate", context)
    assert "（浙）（杭州市）（2026）第 000123 号" in html
    assert "2026年9月28日" in html and "2026年10月20日" not in html
    assert "张大山" in html and "2015年7月" in html and "2026年9月30日" in html
    assert "壹仟贰佰叁拾肆元伍角陆分" in html and "李四" in html
    # seed 003 第六条: no receiving employer → register within 3 months, by 2026-12-28.
    assert "在3个月内（最迟于2026年12月28日）" in html
    # The household head's full ID number (kept out of the workflow and the log) is printed on
    # each of the three copies (seed 003 layout: one standard form; see builders.py).
    assert html.count(HEAD_ID) == 3 and html.count("330602********1217") == 0
    assert "补办" not in html.split("注 意 事 项")[0]


def test_reissue_is_recorded_counted_and_printed(backoffice: Backoffice) -> None:
    number = _case(backoffice)
    freeze("2026-11-03T10:00:00+08:00")
    assert backoffice.certificates.reissue(number, "  参保人遗失凭证  ", OUT_CLERK) == 1
    freeze("2026-11-20T10:00:00+08:00")
    assert backoffice.certificates.reissue(number, "再次遗失", OUT_CLERK) == 2
    first, second = events(backoffice, number, "certificate_reissued")
    assert first.actor == "medical_out_clerk_330100"
    assert first.data == {
        "certificate_number": "（浙）（杭州市）（2026）第 000123 号",
        "reason": "参保人遗失凭证",
        "on": "2026-11-03",
        "count": 1,
    }
    assert (second.data["on"], second.data["count"]) == ("2026-11-20", 2)
    html = render_html("insurance_certificate", backoffice.documents.context(number))
    assert "补办（第 2 次补办，补办日期：2026年11月20日）" in html
    assert "（浙）（杭州市）（2026）第 000123 号" in html  # the same certificate, re-issued
    # Not a workflow input: the case still replays identically.
    assert Replayer(backoffice).replay(number).identical


@pytest.mark.parametrize(
    "actor",
    [
        Actor("medical_clerk_330602", "medical_clerk", "330602"),  # the transfer-in agency
        Actor("medical_out_clerk_330304", "medical_out_clerk", "330304"),  # another region
        Actor("pension_out_clerk_330100", "pension_out_clerk", "330100"),
        Actor("supervisor_330100", "supervisor", "330100"),
    ],
    ids=["transfer-in", "other-region", "other-insurance", "supervisor"],
)
def test_only_the_issuing_agency_may_reissue(backoffice: Backoffice, actor: Actor) -> None:
    number = _case(backoffice)
    with pytest.raises(Forbidden):
        backoffice.certificates.reissue(number, "遗失", actor)
    assert events(backoffice, number, "certificate_reissued") == []


@pytest.mark.parametrize(
    "reason",
    ["", "   ", "失" * 501, "遗\x00失", "遗\ud800失"],
    ids=["empty", "blank", "too-long", "nul", "lone-surrogate"],
)
def test_reissue_needs_a_reason(backoffice: Backoffice, reason: str) -> None:
    number = _case(backoffice)
    with pytest.raises(ValidationFailed) as refused:
        backoffice.certificates.reissue(number, reason, OUT_CLERK)
    [error] = refused.value.errors
    assert error.field == "reason" and error.message.startswith("补办原因")
    assert events(backoffice, number, "certificate_reissued") == []


def test_no_reissue_before_the_certificate_is_issued(backoffice: Backoffice) -> None:
    number = _case(backoffice, suspended=False)
    with pytest.raises(Conflict) as refused:
        backoffice.certificates.reissue(number, "遗失", OUT_CLERK)
    assert "尚未出具" in refused.value.message
    with pytest.raises(NotFound):
        backoffice.certificates.reissue("330602-2026-999999", "遗失", OUT_CLERK)
    assert events(backoffice, number, "certificate_reissued") == []
