"""The envelope of contracts §10: canonical bytes, signature, and each field's 422 reason."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.features.exchange.envelope import Envelope, parse
from app.features.exchange.keys import load_public, public_b64
from app.kernel.errors import ValidationFailed

SEED = bytes(range(32))
KEY = Ed25519PrivateKey.from_private_bytes(SEED)
# Computed once from the rules of §10 (sorted keys, UTF-8 without escapes, no spaces); the
# signature is Ed25519's, deterministic for this key and these bytes.
VECTOR = (
    '{"from_region":"330602","id":"6f1c2a4e-8b3d-4e5f-9a01-23456789abcd",'
    '"payload":{"amount":"10203.05","items":[1,2],"姓名":"张三"},'
    '"sent_at":"2026-09-28T09:00:00+08:00","to_region":"330102",'
    '"transfer_key":"YC20260001/pension","type":"contact_letter"}'
)
SIGNATURE = (
    "dclYX0dKRGKRxoAWgoQF21DEQ7/ky8sa8zNyhAtMbiE5S5lvBS9PixKN2fQo5bRgeDX9WubrrQxXG+naaPZgDA=="
)
PUBLIC = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="


def letter() -> Envelope:
    return Envelope(
        id="6f1c2a4e-8b3d-4e5f-9a01-23456789abcd",
        type="contact_letter",
        transfer_key="YC20260001/pension",
        from_region="330602",
        to_region="330102",
        sent_at="2026-09-28T09:00:00+08:00",
        payload={"姓名": "张三", "amount": "10203.05", "items": [1, 2]},
    )


def test_canonical_bytes_and_signature_match_the_fixed_vector() -> None:
    signed = letter().signed_with(KEY)
    assert signed.canonical() == VECTOR.encode("utf-8")
    assert signed.signature == SIGNATURE
    assert public_b64(KEY) == PUBLIC
    # Re-verified with nothing but the public key, as a peer does.
    load_public(PUBLIC).verify(base64.b64decode(SIGNATURE), VECTOR.encode("utf-8"))
    assert signed.verifies_with(load_public(PUBLIC))


def test_the_wire_body_parses_back_to_the_same_letter() -> None:
    signed = letter().signed_with(KEY)
    again = parse(signed.body())
    assert again == signed
    assert again.verifies_with(load_public(PUBLIC))
    # Key order and spacing on the wire do not matter: the canonical bytes are recomputed.
    loose = json.dumps(signed.as_dict(), indent=2, ensure_ascii=True).encode()
    assert parse(loose).verifies_with(load_public(PUBLIC))


@pytest.mark.parametrize(
    "change",
    [
        {"payload": {"姓名": "李四", "amount": "10203.05", "items": [1, 2]}},
        {"to_region": "330103"},
        {"sent_at": "2026-09-28T09:00:01+08:00"},
        {"type": "reply"},
    ],
)
def test_any_changed_field_breaks_the_signature(change: dict[str, object]) -> None:
    body = {**letter().signed_with(KEY).as_dict(), **change}
    assert not parse(json.dumps(body).encode()).verifies_with(load_public(PUBLIC))


def test_another_key_does_not_verify() -> None:
    signed = letter().signed_with(Ed25519PrivateKey.generate())
    assert not signed.verifies_with(load_public(PUBLIC))


def _reasons(body: object) -> dict[str, str]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(ValidationFailed) as caught:
        parse(raw, max_bytes=4096)
    return {e.field: e.message for e in caught.value.errors}


GOOD = letter().signed_with(KEY).as_dict()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"extra": 1}, "/extra", "未知字段"),
        ({"id": "not-a-uuid"}, "/id", "UUID"),
        ({"id": "6F1C2A4E-8B3D-4E5F-9A01-23456789ABCD"}, "/id", "UUID"),
        ({"from_region": "3306"}, "/from_region", "6 位"),
        ({"to_region": 330102}, "/to_region", "字符串"),
        ({"sent_at": "2026-09-28T09:00:00"}, "/sent_at", "时区"),
        ({"sent_at": "yesterday"}, "/sent_at", "时区"),
        ({"payload": [1, 2]}, "/payload", "JSON 对象"),
        ({"payload": "x"}, "/payload", "JSON 对象"),
        ({"transfer_key": "YC 1/pension"}, "/transfer_key", "办件编号/险种"),
        ({"type": "Contact Letter"}, "/type", "小写"),
        ({"signature": "!!"}, "/signature", "Base64"),
    ],
)
def test_each_malformed_field_is_named_with_its_reason(
    change: dict[str, object], field: str, words: str
) -> None:
    reasons = _reasons({**GOOD, **change})
    assert field in reasons and words in reasons[field], reasons


def test_missing_fields_are_each_named() -> None:
    body = {k: v for k, v in GOOD.items() if k not in {"sent_at", "signature"}}
    reasons = _reasons(body)
    assert reasons == {"/sent_at": "缺少此字段", "/signature": "缺少此字段"}


def test_size_limit_duplicate_keys_and_non_objects() -> None:
    big = {**GOOD, "payload": {"text": "字" * 2000}}
    assert "大小上限" in _reasons(big)[""]
    assert "JSON" in _reasons(b'{"id": "a", "id": "b"}')[""]
    assert "JSON 对象" in _reasons([GOOD])[""]
    assert "JSON" in _reasons(b"\xff\xfe")[""]
    assert "JSON" in _reasons(b'{"payload": NaN}')[""]


def test_deep_nesting_and_lone_surrogates_are_422_not_a_crash() -> None:
    assert "嵌套" in _reasons(b'{"payload":' + b"[" * 2000 + b"]" * 2000 + b"}")[""]
    body = json.dumps({**GOOD, "payload": {"x": "\ud800"}}).encode()
    assert "UTF-8" in _reasons(body)[""]
