"""The division tree the region picker reads (GB/T 2260, app.rules.divisions), public and cached."""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
from flask import Blueprint, Response

from app.rules.divisions import DIVISIONS, Division

bp = Blueprint("regions", __name__)

MAX_AGE = 86_400  # the data changes only with a new release of the package


def _node(division: Division, below: dict[str | None, list[Division]]) -> list[Any]:
    kids = below.get(division.code, [])
    return [division.code, division.own_name, [_node(k, below) for k in kids]]


@cache
def tree_json() -> bytes:
    """[[code, name, [[code, name, [...]], ...]], ...]: provinces → cities → counties."""
    below: dict[str | None, list[Division]] = {}
    for d in DIVISIONS.values():
        below.setdefault(d.parent, []).append(d)
    return orjson.dumps([_node(p, below) for p in below.get(None, [])])


@bp.get("/regions.json")
def tree() -> Response:
    response = Response(tree_json(), mimetype="application/json")
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response
