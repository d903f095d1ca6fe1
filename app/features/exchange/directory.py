"""The peer directory: which deployment serves a region (longest prefix, else the hub) and
with which public key its letters are signed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .keys import KeyError_, load_public

HUB = "*"
ENTRY_KEYS = {"regions", "endpoint", "public_key", "name"}


class DirectoryError(ValueError):
    """The directory file is unusable; the message names the entry and the reason."""


@dataclass(frozen=True)
class Peer:
    name: str
    regions: tuple[str, ...]
    endpoint: str  # base URL; letters go to {endpoint}/exchange/messages ("" = key only)
    public_key: Ed25519PublicKey
    public_key_b64: str

    @property
    def is_hub(self) -> bool:
        return self.regions == (HUB,)

    @property
    def messages_url(self) -> str:
        return self.endpoint.rstrip("/") + "/exchange/messages"


def _prefix_match(peers: list[Peer], region: str) -> Peer | None:
    best: tuple[int, Peer] | None = None
    for peer in peers:
        for prefix in peer.regions:
            if region.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), peer)
    return best[1] if best else None


class Directory:
    def __init__(self, peers: list[Peer]) -> None:
        self.peers = [p for p in peers if not p.is_hub]
        hubs = [p for p in peers if p.is_hub]
        if len(hubs) > 1:
            raise DirectoryError('目录中最多只能有一个 regions 为 ["*"] 的枢纽条目')
        self.hub = hubs[0] if hubs else None

    @classmethod
    def empty(cls) -> Directory:
        return cls([])

    @classmethod
    def load(cls, path: Path) -> Directory:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DirectoryError(f"EXCHANGE_DIRECTORY {path}: {exc}") from exc
        if isinstance(data, dict):
            data = data.get("peers")
        if not isinstance(data, list):
            raise DirectoryError(
                f'EXCHANGE_DIRECTORY {path}: 必须是条目列表（或 {{"peers": [...]}}）'
            )
        return cls([_entry(i, item) for i, item in enumerate(data)])

    def route(self, region: str) -> Peer | None:
        """Where a letter to `region` goes: the longest matching prefix with an endpoint, else
        the hub; None when nobody serves it."""
        found = _prefix_match([p for p in self.peers if p.endpoint], region)
        if found is None and self.hub is not None and self.hub.endpoint:
            return self.hub
        return found

    def sender(self, region: str) -> Peer | None:
        """Whose key signs letters from `region`: the longest matching prefix. The hub relays
        and never signs another's letter, so it is not a fallback here."""
        return _prefix_match(self.peers, region)


def _entry(index: int, item: Any) -> Peer:
    where = f"目录第 {index + 1} 条"
    if not isinstance(item, dict):
        raise DirectoryError(f"{where}: 必须是对象")
    unknown = set(item) - ENTRY_KEYS
    if unknown:
        raise DirectoryError(f"{where}: 未知字段 {sorted(unknown)}")
    regions = item.get("regions")
    if (
        not isinstance(regions, list)
        or not regions
        or not all(isinstance(r, str) for r in regions)
        or (HUB in regions and regions != [HUB])
        or any(r != HUB and not (r.isascii() and r.isdigit() and 2 <= len(r) <= 6) for r in regions)
    ):
        raise DirectoryError(f'{where}: regions 必须是 2-6 位区划代码前缀的列表，或 ["*"]')
    endpoint = item.get("endpoint", "")
    if not isinstance(endpoint, str) or (
        endpoint and not endpoint.startswith(("http://", "https://"))
    ):
        raise DirectoryError(f"{where}: endpoint 必须是 http(s):// 地址")
    name = item.get("name", "")
    if not isinstance(name, str):
        raise DirectoryError(f"{where}: name 必须是字符串")
    key_text = item.get("public_key")
    if not isinstance(key_text, str):
        raise DirectoryError(f"{where}: 缺少 public_key")
    try:
        key = load_public(key_text)
    except KeyError_ as exc:
        raise DirectoryError(f"{where}: {exc}") from exc
    return Peer(name or endpoint, tuple(regions), endpoint, key, key_text)
