"""The workbench's plain-language reading of its processes: Chinese names and timer limits of
the version in force (the newest deployed one, else the working copy in processes/)."""

from __future__ import annotations

from app.features.modeling.plain_view import (
    LimitInfo,
    TimerLimit,
    load_limits,
    process_name,
    timer_limits,
)
from app.features.modeling.process_catalog import ProcessCatalog
from app.kernel.errors import NotFound


def limits_of(catalog: ProcessCatalog) -> dict[str, LimitInfo]:
    return load_limits(catalog.processes_dir / "limits.json")


def xml_in_force(catalog: ProcessCatalog, process_id: str) -> str:
    newest = catalog.newest_version(process_id)
    if newest is not None:
        return catalog.version_xml(process_id, newest)
    try:
        return catalog.working_copy(process_id)
    except NotFound:
        return ""


def process_names(catalog: ProcessCatalog) -> dict[str, str]:
    """process id -> its Chinese name (the id itself when the diagram names none)."""
    return {
        p.process_id: process_name(xml_in_force(catalog, p.process_id), p.process_id)
        or p.process_id
        for p in catalog.processes()
    }


def process_timers(catalog: ProcessCatalog, process_id: str) -> list[TimerLimit]:
    return timer_limits(xml_in_force(catalog, process_id), limits_of(catalog))


def limit_texts(catalog: ProcessCatalog) -> dict[str, str]:
    """limits.json name -> "15 个工作日（medical.transfer_in，瓯海区 15）" (for the editor)."""
    return {key: info.text for key, info in limits_of(catalog).items()}
