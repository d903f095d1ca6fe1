"""Demo data: one user per role and region, and demo cases standing in every stage."""

from __future__ import annotations

import functools

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.bootstrap import Backoffice
from app.kernel.roles import ROLES
from app.store.models import User

DEMO_PASSWORD = "demo1234"
REGIONS = {
    "330602": "绍兴市越城区",
    "330100": "杭州市",
    "330304": "温州市瓯海区",
}
STAFF_ROLES = [code for code in ROLES if code != "applicant"]

# (username, region, role label, agency) for every staff role in every demo region
DEMO_USERS = [
    (f"{code}_{region}", region, f"{REGIONS[region]} {ROLES[code].label}", ROLES[code].agency)
    for region in REGIONS
    for code in STAFF_ROLES
]


@functools.lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    # Demo accounts share one published password; hashing it once (instead of 36 slow scrypt
    # runs) keeps `make run` and the tests quick. Real accounts are hashed one by one.
    return generate_password_hash(DEMO_PASSWORD)


def load_users(backoffice: Backoffice) -> int:
    created = 0
    with backoffice.db.transaction() as session:
        existing = set(session.execute(select(User.username)).scalars())
        for username, region, display, agency in DEMO_USERS:
            if username in existing:
                continue
            role = username.rsplit("_", 1)[0]
            session.add(
                User(
                    username=username,
                    password_hash=_demo_password_hash(),
                    display_name=display,
                    role=role,
                    region=region,
                    agency=f"{REGIONS[region]}{agency}",
                )
            )
            created += 1
    return created


def load(backoffice: Backoffice) -> list[str]:
    """Idempotent: users are added once; demo cases only into an empty database."""
    from app.entrypoints.demo_cases import load_cases

    lines = [f"demo users: {load_users(backoffice)} created (password {DEMO_PASSWORD})"]
    lines.extend(load_cases(backoffice))
    return lines
