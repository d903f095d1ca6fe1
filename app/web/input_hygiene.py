"""Input no database column can hold, found before anything reaches the services."""

from __future__ import annotations

from typing import Any

from app.kernel.errors import FieldError


def unstorable(value: Any) -> list[FieldError]:
    """Strings no database column can hold: NUL and unpaired surrogates (from \\u escapes)."""
    errors = []
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, item = stack.pop()
        texts = []
        if isinstance(item, dict):
            for key, child in item.items():
                path = where + "/" + key.replace("~", "~0").replace("/", "~1")
                texts.append((path, key))
                stack.append((path, child))
        elif isinstance(item, list):
            stack.extend((f"{where}/{i}", child) for i, child in enumerate(item))
        elif isinstance(item, str):
            texts.append((where, item))
        for path, text in texts:
            try:
                text.encode("utf-8")
                ok = "\x00" not in text
            except UnicodeEncodeError:
                ok = False
            if not ok:
                errors.append(FieldError(path, "含有不允许的字符（空字符或无效的 Unicode 编码）"))
    return sorted(set(errors))
