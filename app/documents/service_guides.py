"""What a region's service guide promises the applicant, and its agencies' phones (processes/service_guides.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

GUIDES_FILE = Path(__file__).resolve().parents[2] / "processes" / "service_guides.json"
AGENCY_KINDS = ("bureau", "pension", "medical", "unemployment")
PROVINCE_CODE = "33"  # Zhejiang (GB/T 2260): the province whose channels are the fallback


@dataclass(frozen=True)
class Office:
    place: str
    hours: str


@dataclass(frozen=True)
class ServiceGuide:
    """seed 000 十七、二十一至二十四; seed 001 十三、十六至十九; seed 002 十三、十六至十九."""

    region: str | None  # None: the province-level fallback
    name: str
    guide: str
    fee: str
    consultation_phones: tuple[str, ...]
    consultation_online: str
    complaint_phones: tuple[str, ...]
    complaint_online: str
    offices: tuple[Office, ...]
    progress_online: str
    sources: tuple[str, ...]

    @property
    def fallback(self) -> bool:
        return self.region is None

    @property
    def consultation(self) -> str:
        return "、".join(self.consultation_phones)

    @property
    def complaints(self) -> str:
        return "、".join(self.complaint_phones)


def _guide(code: str | None, entry: dict[str, Any]) -> ServiceGuide:
    return ServiceGuide(
        region=code,
        name=entry["name"],
        guide=entry["guide"],
        fee=entry["fee"]["text"],
        consultation_phones=tuple(entry["consultation"]["phones"]),
        consultation_online=entry["consultation"]["online"],
        complaint_phones=tuple(entry["complaints"]["phones"]),
        complaint_online=entry["complaints"]["online"],
        offices=tuple(Office(o["place"], o["hours"]) for o in entry["offices"]),
        progress_online=entry["progress_online"],
        sources=tuple(
            s
            for s in (
                entry["fee"]["source"],
                entry["consultation"]["source"],
                entry["complaints"]["source"],
                entry["offices_source"],
            )
            if s
        ),
    )


@dataclass(frozen=True)
class Guides:
    regions: dict[str, ServiceGuide]
    province: ServiceGuide
    agency_phones: dict[str, dict[str, str]]

    def for_region(self, code: object) -> ServiceGuide | None:
        """The region's guide; else, in Zhejiang (33…), the province-level channels (12345,
        浙江政务服务网, zxts): they hold everywhere in the province, while a region's own phones,
        address and hours are never guessed; outside Zhejiang None (nothing is claimed)."""
        if isinstance(code, str) and code in self.regions:
            return self.regions[code]
        if isinstance(code, str) and code.startswith(PROVINCE_CODE):
            return self.province
        return None

    def agency_phone(self, code: str, kind: str) -> str | None:
        """The published phone of the region's agency of this kind (bureau | pension | medical |
        unemployment), or None when no seed publishes it: another agency's line is never used."""
        return self.agency_phones.get(code, {}).get(kind)


@lru_cache(maxsize=4)
def load_guides(path: Path = GUIDES_FILE) -> Guides:
    raw = json.loads(path.read_text(encoding="utf-8"))
    regions = {code: _guide(code, entry) for code, entry in raw["regions"].items()}
    phones: dict[str, dict[str, str]] = {}
    for code, entry in raw["regions"].items():
        given = entry.get("agency_phones", {})
        unknown = set(given) - set(AGENCY_KINDS)
        if unknown:
            raise ValueError(f"{path}: {code}: unknown agency kinds {sorted(unknown)}")
        phones[code] = dict(given)
    return Guides(regions, _guide(None, raw["province"]), phones)


def guide_for(code: object) -> ServiceGuide | None:
    return load_guides().for_region(code)


def agency_phone(code: str, kind: str) -> str | None:
    return load_guides().agency_phone(code, kind)
