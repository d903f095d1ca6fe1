"""Lanes carry a Chinese label for people and the role that works them as a property for code."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from app.kernel.roles import ROLES

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# <bpmn:lane name="受理窗口"><bpmn:extensionElements><spiffworkflow:properties>
#   <spiffworkflow:property name="role" value="window_clerk" /> ...: renaming the label never
# changes who may work the lane's tasks.
ROLE_PROPERTY = "role"


def lane_role(lane: Any) -> str:
    """The role code of a lane element: its role property (versions deployed before lanes had
    one named the role in the lane's name, and still run on it)."""
    for prop in lane.iterfind(
        f"{{{BPMN}}}extensionElements/{{{SPIFF}}}properties/{{{SPIFF}}}property"
    ):
        if prop.get("name") == ROLE_PROPERTY:
            return (prop.get("value") or "").strip()
    return (lane.get("name") or "").strip()


def has_role_property(lane: Any) -> bool:
    return any(
        prop.get("name") == ROLE_PROPERTY
        for prop in lane.iterfind(
            f"{{{BPMN}}}extensionElements/{{{SPIFF}}}properties/{{{SPIFF}}}property"
        )
    )


def lane_roles(root: Any) -> dict[str, str]:
    """Flow node id -> role code of the lane it sits in."""
    roles: dict[str, str] = {}
    for lane in root.iter(f"{{{BPMN}}}lane"):
        role = lane_role(lane)
        for ref in lane.iterfind(f"{{{BPMN}}}flowNodeRef"):
            if ref.text:
                roles[ref.text.strip()] = role
    return roles


def role_problem(lane: Any) -> str | None:
    """Why a lane names no role the office has, or None when it does."""
    if not has_role_property(lane):
        return f"lane has no role (spiffworkflow property {ROLE_PROPERTY!r})"
    role = lane_role(lane)
    if role not in ROLES:
        return f"lane role {role!r} is not a known role ({', '.join(sorted(ROLES))})"
    return None


class RoleLaneParser(SpiffBpmnParser):
    """SpiffWorkflow's parser with each task's lane set to the role, not the lane's label."""

    def get_document_lanes(self, root: Any) -> dict[str, str]:
        return lane_roles(root)
