"""Password policy for staff accounts (ASVS 2.1): length, a common-password list, not the name.

No composition rules (ASVS 2.1.9): length and the list do the work. Demo accounts share a
published short password and are made by `load-demo` only, never through this policy."""

from __future__ import annotations

import functools
from pathlib import Path

from app.kernel.errors import FieldError

MIN_LENGTH = 10
MAX_LENGTH = 128  # ASVS 2.1.2 asks for at least 64; beyond 128 is a hashing-cost lever
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def password_problems(password: str, username: str, field: str = "password") -> list[FieldError]:
    """Field errors (Chinese) for a password that the policy refuses; [] when it is fine."""
    if len(password) < MIN_LENGTH:
        return [FieldError(field, f"密码至少需要 {MIN_LENGTH} 个字符（现为 {len(password)} 个）")]
    if len(password) > MAX_LENGTH:
        return [FieldError(field, f"密码不能超过 {MAX_LENGTH} 个字符")]
    if "\x00" in password:
        return [FieldError(field, "密码不能包含空字符")]
    lowered = password.lower()
    if lowered == username.strip().lower():
        return [FieldError(field, "密码不能与用户名相同")]
    if lowered in common_passwords() or len(set(lowered)) == 1:
        return [FieldError(field, "该密码过于常见，容易被猜中，请换一个")]
    return []
