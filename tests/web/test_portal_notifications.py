"""Every status change produces one message to the applicant through the pluggable notifier."""

from __future__ import annotations

from sqlalchemy import select

from app.bootstrap import Backoffice
from app.features.cases.notifier import (
    STATUS_KIND,
    Message,
    StatusChangeListener,
    install,
    notify_status_changes,
)
from app.features.cases.service import Actor
from app.store.models import Notification
from tests.conftest import current_clock, freeze
from tests.helpers import case_row, complete, events, scenario
from tests.web.api_support import START, application

STEPS = scenario("bundle_all_three_success")["steps"]
APPLICANT = Actor("tests", "applicant")


def _messages(office: Backoffice, number: str) -> list[Notification]:
    case_id = case_row(office, number).id
    with office.db.sessions() as session:
        return list(
            session.execute(
                select(Notification)
                .where(Notification.case_id == case_id)
                .order_by(Notification.id)
            ).scalars()
        )


def test_each_status_change_gives_one_message(backoffice: Backoffice) -> None:
    freeze(START)
    install(backoffice.cases)
    install(backoffice.cases)  # idempotent: still one listener
    assert sum(isinstance(x, StatusChangeListener) for x in backoffice.cases.listeners) == 1
    number = backoffice.applications.submit(application(), APPLICANT).case_number
    for step in STEPS:
        complete(backoffice, number, step)
    messages = _messages(backoffice, number)
    assert [m.kind for m in messages] == [
        STATUS_KIND + "accepted",
        STATUS_KIND + "in_transfer",  # the review (seed 000 十四) passed
        STATUS_KIND + "concluded",
    ]
    assert "承诺于2026年10月15日前办结" in messages[0].message
    assert number in messages[0].message
    assert all(m.channel == "portal" and m.sent_at is not None for m in messages)
    notified = events(backoffice, number, "applicant_notified")
    assert [e.data["notification"] for e in notified] == [m.id for m in messages]
    # Running the reconciliation again finds nothing new.
    assert notify_status_changes(backoffice.db, backoffice.clock, _Outbox()) == 0


def test_refusal_message_names_the_remedies(backoffice: Backoffice) -> None:
    freeze(START)
    install(backoffice.cases)
    number = backoffice.applications.submit(
        application(status={"retired": True}), APPLICANT
    ).case_number
    (message,) = _messages(backoffice, number)
    assert message.kind == STATUS_KIND + "refused"
    assert "60日内申请行政复议" in message.message and "6个月内提起行政诉讼" in message.message


class _Outbox:
    channel = "portal"
    delivered_by_outbox = True

    def deliver(self, message: Message) -> bool:
        return True


class FlakySms:
    """An SMS adapter whose gateway is down for the first message."""

    channel = "sms"
    delivered_by_outbox = False

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.calls = 0

    def deliver(self, message: Message) -> bool:
        self.calls += 1
        if self.calls == 1:
            raise ConnectionError("gateway down")
        self.sent.append(message)
        return True


def test_an_adapter_delivers_after_commit_and_a_failure_never_fails_the_use_case(
    backoffice: Backoffice,
) -> None:
    freeze(START)
    sms = FlakySms()
    listener = install(backoffice.cases, sms)
    assert listener.notifier is sms  # replaces the default outbox if it was installed
    number = backoffice.applications.submit(application(), APPLICANT).case_number
    first = _messages(backoffice, number)
    assert [(m.channel, m.sent_at) for m in first] == [("sms", None)]  # written, not sent
    complete(backoffice, number, STEPS[0])  # the review passes (seed 000 十四): in_transfer
    complete(backoffice, number, STEPS[1])  # no status change: nothing more
    assert len(_messages(backoffice, number)) == 2
    for step in STEPS[2:-1]:
        complete(backoffice, number, step)
    statuses = [m.kind for m in _messages(backoffice, number)]
    assert statuses == [STATUS_KIND + "accepted", STATUS_KIND + "in_transfer"]
    # The failed one is retried with the next change.
    assert sorted(m.kind for m in sms.sent) == [
        STATUS_KIND + "accepted",
        STATUS_KIND + "in_transfer",
    ]
    assert all(m.sent_at is not None for m in _messages(backoffice, number))


def test_a_second_process_does_not_repeat_a_message(
    backoffice: Backoffice, database_url: str
) -> None:
    from tests.conftest import settings_for

    freeze(START)
    other = Backoffice(settings_for(database_url), clock=current_clock())
    try:
        install(backoffice.cases)
        second = install(other.cases)
        number = backoffice.applications.submit(application(), APPLICANT).case_number
        assert second.run() == 0  # it sees the change, and the message already sent
        assert len(_messages(backoffice, number)) == 1
    finally:
        other.close()


def test_cases_from_before_installation_are_caught_up(backoffice: Backoffice) -> None:
    freeze(START)
    # As if the database had been filled by a version without notifications.
    backoffice.cases.listeners[:] = [
        x for x in backoffice.cases.listeners if not isinstance(x, StatusChangeListener)
    ]
    backoffice.cases.store.status_writers.clear()
    number = backoffice.applications.submit(application(), APPLICANT).case_number
    assert _messages(backoffice, number) == []
    assert notify_status_changes(backoffice.db, backoffice.clock, _Outbox()) == 1
    assert [m.kind for m in _messages(backoffice, number)] == [STATUS_KIND + "accepted"]


# -- seed 000 十七、二十一、二十二、二十三 (and 001 / 002 for their regions) ---------------------------


def test_every_message_states_the_fee_and_the_channels_of_the_transfer_in_window(
    backoffice: Backoffice,
) -> None:
    freeze(START)
    install(backoffice.cases)
    number = backoffice.applications.submit(application(), APPLICANT).case_number  # → 330602
    for step in STEPS:
        complete(backoffice, number, step)
    refused = backoffice.applications.submit(
        application(status={"retired": True}), APPLICANT
    ).case_number
    messages = _messages(backoffice, number) + _messages(backoffice, refused)
    assert len(messages) == 4
    for m in messages:
        assert "不收费" in m.message, m.message
        assert "咨询电话0575-85736120" in m.message
        assert "监督投诉0575-88300255、12345投诉热线" in m.message
        assert "办公时间见办件进度页面" in m.message


def test_a_hangzhou_window_message_gives_the_hangzhou_channels(backoffice: Backoffice) -> None:
    freeze(START)
    install(backoffice.cases)
    body = application(transfer_in_region="330100", transfer_out_region="330602")
    body["applicant"]["hukou_region"] = "330100"
    number = backoffice.applications.submit(body, APPLICANT).case_number
    (message,) = _messages(backoffice, number)
    assert "咨询电话0571-12345-1、0571-87258563" in message.message
    assert "0575-" not in message.message


def test_the_runtime_is_built_with_the_adapter_it_is_given(database_url: str) -> None:
    """The notifier is a dependency of the runtime (bootstrap.build), not a later patch."""
    from app.bootstrap import build
    from tests.conftest import settings_for

    freeze(START)
    sms = FlakySms()
    office = build(settings_for(database_url), clock=current_clock(), messages=sms)
    try:
        number = office.applications.submit(application(), APPLICANT).case_number
        assert [m.channel for m in _messages(office, number)] == ["sms"]
        complete(office, number, STEPS[0])
        # The gateway failed the first send; the next change delivered both, through the adapter.
        assert sorted(m.kind for m in sms.sent) == [
            STATUS_KIND + "accepted",
            STATUS_KIND + "in_transfer",
        ]
    finally:
        office.close()
