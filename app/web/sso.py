"""统一身份认证登录: single sign-on through the OIDC provider with Authlib's Flask client
(discovery, authorization code + PKCE, state and nonce, the ID token's signature checked against
the provider's JWKS, issuer, audience and expiry), then the app's normal session. Off (404, no
button) unless OIDC_ISSUER is set."""

from __future__ import annotations

from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, abort, current_app, render_template, request, session, url_for
from flask.blueprints import BlueprintSetupState
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)

from app.features.accounts.sso import SsoRefused
from app.kernel.config import OidcSettings

from .auth import backoffice, signed_in_response

bp = Blueprint("sso", __name__)
CLIENT = "sso"
NEXT = "sso_next"
HTTP_TIMEOUT = 10  # seconds for each call to the provider (discovery, token, keys)
# Which claim check failed -> the refusal's reason (azp: the token names another client).
CLAIM_REASONS = {"iss": "issuer", "aud": "audience", "azp": "audience", "nonce": "nonce"}


@bp.record_once
def _configure(state: BlueprintSetupState) -> None:
    app = state.app
    settings: OidcSettings | None = app.extensions["backoffice"].settings.oidc
    if settings is None:
        return
    oauth = OAuth(app)
    oauth.register(
        CLIENT,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=settings.issuer + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": settings.scopes,
            "code_challenge_method": "S256",
            "default_timeout": HTTP_TIMEOUT,
        },
    )
    app.extensions["sso_client"] = oauth.create_client(CLIENT)


@bp.app_context_processor
def _sso_button() -> dict[str, Any]:
    return {"sso_enabled": "sso_client" in current_app.extensions}


def _settings() -> OidcSettings:
    settings: OidcSettings | None = backoffice().settings.oidc
    if settings is None or "sso_client" not in current_app.extensions:
        abort(404)
    return settings


def _refused(error: SsoRefused) -> Any:
    return render_template("login.html", error=error.message), error.status


def _refuse(reason: str, detail: str = "") -> Any:
    return _refused(backoffice().sso.refuse(reason, request.remote_addr or "", detail))


@bp.get("/login/sso")
def start() -> Any:
    settings = _settings()
    client = current_app.extensions["sso_client"]
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        return _refuse("provider_unreachable", type(exc).__name__)
    if metadata.get("issuer") != settings.issuer:
        # OIDC Discovery §4.3: the document must name the issuer it was fetched from.
        return _refuse("discovery", str(metadata.get("issuer"))[:100])
    session[NEXT] = request.args.get("next", "")
    redirect_uri = settings.redirect_uri or url_for("sso.callback", _external=True)
    return client.authorize_redirect(redirect_uri)


@bp.get("/login/sso/callback")
def callback() -> Any:
    settings = _settings()
    client = current_app.extensions["sso_client"]
    # Authlib checks the nonce; the issuer and the audience are ours to demand (without these
    # options it would accept a token minted for another client of the same provider).
    claims_options = {
        "iss": {"essential": True, "values": [settings.issuer]},
        "aud": {"essential": True, "values": [settings.client_id]},
        "exp": {"essential": True},
    }
    try:
        token = client.authorize_access_token(claims_options=claims_options)
    except MismatchingStateError:
        return _refuse("state")
    except (BadSignatureError, InvalidKeyIdError):
        return _refuse("signature")
    except ExpiredTokenError:
        return _refuse("expired")
    except ClaimError as exc:
        return _refuse(CLAIM_REASONS.get(exc.claim, "token"), f"claim {exc.claim}")
    except JoseError as exc:
        return _refuse("token", exc.error)
    except AuthlibBaseError as exc:
        return _refuse("provider_error", str(exc.error or exc)[:100])
    except requests.RequestException as exc:
        return _refuse("provider_unreachable", type(exc).__name__)
    claims = token.get("userinfo")
    if not claims or not isinstance(claims.get("sub"), str):
        return _refuse("token", "no id_token")
    try:
        cookie, user = backoffice().sso.sign_in(claims["sub"], request.remote_addr or "")
    except SsoRefused as exc:
        return _refused(exc)
    return signed_in_response(cookie, user, session.pop(NEXT, None))
