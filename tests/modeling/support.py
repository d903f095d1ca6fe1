"""Helpers for the workbench tests: edit a diagram's XML the way a policy officer would."""

from __future__ import annotations

from typing import Any

from lxml import etree
from sqlalchemy import func, select

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
from app.store.models import ProcessVersion
from tests.helpers import complete, scenario

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
CONTACT_LETTER_TIMER = (
    "deadline(medical_accepted_at, limit('medical.contact_letter', transfer_in_region))"
)
SHORTER_TIMER = "deadline(medical_accepted_at, 10)"


def shorter_contact_letter(xml: str) -> str:
    """The contact letter (联系函) committed in 10 working days instead of the national 15."""
    assert CONTACT_LETTER_TIMER in xml
    return xml.replace(CONTACT_LETTER_TIMER, SHORTER_TIMER)


def edit(xml: str, change: Any) -> str:
    root = etree.fromstring(xml.encode("utf-8"))
    change(root)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True).decode("utf-8")


def node(root: Any, element_id: str) -> Any:
    found = root.xpath(f"//*[@id='{element_id}']")
    assert found, element_id
    return found[0]


def remove_element(root: Any, element_id: str) -> None:
    """Remove a flow element with its lane reference, the nodes' incoming/outgoing references
    to it (a flow) and its diagram shape or edge."""
    target = node(root, element_id)
    target.getparent().remove(target)
    for ref in root.xpath("//bpmn:flowNodeRef | //bpmn:incoming | //bpmn:outgoing", namespaces=NS):
        if ref.text == element_id:
            ref.getparent().remove(ref)
    for di in root.xpath(f"//*[@bpmnElement='{element_id}']"):
        di.getparent().remove(di)


def retarget(root: Any, flow_id: str, target_id: str) -> None:
    """Point a sequence flow at another node, moving its incoming reference along."""
    flow = node(root, flow_id)
    for ref in node(root, flow.get("targetRef")).iterfind("bpmn:incoming", NS):
        if ref.text == flow_id:
            ref.getparent().remove(ref)
    flow.set("targetRef", target_id)
    new = node(root, target_id)
    ref = new.makeelement(f"{BPMN}incoming")
    ref.text = flow_id
    anchor = new.find("bpmn:incoming", NS)
    if anchor is None:
        anchor = new.find("bpmn:outgoing", NS)
    if anchor is not None:
        anchor.addprevious(ref)
    else:
        new.append(ref)


def versions(office: Backoffice, process_id: str) -> int:
    with office.db.sessions() as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(ProcessVersion)
                .where(ProcessVersion.process_id == process_id)
            ).scalar_one()
        )


def medical_case(office: Backoffice) -> str:
    """A bundle case applying for the medical transfer only; its 审核 passed, the transfer-out
    agency has suspended insurance and issued the certificate, so it waits at 审核并发出联系函."""
    story = scenario("bundle_only_medical_express")
    number = office.applications.submit(
        story["application"], Actor("applicant", "applicant")
    ).case_number
    complete(office, number, story["steps"][0])  # the bundle's review (seed 000 十四)
    complete(office, number, story["steps"][1])  # suspend_and_certify
    return number
