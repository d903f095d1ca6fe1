"""Seeded fuzz of every HTML route: hostile path parameters, query strings and form values
(huge and negative numbers, NUL bytes, very long strings, non-UTF-8 percent-escapes, arrays
where scalars are expected), sent as signed-in users of the roles each route serves. No
answer is a 5xx (issue 14 §6). Deterministic: the same requests on every run."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient

from app.entrypoints.demo import DEMO_USERS
from tests.helpers import tasks
from tests.web.clerk_support import Staff, office_of, staff_app, submit

SEED = 14
HOSTILE = [
    str(2**64),
    str(2**63),
    str(2**31),
    "9" * 400,
    "-1",
    "-" + "9" * 30,
    "0",
    "1e400",
    "NaN",
    "\x00",
    "a\x00b",
    "x" * 5000,
    "",
    " ",
    "２０２６-１０-０１",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31T23:59:59+14:00",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "' OR 1=1 --",
    "true",
    "[]",
    "{}",
]
# The cases found so far and their kin; each goes into every field of every form at once.
KEY = [str(2**64), str(2**31), "-" + "9" * 30, "a\x00b", "x" * 5000, "2026-02-30"]
NON_UTF8 = "%ff%fe%80"  # percent-escapes that decode to no UTF-8 text
# Query arguments the views read (request.args), and some they do not.
QUERY_NAMES = ["page", "status", "q", "next", "insurance", "format", "days", "from", "to", "source"]
ID_VALUES = [str(2**31), str(2**63), "0", "-1", "9" * 30]
# Signing out would end the fuzzing user; /readyz answers 503 by design when no scheduler beats.
SKIP = {"/logout", "/static/<path:filename>", "/readyz"}
# Posting runs every scenario file against a draft (seconds each): hostile URLs only, as the
# role they serve.
HEAVY = {"/modeler/drafts/<id:draft_id>/scenarios", "/modeler/scenarios"}
HEAVY_USER = "policy_staff_330602"


@dataclass
class Client:
    name: str
    http: FlaskClient
    csrf: str


def _csrf(http: FlaskClient, path: str = "/login") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', http.get(path).get_data(as_text=True))
    assert match
    return match.group(1)


def _clients(app: Flask) -> list[Client]:
    """Anonymous, and one user per staff role in the transfer-in region plus the transfer-out
    agencies of the other region."""
    anonymous = app.test_client()
    found = [Client("anonymous", anonymous, _csrf(anonymous))]
    for username, region, *_ in DEMO_USERS:
        if region == "330602" or username.endswith("_out_clerk_330100"):
            staff = Staff(app, username)
            found.append(Client(username, staff.client, staff.token("/login")))
    return found


def _real_values(app: Flask) -> dict[str, list[str]]:
    """Path parameter values naming existing objects, so that fuzzing reaches the views."""
    office = office_of(app)
    running = submit(office)
    in_review = submit(office, reviewed=False)
    open_tasks = tasks(office, running, "open") + tasks(office, in_review, "open")
    policy = Staff(app, "policy_staff_330602")
    draft = policy.post("/modeler/processes/medical_transfer/drafts")
    draft_id = re.search(r"/drafts/(\d+)", draft.headers.get("Location", ""))
    assert draft_id, draft.status_code
    task_ids = [str(t.id) for t in sorted(open_tasks, key=lambda t: t.id)[:3]]
    return {
        "task_id": task_ids,
        "number": [running, in_review],
        "draft_id": [draft_id.group(1)],
        "process_id": ["medical_transfer", "one_thing_bundle"],
        "version": ["1"],
        "version_id": ["1"],
        "anchor_id": ["1"],
        "kind": ["insurance_certificate", "contact_letter"],
        "fmt": ["json", "csv"],
        "name": ["medical_transfer.contact_letter.json"],
    }


def _fill(rule: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: values[m.group(1)], rule)


def _params(rule: str) -> list[str]:
    return re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", rule)


def _hostile_path(rule: str, rng: random.Random, real: dict[str, list[str]]) -> str:
    values = {}
    for name in _params(rule):
        if f"<id:{name}>" in rule:
            values[name] = rng.choice(ID_VALUES)
        else:
            values[name] = rng.choice([NON_UTF8, quote(rng.choice(HOSTILE), safe="")])
    # Sometimes only one parameter is hostile and the others name real objects.
    for name in _params(rule):
        if rng.random() < 0.5:
            values[name] = real.get(name, ["1"])[0]
    return _fill(rule, values)


def _hostile_query(rng: random.Random) -> str:
    pairs = []
    for name in rng.sample(QUERY_NAMES, 3):
        value = NON_UTF8 if rng.random() < 0.2 else quote(rng.choice(HOSTILE), safe="")
        pairs.append(f"{name}={value}")
        if rng.random() < 0.3:
            pairs.append(f"{name}={quote(rng.choice(HOSTILE), safe='')}")  # an array
    return "&".join(pairs)


def _field_names(html: str) -> list[str]:
    names = set(re.findall(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', html))
    names.discard("csrf_token")
    return sorted(names)


def _hostile_form(names: list[str], rng: random.Random, csrf: str) -> dict[str, Any]:
    form: dict[str, Any] = {"csrf_token": csrf}
    for name in names + ["unexpected_field"]:
        if rng.random() < 0.25:
            form[name] = [rng.choice(HOSTILE) for _ in range(rng.randint(2, 3))]  # an array
        elif rng.random() < 0.85:
            form[name] = rng.choice(HOSTILE)
    return form


def _right_clients(
    clients: list[Client], methods: set[str], url: str, pool: set[str]
) -> list[Client]:
    """Up to two clients the route serves (answers other than 403 and the sign-in redirect);
    the form fields of every page seen go into `pool`."""
    chosen = []
    for client in clients:
        if "GET" in methods:
            answer = client.http.get(url)
            pool.update(_field_names(answer.get_data(as_text=True)))
        else:
            answer = client.http.post(url, data={"csrf_token": client.csrf})
        assert answer.status_code < 500, (client.name, url, answer.status_code)
        signed_out = answer.status_code == 302 and "/login" in answer.headers.get("Location", "")
        if answer.status_code != 403 and not signed_out:
            chosen.append(client)
            if len(chosen) == 2:
                break
    return chosen


def _requests(
    rule: str,
    methods: set[str],
    url: str,
    names: list[str],
    csrf: str,
    rng: random.Random,
    real: dict[str, list[str]],
) -> list[tuple[str, str, Any]]:
    """Each key hostile value in every query argument and form field at once, then seeded
    mixes, hostile path parameters and a body that is not UTF-8."""
    found: list[tuple[str, str, Any]] = []
    for value in KEY:
        query = "&".join(f"{n}={quote(value, safe='')}" for n in QUERY_NAMES)
        found.append(("GET", f"{url}?{query}", None))
    found.append(("GET", f"{url}?" + "&".join(f"{n}={NON_UTF8}" for n in QUERY_NAMES), None))
    found.append(("GET", f"{url}?{_hostile_query(rng)}", None))
    found += [("GET", _hostile_path(rule, rng, real), None) for _ in range(2)]
    if re.search(r"<[a-z_]+>", rule):  # a NUL in every string parameter (PostgreSQL's bane)
        values = {n: real.get(n, ["1"])[0] for n in _params(rule)}
        values.update({n: "a%00b" for n in re.findall(r"<([a-z_]+)>", rule)})
        found.append(("GET", _fill(rule, values), None))
    if "POST" not in methods:
        return found
    found.append(("POST", _hostile_path(rule, rng, real), {"csrf_token": csrf}))
    if rule in HEAVY:
        return found
    for value in KEY:
        found.append(("POST", url, {"csrf_token": csrf, **{n: value for n in names}}))
    found.append(
        ("POST", url, {"csrf_token": csrf, **{n: ["1", value] for n in names for value in KEY[:1]}})
    )
    found += [("POST", url, _hostile_form(names, rng, csrf)) for _ in range(2)]
    raw = "&".join([f"csrf_token={csrf}"] + [f"{n}={NON_UTF8}" for n in names])
    found.append(("RAW", url, raw.encode()))
    return found


def test_hostile_input_to_every_html_route_is_never_a_server_error(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    real = _real_values(app)
    clients = _clients(app)
    rng = random.Random(SEED)
    rules = sorted(
        (r for r in app.url_map.iter_rules() if not r.rule.startswith("/api/")),
        key=lambda r: r.rule,
    )
    # First pass: who each route serves, and every form field name on any page.
    pool: set[str] = set()
    plan = []
    for rule in rules:
        if rule.rule in SKIP:
            continue
        methods = set(rule.methods or ()) & {"GET", "POST"}
        url = _fill(rule.rule, {name: real.get(name, ["1"])[0] for name in _params(rule.rule)})
        if rule.rule in HEAVY:
            serving = [c for c in clients if c.name == HEAVY_USER]
        else:
            serving = _right_clients(clients, methods, url, pool)
        plan.append((rule.rule, methods, url, serving))
    names = sorted(pool)
    failures: list[tuple[str, str, str, int]] = []
    sent = 0
    for rule, methods, url, serving in plan:
        for client in serving:
            for method, target, body in _requests(
                rule, methods, url, names, client.csrf, rng, real
            ):
                if method == "GET":
                    answer = client.http.get(target)
                elif method == "POST":
                    answer = client.http.post(target, data=body)
                else:
                    answer = client.http.post(
                        target, data=body, content_type="application/x-www-form-urlencoded"
                    )
                sent += 1
                if answer.status_code >= 500:
                    failures.append((client.name, method, target[:100], answer.status_code))
    assert [f[:3] for f in failures] == []
    assert sent > 1000  # the routes were reached, not skipped
