"""Ed25519 keys of a deployment: a private key file (PEM, 0600) and public keys as base64."""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE = "exchange_key.pem"


class KeyError_(ValueError):
    """A key file or public key that cannot be used (the message says which and why)."""


def generate(out_dir: Path) -> tuple[Path, str]:
    """Write a new private key to out_dir/exchange_key.pem (mode 0600, never overwritten);
    return its path and the public key for the peers' directories."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / KEY_FILE
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL: an existing key is never replaced (the peers know its public half).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as sink:
        sink.write(pem)
    return path, public_b64(key)


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyError_(f"EXCHANGE_PRIVATE_KEY {path}: cannot read an Ed25519 key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyError_(f"EXCHANGE_PRIVATE_KEY {path}: not an Ed25519 key")
    return key


def public_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def load_public(text: str) -> Ed25519PublicKey:
    """A directory's public key: standard base64 of the raw 32 bytes."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyError_(f"public key is not base64: {text!r}") from exc
    if len(raw) != 32:
        raise KeyError_(f"public key must be 32 bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)
