"""The message envelope of contracts §10: strict parsing, canonical bytes, Ed25519 signature."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.kernel.errors import FieldError, ValidationFailed

FIELDS = ("id", "type", "transfer_key", "from_region", "to_region", "sent_at", "payload")
SIGNED = (*FIELDS, "signature")
DEFAULT_MAX_BYTES = 256 * 1024
_REGION = re.compile(r"^[0-9]{6}$")
_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# "<case number>/<insurance>": no spaces or further slashes, the insurance in lower case.
_TRANSFER_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}/[a-z][a-z_]{0,29}$")


@dataclass(frozen=True)
class Envelope:
    id: str
    type: str
    transfer_key: str
    from_region: str
    to_region: str
    sent_at: str  # kept as sent: the signature covers these exact characters
    payload: dict[str, Any]
    signature: str = ""

    def unsigned(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}

    def as_dict(self) -> dict[str, Any]:
        return {**self.unsigned(), "signature": self.signature}

    def canonical(self) -> bytes:
        return canonical_bytes(self.unsigned())

    def digest(self) -> str:
        """sha256 (hex) of the canonical bytes: what the inbox and receipts remember."""
        return hashlib.sha256(self.canonical()).hexdigest()

    def body(self) -> bytes:
        """The JSON sent over the wire (the signed fields in canonical form, plus signature)."""
        return canonical_bytes(self.as_dict())

    def signed_with(self, key: Ed25519PrivateKey) -> Envelope:
        signature = base64.b64encode(key.sign(self.canonical())).decode("ascii")
        return Envelope(**{**self.unsigned(), "signature": signature})

    def verifies_with(self, key: Ed25519PublicKey) -> bool:
        try:
            raw = base64.b64decode(self.signature, validate=True)
            key.verify(raw, self.canonical())
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    """Keys sorted, UTF-8 (no \\u escapes), no spaces: the bytes that are signed (§10)."""
    return json.dumps(
        fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two values for one key would let a signer and a reader see different letters.
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Envelope:
    """A received body -> Envelope, or ValidationFailed naming each bad field and why."""
    if len(raw) > max_bytes:
        raise _invalid([FieldError("", f"信封超过大小上限 {max_bytes} 字节")])
    try:
        data = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_reject_constant,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise _invalid([FieldError("", f"不是合法的 JSON（{exc}）")]) from None
    except RecursionError:
        raise _invalid([FieldError("", "JSON 嵌套过深")]) from None
    if not isinstance(data, dict):
        raise _invalid([FieldError("", "信封必须是 JSON 对象")])
    envelope = from_dict(data, require_signature=True)
    try:
        envelope.canonical()
    except UnicodeEncodeError:
        # "\ud800" is valid JSON but no UTF-8: such a letter has no canonical bytes to sign.
        raise _invalid([FieldError("", "含有无法以 UTF-8 表示的字符（孤立代理项）")]) from None
    return envelope


def from_dict(data: dict[str, Any], *, require_signature: bool) -> Envelope:
    errors = [FieldError(f"/{key}", "未知字段") for key in sorted(set(data) - set(SIGNED))]
    required = SIGNED if require_signature else FIELDS
    errors += [FieldError(f"/{key}", "缺少此字段") for key in required if key not in data]
    errors += _check(data)
    if errors:
        raise _invalid(errors)
    fields = {name: data[name] for name in FIELDS}
    return Envelope(**fields, signature=data.get("signature", ""))


def _check(data: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []

    def text(name: str) -> str | None:
        value = data.get(name)
        if name in data and not isinstance(value, str):
            errors.append(FieldError(f"/{name}", "必须是字符串"))
            return None
        return value

    if (value := text("id")) is not None:
        try:
            if str(uuid.UUID(value)) != value:  # one spelling per id: lower case, hyphens
                raise ValueError(value)
        except ValueError:
            errors.append(FieldError("/id", "不是 UUID（小写，形如 8-4-4-4-12 位十六进制）"))
    if (value := text("type")) is not None and not _TYPE.match(value):
        errors.append(FieldError("/type", "必须是小写字母、数字和下划线，以字母开头，最长 40 位"))
    if (value := text("transfer_key")) is not None and not _TRANSFER_KEY.match(value):
        errors.append(FieldError("/transfer_key", "必须是“办件编号/险种”，如 YC20260001/pension"))
    for name in ("from_region", "to_region"):
        if (value := text(name)) is not None and not _REGION.match(value):
            errors.append(FieldError(f"/{name}", "必须是 6 位行政区划代码"))
    if (value := text("sent_at")) is not None:
        try:
            at = datetime.fromisoformat(value)
            if at.tzinfo is None or "T" not in value:
                raise ValueError(value)
        except ValueError:
            errors.append(FieldError("/sent_at", "必须是带时区偏移的 ISO 8601 时刻"))
    if "payload" in data and not isinstance(data["payload"], dict):
        errors.append(FieldError("/payload", "必须是 JSON 对象"))
    if (value := text("signature")) is not None:
        try:
            if len(base64.b64decode(value, validate=True)) != 64:
                raise ValueError(value)
        except (binascii.Error, ValueError):
            errors.append(FieldError("/signature", "必须是 64 字节 Ed25519 签名的标准 Base64"))
    return errors


def _invalid(errors: list[FieldError]) -> ValidationFailed:
    return ValidationFailed("信封格式不正确", errors)
