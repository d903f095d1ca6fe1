"""`flask users create|disable|enable|reset-password|list`: checked input, audited changes, and
a refusal that changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.features.accounts.account_admin import first_admin_hint
from app.store.models import AuditEvent, User
from tests.conftest import settings_for
from tests.helpers import events_of_kind

GOOD = "Lange-Nacht-42"
OTHER = "Ganz-anderes-7"


def _app(database_url: str, make_app: Any) -> Any:
    return make_app(settings_for(database_url))


def _create(app: Any, *extra: str, username: str = "li.ming", password: str = GOOD) -> Any:
    args = ["users", "create", username, "--name", "李明", "--role", "reviewer"]
    args += ["--region", "330602", *extra]
    return app.test_cli_runner().invoke(args=args, input=f"{password}\n{password}\n")


def _counts(app: Any) -> tuple[int, int]:
    with app.extensions["backoffice"].db.sessions() as session:
        users = session.execute(select(func.count()).select_from(User)).scalar_one()
        events = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    return users, events


def _signs_in(app: Any, username: str, password: str) -> bool:
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    return bool(response.status_code == 302)


def test_create_then_sign_in_and_the_change_is_audited(database_url: str, make_app: Any) -> None:
    app = _app(database_url, make_app)
    result = _create(app)
    assert result.exit_code == 0, result.output
    assert "created li.ming (reviewer, 330602, 绍兴市越城区审核科室)" in result.output
    assert _signs_in(app, "li.ming", GOOD)
    [event] = events_of_kind(app.extensions["backoffice"], "user_created")
    assert event.actor == "cli"
    assert event.data == {
        "username": "li.ming",
        "role": "reviewer",
        "region": "330602",
        "agency": "绍兴市越城区审核科室",
    }
    listed = app.test_cli_runner().invoke(args=["users", "list"])
    assert listed.exit_code == 0
    assert "li.ming\treviewer\t330602\tactive\t绍兴市越城区审核科室\t李明" in listed.output


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        (["--role", "applicant"], "role", "未知角色"),
        (["--role", "wizard"], "role", "window_clerk"),
        (["--region", "110000"], "region", "不是本系统的地区"),
        (["--region", "33060"], "region", "330602（绍兴市越城区）"),
        (["--name", "   "], "name", "姓名"),
    ],
)
def test_bad_details_are_refused_before_any_password_and_change_nothing(
    database_url: str, make_app: Any, extra: list[str], field: str, words: str
) -> None:
    app = _app(database_url, make_app)
    before = _counts(app)
    result = _create(app, *extra)
    assert result.exit_code == 1
    assert f"{field}: " in result.output and words in result.output
    assert "密码" not in result.output.split("账号信息有误")[0]  # refused before the prompt
    assert _counts(app) == before


@pytest.mark.parametrize("username", ["ab", "has space", ".leading", "名字", "x" * 61])
def test_bad_usernames_are_refused(database_url: str, make_app: Any, username: str) -> None:
    app = _app(database_url, make_app)
    before = _counts(app)
    result = _create(app, username=username)
    assert result.exit_code == 1 and "username: 用户名应为" in result.output
    assert _counts(app) == before


def test_a_taken_username_in_any_case_is_refused(database_url: str, make_app: Any) -> None:
    app = _app(database_url, make_app)
    assert _create(app).exit_code == 0
    before = _counts(app)
    again = _create(app, username="LI.MING")
    assert again.exit_code == 1 and "已存在" in again.output
    assert _counts(app) == before


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("short-7", "至少需要 10 个字符"),
        ("qwertyuiop", "过于常见"),
        ("Password123", "过于常见"),
        ("zzzzzzzzzzzz", "过于常见"),
        ("li.ming.li.ming", None),
        ("LI.MING.LI", None),
        ("x" * 129, "不能超过 128"),
    ],
)
def test_the_password_policy_refuses_weak_passwords_from_stdin(
    database_url: str, make_app: Any, password: str, words: str | None
) -> None:
    app = _app(database_url, make_app)
    before = _counts(app)
    result = app.test_cli_runner().invoke(
        args=["users", "create", "li.ming.li", "--name", "李明", "--role", "reviewer"]
        + ["--region", "330602", "--password-stdin"],
        input=password + "\n",
    )
    if password == "li.ming.li.ming":
        assert result.exit_code == 0, result.output  # contains the name but is not it
        return
    assert result.exit_code == 1
    assert "password: " in result.output
    assert (words or "不能与用户名相同") in result.output
    assert _counts(app) == before


def test_a_weak_password_at_the_prompt_is_asked_again(database_url: str, make_app: Any) -> None:
    app = _app(database_url, make_app)
    result = app.test_cli_runner().invoke(
        args=["users", "create", "li.ming", "--name", "李明", "--role", "reviewer"]
        + ["--region", "330602"],
        input=f"1234567890\n1234567890\n{GOOD}\n{GOOD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "过于常见" in result.output
    assert _signs_in(app, "li.ming", GOOD)


def test_disable_ends_sessions_and_sign_in_enable_restores(
    database_url: str, make_app: Any
) -> None:
    app = _app(database_url, make_app)
    assert _create(app).exit_code == 0
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"username": "li.ming", "password": GOOD, "csrf_token": token})
    assert "李明" in client.get("/").get_data(as_text=True)

    runner = app.test_cli_runner()
    disabled = runner.invoke(args=["users", "disable", "li.ming", "--by", "admin_zhang"])
    assert disabled.exit_code == 0 and "disabled li.ming" in disabled.output
    assert "李明" not in client.get("/").get_data(as_text=True)
    assert not _signs_in(app, "li.ming", GOOD)
    twice = runner.invoke(args=["users", "disable", "li.ming"])
    assert twice.exit_code == 1 and "已是停用状态" in twice.output

    assert runner.invoke(args=["users", "enable", "li.ming"]).exit_code == 0
    assert _signs_in(app, "li.ming", GOOD)
    office = app.extensions["backoffice"]
    [off] = events_of_kind(office, "user_disabled")
    assert off.actor == "admin_zhang" and off.data == {"username": "li.ming", "sessions_ended": 1}
    assert [e.data["username"] for e in events_of_kind(office, "user_enabled")] == ["li.ming"]


def test_reset_password_replaces_it_and_lifts_a_lock(database_url: str, make_app: Any) -> None:
    app = _app(database_url, make_app)
    assert _create(app).exit_code == 0
    for _ in range(5):
        assert not _signs_in(app, "li.ming", "wrong-password")
    assert not _signs_in(app, "li.ming", GOOD)  # locked
    runner = app.test_cli_runner()
    reset = runner.invoke(args=["users", "reset-password", "li.ming"], input=f"{OTHER}\n{OTHER}\n")
    assert reset.exit_code == 0, reset.output
    assert not _signs_in(app, "li.ming", GOOD)
    assert _signs_in(app, "li.ming", OTHER)
    [event] = events_of_kind(app.extensions["backoffice"], "user_password_reset")
    assert event.data["username"] == "li.ming" and OTHER not in str(event.data)


def test_unknown_accounts_are_refused(database_url: str, make_app: Any) -> None:
    app = _app(database_url, make_app)
    runner = app.test_cli_runner()
    before = _counts(app)
    for command in ("disable", "enable", "reset-password"):
        result = runner.invoke(args=["users", command, "nobody"], input=f"{GOOD}\n{GOOD}\n")
        assert result.exit_code == 1 and "账号 nobody 不存在" in result.output
    weak = runner.invoke(args=["users", "reset-password", "nobody\x00x"], input="a\na\n")
    assert weak.exit_code == 1
    assert _counts(app) == before


def test_no_audit_event_holds_a_password(database_url: str, make_app: Any) -> None:
    app = _app(database_url, make_app)
    assert _create(app).exit_code == 0
    app.test_cli_runner().invoke(
        args=["users", "reset-password", "li.ming"], input=f"{OTHER}\n" * 2
    )
    with app.extensions["backoffice"].db.sessions() as session:
        texts = [str(e.data) for e in session.execute(select(AuditEvent)).scalars()]
    assert texts and not any(GOOD in t or OTHER in t or "scrypt:" in t for t in texts)


def test_the_first_administrator_hint(database_url: str, make_app: Any) -> None:
    app = _app(database_url, make_app)
    db = app.extensions["backoffice"].db
    hint = first_admin_hint(db)
    assert hint is not None and "users create USERNAME --name 姓名 --role admin" in hint
    runner = app.test_cli_runner()
    created = runner.invoke(
        args=["users", "create", "wang.admin", "--name", "王管理", "--role", "admin"]
        + ["--region", "330602", "--password-stdin"],
        input=GOOD + "\n",
    )
    assert created.exit_code == 0, created.output
    assert first_admin_hint(db) is None
    assert runner.invoke(args=["users", "disable", "wang.admin"]).exit_code == 0
    assert first_admin_hint(db) is not None
