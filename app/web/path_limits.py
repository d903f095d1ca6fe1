"""Strings in URL paths (case numbers, process ids, usernames, document kinds...) are checked by
name for length and form before any view runs: a wrong one is a 404 naming the parameter, never
a database query with a 5,000-character string, never a 500."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Flask

from app.features.accounts.account_admin import USERNAME
from app.features.modeling.process_catalog import PROCESS_ID
from app.kernel.errors import NotFound


@dataclass(frozen=True)
class PathString:
    label: str  # what the parameter is, for the message (zh-CN)
    pattern: re.Pattern[str]
    form: str  # the expected form, for the message


# One entry per parameter name used in the routes: the same name means the same thing in
# every blueprint. A new route with a new name falls under ANY_STRING until it gets its own.
PATH_STRINGS: dict[str, PathString] = {
    # region-year-sequence (app.features.cases.service._next_number; the sequence has 6 digits
    # and grows past them only after 999,999 cases of one region in one year)
    "number": PathString(
        "办件编号",
        re.compile(r"[0-9]{6}-[0-9]{4}-[0-9]{6,9}"),
        "区划代码-年份-序号，如 330602-2026-000001",
    ),
    "process_id": PathString(
        "流程标识", PROCESS_ID, "字母或下划线开头，由字母、数字、下划线组成，至多 100 个字符"
    ),
    "username": PathString("用户名", USERNAME, "3–60 个字母、数字或 _.@-"),
    "kind": PathString("文书种类", re.compile(r"[a-z][a-z_]{0,59}"), "小写字母和下划线"),
    "fmt": PathString("导出格式", re.compile(r"[a-z]{1,8}"), "如 json、csv"),
    "name": PathString(
        "表单名称", re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}"), "如 流程.任务.json"
    ),
    # the envelope id of a letter between deployments (contracts §10)
    "message_id": PathString(
        "函件编号",
        re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
        "小写 UUID，如 6f1c2a4e-8b3d-4e5f-9a01-23456789abcd",
    ),
}
ANY_STRING = PathString("路径参数", re.compile(r"[^\x00-\x1f\x7f]{1,200}"), "至多 200 个字符")
# Converters whose values are not plain names: static file paths, and the integer ids that
# RowIdConverter bounds already.
UNCHECKED = {"filename"}


def check(values: dict[str, Any] | None) -> None:
    """Raise NotFound for the first string path parameter that is too long or malformed."""
    for name, value in (values or {}).items():
        if not isinstance(value, str) or name in UNCHECKED:
            continue
        rule = PATH_STRINGS.get(name, ANY_STRING)
        if not rule.pattern.fullmatch(value):
            shown = "（过长）" if len(value) > 200 else ""
            # `not_found`, the code an unknown case has: no object has such a name.
            raise NotFound(f"网址中的{rule.label}不正确{shown}：应为{rule.form}")


def register(app: Flask) -> None:
    # A URL value preprocessor runs after routing and before every before_request hook and
    # view, so nothing reads the database with the value first.
    @app.url_value_preprocessor
    def _check_path_strings(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        check(values)
