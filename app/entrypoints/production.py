"""The app as production web workers serve it: no scheduler, proxy headers when trusted."""

from __future__ import annotations

import dataclasses

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import create_app
from app.kernel.config import Settings


def build(settings: Settings) -> Flask:
    """The app a web worker serves: no scheduler; behind TRUSTED_PROXIES proxies, the client's
    address and scheme from their X-Forwarded-For / X-Forwarded-Proto."""
    app = create_app(dataclasses.replace(settings, scheduler=False))
    hops = settings.trusted_proxies
    if hops > 0:
        # Otherwise every client has the proxy's address: the per-address sign-in and portal
        # limits would lock out the whole office at once, and the audit log names the proxy.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    return app
