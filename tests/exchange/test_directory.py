"""The peer directory: the longest prefix wins, the hub takes everything else, senders are
never matched through the hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.features.exchange.directory import Directory, DirectoryError
from app.features.exchange.keys import generate, load_private, public_b64


def _key() -> str:
    return public_b64(Ed25519PrivateKey.generate())


def _write(tmp_path: Path, entries: object) -> Path:
    path = tmp_path / "peers.json"
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    return path


def test_longest_prefix_wins_and_the_hub_takes_the_rest(tmp_path: Path) -> None:
    directory = Directory.load(
        _write(
            tmp_path,
            [
                {
                    "regions": ["33"],
                    "endpoint": "http://zj",
                    "public_key": _key(),
                    "name": "浙江省",
                },
                {
                    "regions": ["3301"],
                    "endpoint": "http://hz",
                    "public_key": _key(),
                    "name": "杭州市",
                },
                {
                    "regions": ["*"],
                    "endpoint": "http://hub",
                    "public_key": _key(),
                    "name": "全国平台",
                },
                {"regions": ["44"], "public_key": _key(), "name": "广东（经平台）"},
            ],
        )
    )
    assert directory.route("330102").name == "杭州市"  # type: ignore[union-attr]
    assert directory.route("330602").name == "浙江省"  # type: ignore[union-attr]
    assert directory.route("110101").name == "全国平台"  # type: ignore[union-attr]
    # An entry without endpoint lends its key only: its letters go through the hub.
    assert directory.route("440103").name == "全国平台"  # type: ignore[union-attr]
    assert directory.sender("440103").name == "广东（经平台）"  # type: ignore[union-attr]
    assert directory.sender("330102").name == "杭州市"  # type: ignore[union-attr]
    assert directory.sender("110101") is None  # the hub signs no one's letters


def test_without_a_hub_an_unknown_region_has_no_route(tmp_path: Path) -> None:
    directory = Directory.load(
        _write(tmp_path, [{"regions": ["3301"], "endpoint": "http://hz", "public_key": _key()}])
    )
    assert directory.route("110101") is None


@pytest.mark.parametrize(
    ("entries", "words"),
    [
        ([{"regions": ["*"], "endpoint": "http://a", "public_key": "x"}], "public key"),
        ([{"regions": ["33x"], "endpoint": "http://a", "public_key": "A" * 44}], "regions"),
        ([{"regions": ["*", "33"], "endpoint": "http://a", "public_key": "A" * 44}], "regions"),
        ([{"regions": ["33"], "endpoint": "ftp://a", "public_key": "A" * 44}], "endpoint"),
        ([{"regions": ["33"], "url": "http://a", "public_key": "A" * 44}], "未知字段"),
        ({"peer": []}, "列表"),
    ],
)
def test_a_bad_entry_is_refused_with_its_reason(
    tmp_path: Path, entries: object, words: str
) -> None:
    with pytest.raises(DirectoryError, match=words):
        Directory.load(_write(tmp_path, entries))


def test_two_hubs_are_refused(tmp_path: Path) -> None:
    hub = {"regions": ["*"], "endpoint": "http://hub", "public_key": _key()}
    with pytest.raises(DirectoryError, match="最多只能有一个"):
        Directory.load(_write(tmp_path, [hub, hub]))


def test_keygen_writes_a_private_key_only_its_owner_reads(tmp_path: Path) -> None:
    path, public = generate(tmp_path / "keys")
    assert path.stat().st_mode & 0o777 == 0o600
    assert public_b64(load_private(path)) == public
    with pytest.raises(FileExistsError):
        generate(tmp_path / "keys")
