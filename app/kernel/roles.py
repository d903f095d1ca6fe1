"""Roles (the lanes of the diagrams) and which region's clerks work each of them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    agency: str
    transfer_out_side: bool = False  # worked by the region the person leaves


ROLES: dict[str, Role] = {
    r.code: r
    for r in (
        Role("applicant", "申请人", "申请人"),
        Role("window_clerk", "受理窗口", "政务服务中心社保综合窗口"),
        Role("reviewer", "审核", "审核科室"),
        Role("pension_clerk", "社保中心（转入地）", "社会保险事业管理中心"),
        Role("medical_clerk", "医保分局（转入地）", "医疗保障分局"),
        Role("unemployment_clerk", "就业中心（转入地）", "就业管理中心"),
        Role("pension_out_clerk", "社保中心（转出地）", "社会保险事业管理中心", True),
        Role("medical_out_clerk", "医保经办机构（转出地）", "医疗保障经办机构", True),
        Role("unemployment_out_clerk", "就业中心（转出地）", "就业管理中心", True),
        Role("supervisor", "督办", "效能督查"),
        Role("policy_staff", "政策业务", "政策法规科"),
        Role("auditor", "审计", "内部审计"),
        Role("admin", "系统管理员", "信息中心"),
    )
}


def task_region(
    role_code: str | None,
    transfer_in_region: str,
    transfer_out_region: str,
    out_side: bool = False,
) -> str:
    """The region whose clerks work a task: the transfer-out region for *_out_clerk roles and
    for every step of a transfer-out participant (its 督办 too: a limit binds the agency whose
    step it times), else the transfer-in region."""
    role = ROLES.get(role_code or "")
    if out_side or (role is not None and role.transfer_out_side):
        return transfer_out_region
    return transfer_in_region
