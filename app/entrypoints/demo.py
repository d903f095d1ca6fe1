"""Demo data: two users per role and region, and demo cases standing in every stage."""

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
# People's names for the demo staff (26 surnames × 27 given names: coprime, so the first 702
# pairs are all different), never a username on a page.
_SURNAMES = "赵钱孙李周吴郑冯陈褚卫蒋沈韩朱秦尤许何吕施孔曹严华金"
_GIVEN = [
    "建国",
    "秀英",
    "志强",
    "海燕",
    "国华",
    "丽娟",
    "文博",
    "晓东",
    "春梅",
    "宏伟",
    "雪梅",
    "俊杰",
    "玉兰",
    "子涵",
    "振华",
    "桂芳",
    "明辉",
    "淑珍",
    "浩然",
    "美玲",
    "立新",
    "慧敏",
    "家豪",
    "红霞",
    "永康",
    "思远",
    "佳怡",
]


def _person(index: int) -> str:
    return _SURNAMES[index % len(_SURNAMES)] + _GIVEN[index % len(_GIVEN)]


def _staff(second: bool) -> list[tuple[str, str, str, str]]:
    offset = len(REGIONS) * len(STAFF_ROLES) if second else 0
    return [
        (
            f"{code}_{region}{'_2' if second else ''}",
            region,
            _person(offset + r * len(STAFF_ROLES) + c),
            ROLES[code].agency,
        )
        for r, region in enumerate(REGIONS)
        for c, code in enumerate(STAFF_ROLES)
    ]


# (username, region, display name, agency): one user per staff role in every demo region ...
DEMO_USERS = _staff(second=False)
# ... and a colleague in the same lane and region, so that a task can be reassigned to
# someone (督办改派) and people are told apart by name.
DEMO_COLLEAGUES = _staff(second=True)
_ROLE_OF = {
    username: code
    for code in STAFF_ROLES
    for username, *_ in DEMO_USERS + DEMO_COLLEAGUES
    if username.removesuffix("_2").rsplit("_", 1)[0] == code
}


@functools.lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    # Demo accounts share one published password; hashing it once (instead of 78 slow scrypt
    # runs) keeps `make run` and the tests quick. Real accounts are hashed one by one.
    return generate_password_hash(DEMO_PASSWORD)


def load_users(backoffice: Backoffice) -> int:
    created = 0
    with backoffice.db.transaction() as session:
        existing = set(session.execute(select(User.username)).scalars())
        for username, region, display, agency in DEMO_USERS + DEMO_COLLEAGUES:
            if username in existing:
                continue
            session.add(
                User(
                    username=username,
                    password_hash=_demo_password_hash(),
                    display_name=display,
                    role=_ROLE_OF[username],
                    region=region,
                    agency=f"{REGIONS[region]}{agency}",
                )
            )
            created += 1
    return created


def demo_name(username: str) -> str:
    """The person behind a demo login (tests and `make demo-logins`)."""
    return next(d for u, _, d, _ in DEMO_USERS + DEMO_COLLEAGUES if u == username)


def login_lines() -> list[str]:
    """`make demo-logins`: every demo login with the person, lane and region behind it."""
    return [
        f"    {username:<34} {display}（{REGIONS[region]} {ROLES[_ROLE_OF[username]].label}）"
        for username, region, display, _ in DEMO_USERS + DEMO_COLLEAGUES
    ]


def load(backoffice: Backoffice) -> list[str]:
    """Idempotent: users are added once; demo cases only into an empty database."""
    from app.entrypoints.demo_cases import load_cases

    lines = [f"demo users: {load_users(backoffice)} created (password {DEMO_PASSWORD})"]
    lines.extend(load_cases(backoffice))
    return lines
