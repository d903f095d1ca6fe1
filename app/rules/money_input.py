"""Money as people type it (3,456.78 · ３４５６.７８ · ¥1800) to the decimal string of contracts §3."""

from __future__ import annotations

import re
import unicodedata

from app.rules.amounts import MONEY_PATTERN

_MONEY = re.compile(MONEY_PATTERN)
# Thousands separators only where they belong: 3,456.78 and 1,234,567 but never 12,34.
_GROUPED = re.compile(r"^[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]{1,2})?$")
# The patterns task forms (forms/*.json) give money fields.
MONEY_FIELD_PATTERNS = frozenset({MONEY_PATTERN, r"^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$"})


def normalize_money(text: str) -> str:
    """The decimal string for a typed amount, or the stripped input when it is no amount (so
    that validation names the field)."""
    stripped = text.strip()
    # NFKC: full-width digits, comma and point (typed with a Chinese input method) to ASCII.
    s = unicodedata.normalize("NFKC", stripped).replace(" ", "")
    s = s.removeprefix("¥").removesuffix("元")
    if _GROUPED.fullmatch(s):
        s = s.replace(",", "")
    return s if _MONEY.fullmatch(s) else stripped
