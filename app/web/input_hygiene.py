"""Input no database column can hold, found before anything reaches the services."""

from __future__ import annotations

import math
from typing import Any

from app.kernel.errors import FieldError

# The widest integer every store and serializer here holds (PostgreSQL bigint, orjson, SQLite).
INT64 = range(-(2**63), 2**63)


# Far beyond any list here; keeps OFFSET (page - 1) * page size inside a 64-bit integer.
MAX_PAGE = 100_000


def page_number(raw: object, default: int = 1) -> int:
    """A 1-based page number from a query string: not a number gives `default`, a huge one
    the last page there could be (never an offset the database cannot hold)."""
    text = raw if isinstance(raw, str) else ""
    if not (text.isascii() and text.isdigit()):
        return default
    return MAX_PAGE if len(text) > 6 else min(max(int(text), 1), MAX_PAGE)


def unstorable(value: Any) -> list[FieldError]:
    """Values no database column or serializer can hold: strings with NUL or unpaired
    surrogates (from \\u escapes), integers beyond 64 bits, infinite numbers (1e400)."""
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
        elif (isinstance(item, int) and item not in INT64) or (
            isinstance(item, float) and not math.isfinite(item)
        ):
            errors.append(FieldError(where, "数值超出允许范围"))
        for path, text in texts:
            try:
                text.encode("utf-8")
                ok = "\x00" not in text
            except UnicodeEncodeError:
                ok = False
            if not ok:
                errors.append(FieldError(path, "含有不允许的字符（空字符或无效的 Unicode 编码）"))
    return sorted(set(errors))
