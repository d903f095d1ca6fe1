"""Security headers on every response (issue 14 §9): a Content-Security-Policy that runs only
the app's own script files (no inline scripts or handlers), no framing, nosniff, same-origin
referrers."""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # bpmn-js' menus carry SVG icons with style attributes (align/distribute); only
        # styles are relaxed, scripts stay strict.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",  # bpmn-js' icons and the canvas logo are data: URIs
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
}


def register(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
