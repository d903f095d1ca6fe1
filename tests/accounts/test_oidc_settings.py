"""OIDC_* settings: off when OIDC_ISSUER is unset; a half or unsafe configuration stops the
start with a message naming the variable, instead of a sign-in button that cannot work."""

from __future__ import annotations

import pytest

from app.kernel.config import Settings

ALL = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_SCOPES", "OIDC_REDIRECT_URI")


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ALL:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "test")


def test_unset_means_no_single_sign_on() -> None:
    assert Settings.from_env().oidc is None


def test_a_full_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OIDC_ISSUER", "https://idp.example.gov.cn/realms/staff/")
    monkeypatch.setenv("OIDC_CLIENT_ID", "sitransfer")
    monkeypatch.setenv("OIDC_CLIENT_SECRET", "s3cret")
    oidc = Settings.from_env().oidc
    assert oidc is not None and oidc.issuer == "https://idp.example.gov.cn/realms/staff"
    assert oidc.scopes == "openid profile" and oidc.redirect_uri == ""


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OIDC_CLIENT_ID": "sitransfer"}, "OIDC_CLIENT_SECRET"),
        ({"OIDC_CLIENT_SECRET": "s3cret"}, "OIDC_CLIENT_ID"),
        (
            {"OIDC_CLIENT_ID": "c", "OIDC_CLIENT_SECRET": "s", "OIDC_ISSUER": "http://idp.example"},
            "https",
        ),
        ({"OIDC_CLIENT_ID": "c", "OIDC_CLIENT_SECRET": "s", "OIDC_SCOPES": "profile"}, "openid"),
    ],
)
def test_a_half_or_unsafe_configuration_is_refused(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    monkeypatch.setenv("OIDC_ISSUER", "https://idp.example.gov.cn")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        Settings.from_env()
