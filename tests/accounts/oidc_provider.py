"""A small real OpenID Connect provider for the tests: an HTTP server on localhost with discovery,
an authorize endpoint (auto-approves the person the test names), a token endpoint (client secret,
single-use codes, PKCE S256) and a JWKS; ID tokens are RS256, signed with a key made per test.
A test may spoil one thing about the next ID token (its key, or one claim) to see it refused."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

KID = "test-key-1"


def _rsa_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"})


@dataclass
class Provider:
    client_id: str = "sitransfer-backoffice"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    subject: str = "zj-staff-000123"  # who "signs in" at the provider next
    claims_override: dict[str, Any] = field(default_factory=dict)  # spoil one claim
    sign_with_stranger_key: bool = False  # same kid, another key: a forged signature
    advertised_issuer: str | None = None  # discovery names another issuer
    key: RSAKey = field(default_factory=_rsa_key)
    stranger: RSAKey = field(default_factory=_rsa_key)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    port: int = 0

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.advertised_issuer or self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], dict[str, Any]]:
        self.authorize_requests.append(query)
        if query.get("client_id") != self.client_id or not query.get("redirect_uri"):
            return 400, {}, {"error": "invalid_client"}
        back = query["redirect_uri"]
        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            return 302, {"Location": back + "?" + urlencode({"error": "invalid_request"})}, {}
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            error = {"error": "invalid_request", "error_description": "PKCE required"}
            return 302, {"Location": back + "?" + urlencode(error)}, {}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": back,
            "challenge": query["code_challenge"],
            "nonce": query.get("nonce", ""),
            "subject": self.subject,
        }
        answer = {"code": code, "state": query.get("state", "")}
        return 302, {"Location": back + "?" + urlencode(answer)}, {}

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            raw = base64.b64decode(authorization[6:]).decode()
            client_id, _, secret = raw.partition(":")
        if client_id != self.client_id or secret != self.client_secret:
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # a code is good once
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        verifier = form.get("code_verifier", "").encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if digest.decode() != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier"}
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant["subject"],
            "aud": self.client_id,
            "azp": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            "name": "测试人员",
        }
        claims.update(self.claims_override)
        key = self.stranger if self.sign_with_stranger_key else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": KID}, claims, key)
        access = secrets.token_urlsafe(16)
        return 200, {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._send(200, provider.metadata(), {})
            elif url.path == "/jwks":
                self._send(200, provider.jwks(), {})
            elif url.path == "/authorize":
                status, headers, body = provider.authorize(query)
                self._send(status, body, headers)
            else:
                self._send(404, {"error": "not_found"}, {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(raw).items()}
            if urlsplit(self.path).path == "/token":
                status, body = provider.token(form, self.headers.get("Authorization", ""))
                self._send(status, body, {"Cache-Control": "no-store"})
            else:
                self._send(404, {"error": "not_found"}, {})

    return Handler


class RunningProvider:
    """The provider served on 127.0.0.1 (a free port) in a thread until stop()."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
        provider.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
