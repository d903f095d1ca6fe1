"""A case's recorded data as an auditor reads it: Chinese field labels (the forms' own titles,
the application form's labels, this table for what the diagrams compute) and Beijing times.
The raw JSON stays on the page one click away; this is only how it is shown."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from app.kernel.workdays import TZ

from . import labels
from .intake import LABELS as APPLICATION_LABELS

# Variables the diagrams and task hooks set (not typed into a form), and the keys of audit
# events' data.
COMPUTED = {
    "acceptance_facts": "受理审查依据",
    "accepted_at": "受理时间",
    "application": "申请表",
    "case_number": "办件编号",
    "channel": "申请渠道",
    "completed_insurances": "已办结险种",
    "concluded_at": "办结时间",
    "correction_count": "补正次数",
    "decided_at": "作出决定时间",
    "decision": "受理决定",
    "delivered_at": "送达时间",
    "delivery": "送达方式",
    "electronic_delivery_at": "电子送达时间",
    "insurances": "转移险种",
    "missing_materials": "缺少的材料",
    "outcome": "办理结果",
    "reasons": "理由",
    "status": "办件状态",
    "submitted_at": "提交时间",
    "transfer_in_region": "转入地",
    "transfer_out_region": "转出地",
    "transfer_results": "各险种办理结果",
    "review_passed_at": "审核通过时间",
    "medical_accepted_at": "医疗保险受理时间",
    "medical_completed_at": "医疗保险办结时间",
    "medical_contact_letter_received_at": "收到医保联系函时间",
    "medical_info_received_at": "收到医保信息表时间",
    "medical_info_table_received_at": "收到医保信息表时间",
    "medical_balance_received_at": "医保个人账户余额到账时间",
    "medical_result": "医疗保险办理结果",
    "medical_reasons": "医疗保险不予办理理由",
    "medical_register_by": "最迟参保登记日期",
    "medical_suspended_on": "中止参保日期",
    "pension_accepted_at": "养老保险受理时间",
    "pension_completed_at": "养老保险办结时间",
    "pension_letter_received_at": "收到养老联系函时间",
    "pension_funds_received_at": "养老关系和资金到账时间",
    "pension_result": "养老保险办理结果",
    "pension_reasons": "养老保险不予办理理由",
    "pension_account_type": "养老保险账户类型",
    "pension_temporary_account_rule": "临时缴费账户依据",
    "unemployment_completed_at": "失业保险办结时间",
    "unemployment_letter_received_at": "收到失业联系函时间",
    "unemployment_requested_at": "失业保险转移申请时间",
    "unemployment_reasons": "失业保险不予办理理由",
    "unemployment_remaining_benefit_months": "剩余领取失业保险金月数",
    "unemployment_contribution_months": "失业保险缴费月数",
    "unemployment_cross_province": "是否跨省转移",
    "unemployment_funds_required": "是否需划转失业保险费用",
    "unemployment_funds_status": "失业保险费用划转情况",
    "unemployment_labour_contract_required": "是否需核验劳动合同",
    "unemployment_cause_required": "是否需说明失业原因",
    "unemployment_result": "失业保险办理结果",
    "pension_temporary_account_by_province": "临时缴费账户由省级规定",
    "system_has_id_data": "系统已有身份信息",
    "system_has_hukou_data": "系统已有户籍信息",
    # audit events
    "at": "时间",
    "by": "作出者",
    "data": "填写内容",
    "derived": "推导字段",
    "due_at": "到期时间",
    "input_sha256": "输入内容哈希",
    "kind": "类别",
    "method": "方式",
    "new": "新状态",
    "notification": "通知编号",
    "number": "办件编号",
    "old": "原状态",
    "personal_fields": "个人信息字段",
    "personal_sha256": "个人信息哈希",
    "pinned": "所用流程版本",
    "process": "流程",
    "provisional": "暂定",
    "reason": "理由",
    "region": "地区",
    "role": "岗位",
    "spec": "环节",
    "task": "任务编号",
    "version": "版本",
}
# Codes whose label tables the app already has, by the key that carries them.
CODE_TABLES: dict[str, dict[str, str]] = {
    "status": labels.CASE_STATUS,
    "old": labels.CASE_STATUS,
    "new": labels.CASE_STATUS,
    "decision": labels.DECISION,
    "channel": labels.CHANNEL,
    "delivery": labels.DELIVERY,
    "method": labels.DELIVERY,
    "process": labels.PROCESS,
    "hukou_type": labels.HUKOU_TYPE,
    "employment": labels.EMPLOYMENT,
}
LIST_TABLES: dict[str, dict[str, str]] = {
    "insurances": labels.INSURANCE,
    "completed_insurances": labels.INSURANCE,
    "materials": labels.MATERIAL,
}
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def beijing(text: str) -> str | None:
    """An ISO instant with an offset as Beijing time; None for anything else."""
    if not _INSTANT.match(text):
        return None
    try:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return instant.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S")


class CaseDataLabels:
    """Labels and shown values for one forms/ folder (built per page: the folder is small)."""

    def __init__(self, forms_dir: Path) -> None:
        self.titles: dict[str, str] = {}
        self.choices: dict[str, dict[str, str]] = {}
        self.tasks: dict[str, str] = {}  # task id in the diagrams -> its form's title
        for path in sorted(forms_dir.glob("*.json")):
            try:
                schema = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if schema.get("x-task") and schema.get("title"):
                self.tasks.setdefault(str(schema["x-task"]), str(schema["title"]))
            for key, prop in (schema.get("properties") or {}).items():
                if not isinstance(prop, dict):
                    continue
                if prop.get("title"):
                    self.titles.setdefault(key, str(prop["title"]))
                holder = prop.get("items") if prop.get("type") == "array" else prop
                if isinstance(holder, dict) and holder.get("enum"):
                    names = holder.get("x-enum-labels") or []
                    self.choices.setdefault(
                        key, {str(v): str(n) for v, n in zip(holder["enum"], names, strict=False)}
                    )

    def label(self, key: str, parent: str = "") -> str:
        """The Chinese label of a key (inside `parent` when nested); the key when none."""
        root = "" if parent in ("", "application") else parent
        typed = APPLICATION_LABELS.get(f"{root}.{key}" if root else key)
        if parent == "":  # the case's own variables: status is the case's, not the form's
            order = (COMPUTED.get(key), self.titles.get(key), typed)
        else:  # inside the application (or another record): its own labels first
            order = (typed, self.titles.get(key), COMPUTED.get(key))
        for found in (*order, labels.INSURANCE.get(key)):
            if found:
                return str(found)
        return key

    def show(self, key: str, value: Any) -> str:
        """A value in words: codes by their labels, times in Beijing time, yes/no, nested
        objects as 标签：值 pairs."""
        if value is None:
            return "—"
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, dict):
            parts = [f"{self.label(k, key)}：{self.show(k, v)}" for k, v in value.items()]
            return "；".join(parts) if parts else "—"
        if isinstance(value, list):
            table = LIST_TABLES.get(key) or self.choices.get(key)
            items = [table.get(str(v), str(v)) if table else self.show(key, v) for v in value]
            return "、".join(items) if items else "—"
        text = str(value)
        if key.endswith("_region") or key == "region":
            return labels.region_name(text)
        if key == "role":
            return labels.role_label(text)
        if key == "spec":
            return self.tasks.get(text, text)
        table = CODE_TABLES.get(key) or self.choices.get(key)
        if table and text in table:
            return table[text]
        return beijing(text) or text

    def show_text(self, key: str, text: str) -> str:
        """A value already turned into text (the timeline's data changes: JSON or a string)."""
        if text == "":
            return ""
        try:
            return self.show(key, json.loads(text))
        except ValueError:
            return self.show(key, text)

    def rows(self, data: dict[str, Any]) -> list[tuple[str, str, str]]:
        """(label, shown value, key) for each item, in the data's own order."""
        return [(self.label(k), self.show(k, v), k) for k, v in data.items()]
