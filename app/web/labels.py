"""Chinese labels for the codes the UI shows: statuses, roles, insurances, channels, regions."""

from __future__ import annotations

from app.documents.labels import INSURANCE_SHORT_ZH
from app.features.cases import statuses
from app.kernel.roles import ROLES
from app.rules.divisions import name_of

CASE_STATUS = statuses.CASE_STATUS  # one vocabulary for every page (features/cases/statuses)
TASK_STATE = {
    "open": "待认领",
    "claimed": "已认领",
    "completed": "已办理",
    "cancelled": "已撤销",
}
DECISION = {
    "accepted": "予以受理",
    "correction_required": "一次性告知补正材料",
    "refused": "不予受理",
}
INSURANCE = INSURANCE_SHORT_ZH
CHANNEL = {"online": "网上申请", "window": "窗口申请", "letter": "跨地区来函"}
DELIVERY = {"on_site": "当场送达", "electronic": "电子文件网上送达", "express": "快递送达"}
PROCESS = {
    "one_thing_bundle": "一件事",
    "pension_transfer": "养老",
    "medical_transfer": "医疗",
    "unemployment_transfer": "失业",
}
HUKOU_TYPE = {"urban": "城镇户籍", "rural": "农村户籍"}
EMPLOYMENT = {"employed": "在职（已就业）", "unemployed": "失业"}
MATERIAL = {
    "id_card": "社会保障卡或居民身份证",
    "application_form": "《社会保险关系转移接续“一件事”联办申请表》",
    "stamped_id_copy": "加盖公章的社会保障卡或身份证复印件（单位代办）",
    "hukou_certificate": "户籍证明（户籍地与身份证不一致的领取失业保险金人员）",
}
EVENT = {
    "case_created": "提交申请",
    "task_completed": "办理",
    "task_claimed": "认领",
    "task_released": "退回待认领",
    "task_reassigned": "督办改派",
    "timer_fired": "时限届满",
    "case_status_changed": "状态变更",
    "case_completed": "办件结束",
    "certificate_reissued": "补办参保(合)凭证",
}
# Task rows of roles whose work concerns one insurance only (for the case-level view check).
ROLE_INSURANCE = {
    "pension_clerk": "pension",
    "pension_out_clerk": "pension",
    "medical_clerk": "medical",
    "medical_out_clerk": "medical",
    "unemployment_clerk": "unemployment",
    "unemployment_out_clerk": "unemployment",
}


def label(table: dict[str, str], code: str | None) -> str:
    """The Chinese label of a code; an unknown code is shown as is rather than hidden."""
    if code is None:
        return ""
    return table.get(code, code)


def case_status(status: str | None, decision: str | None = None) -> str:
    """A refusal after acceptance (at 审核) is 不予办理; only one at 受理 is 不予受理."""
    return statuses.status_label(status, decision)


def role_label(code: str | None) -> str:
    role = ROLES.get(code or "")
    return role.label if role else (code or "")


def region_name(code: str | None) -> str:
    if not code:
        return ""
    name = name_of(code)
    return f"{name}（{code}）" if name else code


def insurances(codes: str | list[str] | None) -> str:
    """ "pension,medical" or ["pension", "medical"] -> "养老保险、医疗保险"."""
    if not codes:
        return ""
    items = codes.split(",") if isinstance(codes, str) else codes
    return "、".join(label(INSURANCE, c) for c in items if c)


# Letter types of contracts §10 (an unknown type shows as sent).
LETTER_TYPE = {
    "contact_letter": "联系函",
    "transfer_info": "参保(合)凭证/信息表",
    "reply": "复函",
    "funds_notice": "资金划转通知",
}

JINJA_FILTERS = {
    "ws_letter_type": lambda c: label(LETTER_TYPE, c),
    "ws_case_status": case_status,
    "ws_insurance_status": lambda c: label(statuses.INSURANCE_STATUS, c),
    "ws_task_state": lambda c: label(TASK_STATE, c),
    "ws_decision_label": lambda c: label(DECISION, c),
    "ws_insurance_label": lambda c: label(INSURANCE, c),
    "ws_insurances_label": insurances,
    "ws_channel_label": lambda c: label(CHANNEL, c),
    "ws_delivery_label": lambda c: label(DELIVERY, c),
    "ws_role_label": role_label,
    "ws_region_name": region_name,
    "ws_material_label": lambda c: label(MATERIAL, c),
    "ws_event_label": lambda c: label(EVENT, c),
    "ws_process_label": lambda c: label(PROCESS, c),
}
