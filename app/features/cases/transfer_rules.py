"""Checks on agency clerks' figures and choices against the rules (task hooks): what the law
fixes is computed here and a different entry is refused, naming the field and the right value."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from app.engine.scripting import parse_instant
from app.features.cases.service import CaseService, TaskHook
from app.kernel import workdays
from app.kernel.errors import FieldError, ValidationFailed
from app.rules.amounts import (
    InvalidMoney,
    format_money,
    is_cross_province,
    parse_money,
    unemployment_transfer_funds,
)
from app.rules.divisions import name_of, pooling_name, province_abbr
from app.rules.id_number import InvalidIdNumber, age_on, parse_id_number
from app.rules.medical_suspension import registration_deadline
from app.rules.pension import (
    temporary_account_required,
    temporary_account_required_by_city,
)
from app.rules.regions import province


def install(cases: CaseService) -> None:
    cases.task_hooks[("pension_transfer", "contact_letter")] = pension_contact_letter
    cases.task_hooks[("medical_transfer", "suspend_and_certify")] = medical_suspend_and_certify
    cases.task_hooks[("medical_transfer", "contact_letter")] = medical_contact_letter
    cases.task_hooks[("medical_transfer", "balance_arrival")] = medical_balance_arrival
    # Regions' local rules (local_rules.install) already compute the pre-credit at transfer-in:
    # the amount check runs first, then theirs.
    cases.task_hooks[("medical_transfer", "transfer_in")] = _chain(
        medical_transfer_in, cases.task_hooks.get(("medical_transfer", "transfer_in"))
    )
    cases.task_hooks[("unemployment_transfer", "out_review")] = unemployment_out_review
    cases.task_hooks[("unemployment_transfer", "transfer_funds")] = unemployment_funds
    cases.task_hooks[("unemployment_transfer", "in_decision")] = unemployment_in_decision
    cases.task_hooks[("unemployment_transfer", "out_conclude")] = unemployment_out_conclude


def _chain(first: TaskHook, then: TaskHook | None) -> TaskHook:
    """Both hooks on the same task: the first may refuse; their derived values are merged."""
    if then is None:
        return first

    def both(before: dict[str, Any], form: dict[str, Any], now: datetime) -> dict[str, Any]:
        return {**first(before, form, now), **then(before, form, now)}

    return both


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("表单填写有误，请按提示修改", [FieldError(field, message)])


def pension_contact_letter(
    before: dict[str, Any], form: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The temporary account is the rule's outcome, not the clerk's choice: the system computes
    it from the application (国办发〔2009〕66号 第五条第（二）项) and refuses the other choice."""
    if not form.get("pension_eligible"):
        return {}
    if not before.get("pension_temporary_account_by_province"):
        return _pension_contact_letter_by_city(before, form, now)
    application = before["application"]
    applicant = application["applicant"]
    # Age at the time of the move: the day the transfer application was accepted, so that the
    # outcome does not depend on the day the clerk reviews it.
    moved_on = workdays.local_date(parse_instant(str(before["pension_accepted_at"])))
    person = parse_id_number(applicant["id_number"], moved_on)
    hukou, out, in_ = (
        applicant["hukou_region"],
        application["transfer_out_region"],
        application["transfer_in_region"],
    )
    required = temporary_account_required(person, hukou, out, in_, moved_on)
    if bool(form.get("pension_temporary_account")) != required:
        facts = (
            f"{'男' if person.gender == 'male' else '女'}性，受理时{age_on(person.birth_date, moved_on)}周岁；"
            f"户籍{_province_zh(hukou)}，由{_province_zh(out)}转入{_province_zh(in_)}"
        )
        expected = (
            "应建立临时基本养老保险缴费账户（跨省流动、户籍不在转入省份且男性年满50周岁/女性年满40周岁）"
            if required
            else "不属于建立临时缴费账户的情形，应转移基本养老保险关系"
            "（仅跨省流动、户籍不在转入省份且男性年满50周岁/女性年满40周岁的才建立临时账户）"
        )
        raise _refuse(
            "/pension_temporary_account", f"{expected}：{facts}（{PENSION_TEMPORARY_ARTICLE}）"
        )
    return {"pension_temporary_account_rule": PENSION_TEMPORARY_ARTICLE}


PENSION_TEMPORARY_ARTICLE = (
    "国办发〔2009〕66号《城镇企业职工基本养老保险关系转移接续暂行办法》第五条第（二）项"
)


def _province_zh(region: str) -> str:
    abbr = province_abbr(province(region))
    return f"{abbr}（{region}）" if abbr else region


def _pension_contact_letter_by_city(
    before: dict[str, Any], form: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """pension_transfer versions before the province reading (no
    pension_temporary_account_by_province flag): their rule, messages and recorded citation
    byte for byte, so that the cases decided on them replay identically."""
    application = before["application"]
    today = workdays.local_date(now)
    person = parse_id_number(application["applicant"]["id_number"], today)
    required = temporary_account_required_by_city(
        person, application["applicant"]["hukou_region"], application["transfer_in_region"], today
    )
    if bool(form.get("pension_temporary_account")) != required:
        expected = (
            "应建立临时基本养老保险缴费账户"
            if required
            else "不属于建立临时账户的情形，应转移养老保险关系"
        )
        raise _refuse("/pension_temporary_account", f"{expected}（国办发〔2009〕66号第六条）")
    return {"pension_temporary_account_rule": "国办发〔2009〕66号 第六条"}


def unemployment_out_review(
    before: dict[str, Any], form: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """A worker moving to a job in another pooling region applies with the labour contract
    signed with the transfer-in employer (浙江2017 第六条（一））: approving needs it checked and
    the employer named. Benefit recipients returning to the 户籍 place need none (第九条（一））."""
    errors = _cause_errors(before, form)
    # The diagram sets the flag (receive) from the process version that introduced this rule
    # on; earlier versions never set it, so their recorded completions replay unchanged.
    if not before.get("unemployment_labour_contract_required") or not form.get(
        "unemployment_out_approved"
    ):
        # a missing or invalid contract is refused in writing (the reasons field)
        if errors:
            raise ValidationFailed("表单填写有误，请按提示修改", errors)
        return {}
    if form.get("unemployment_labour_contract_checked") is not True:
        errors.append(
            FieldError(
                "/unemployment_labour_contract_checked",
                "职工跨统筹地区就业转移的，须核验与转入地用人单位签订的劳动合同"
                "（浙江2017 第六条（一））；合同缺失或无效的，请选择不符合转移条件并书面告知理由",
            )
        )
    employer = form.get("unemployment_new_employer_name")
    if not isinstance(employer, str) or not employer.strip():
        errors.append(
            FieldError("/unemployment_new_employer_name", "请填写劳动合同上的转入地用人单位名称")
        )
    if errors:
        raise ValidationFailed("表单填写有误，请按提示修改", errors)
    return {}


def _cause_errors(before: dict[str, Any], form: dict[str, Any]) -> list[FieldError]:
    """2021 通知 第三条（一）: the record moved holds the 失业原因 — required when an unemployed
    person's transfer is approved, not applicable to an employed worker (application.status.
    employment). The diagram sets unemployment_cause_required (receive) from the version that
    introduced the field on; on earlier versions (flag absent) nothing is checked, so their
    recorded completions replay unchanged."""
    required = before.get("unemployment_cause_required")
    if required is None:
        return []
    cause = form.get("unemployment_cause")
    if required and form.get("unemployment_out_approved") and not cause:
        return [
            FieldError(
                "/unemployment_cause",
                "失业原因：失业人员转移失业保险关系的必填（2021年通知 第三条（一）），打印在联系函上",
            )
        ]
    if not required and cause:
        return [FieldError("/unemployment_cause", "失业原因：在职职工转移的不填写失业原因")]
    return []


_CERTIFICATE_NUMBER = re.compile(r"^（([^（）]+)）（([^（）]+)）（([0-9]{4})）第 [0-9]{6} 号$")
_PERIOD_POINT = re.compile(r"^([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?$")
_PERIODS = (
    ("medical_insured_from", "medical_insured_to", "参保(合)时间"),
    ("medical_benefits_from", "medical_benefits_to", "待遇享受时间"),
)


def medical_suspend_and_certify(
    before: dict[str, Any], form: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """规程 第四条: the transfer-out agency suspends insurance and issues the 参保(合)凭证 today;
    without a receiving employer the person registers at the new place within 3 months
    (seed 003 第六条), a date computed here and printed on the certificate."""
    today = workdays.local_date(now)
    region = str(before.get("transfer_out_region", ""))
    errors = _certificate_number_errors(
        str(form.get("medical_certificate_number", "")), region, now
    )
    for start, end, label in _PERIODS:
        first, last = _period_point(form.get(start)), _period_point(form.get(end))
        if first is None:
            errors.append(FieldError(f"/{start}", f"{label}（起）：不是有效日期"))
        if last is None:
            errors.append(FieldError(f"/{end}", f"{label}（止）：不是有效日期"))
        if first is not None and last is not None and last < first:
            errors.append(FieldError(f"/{end}", f"{label}（止）：不能早于起始日期"))
    head_id = form.get("medical_household_head_id_number")
    try:
        if head_id is not None:  # personal (x-personal): a replay does not have it
            parse_id_number(str(head_id), today)
    except InvalidIdNumber as exc:
        errors.append(
            FieldError("/medical_household_head_id_number", f"户主身份证号码无效：{exc.reason_zh}")
        )
    if (
        form.get("medical_has_arrears")
        and parse_money(str(form.get("medical_arrears_amount", "0"))) <= 0
    ):
        errors.append(FieldError("/medical_arrears_amount", "有欠费时，欠费金额应大于0"))
    if errors:
        raise ValidationFailed("表单填写有误，请按提示修改", errors)
    derived: dict[str, Any] = {"medical_suspended_on": today.isoformat()}
    if not form.get("medical_has_receiving_employer"):
        derived["medical_register_by"] = registration_deadline(today).isoformat()
    return derived


def _certificate_number_errors(number: str, region: str, now: datetime) -> list[FieldError]:
    """The 凭证号 names the issuing (transfer-out) province and pooling region and this year."""
    field = "/medical_certificate_number"
    match = _CERTIFICATE_NUMBER.match(number)
    if match is None:
        return [
            FieldError(field, "凭证号格式应为：（省份简称）（统筹地区名称）（年份）第 XXXXXX 号")
        ]
    year = workdays.local_date(now).year
    abbr, name = province_abbr(region), pooling_name(region)
    if abbr is not None and match[1] != abbr:
        return [FieldError(field, f"凭证号的省份简称应为“{abbr}”（转出地）")]
    # The pooling region's name (温州市 for 瓯海区); the district's full name, which numbers
    # issued before the division data printed, is still accepted so their replays agree.
    if name is not None and match[2] not in (name, name_of(region)):
        return [FieldError(field, f"凭证号的统筹地区名称应为“{name}”（转出地）")]
    if int(match[3]) != year:
        return [FieldError(field, f"凭证号的年份应为出具凭证的年份 {year}")]
    return []


def _period_point(value: Any) -> date | None:
    match = _PERIOD_POINT.match(str(value or ""))
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3] or 1))
    except ValueError:
        return None


def medical_contact_letter(
    before: dict[str, Any], form: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """规程 第五条: the 联系函 cites the 参保(合)凭证 the transfer-out agency issued (第四条)."""
    issued = before.get("medical_certificate_number")
    entered = form.get("medical_certificate_number")
    if form.get("medical_eligible") and issued and entered != issued:
        raise _refuse(
            "/medical_certificate_number", f"应与转出地出具的参保(合)凭证编号一致：{issued}"
        )
    return {}


def medical_balance_arrival(
    before: dict[str, Any], form: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """规程 第七条「在收到《信息表》和个人账户余额后的15个工作日内」: the transfer-in clock starts
    when both have arrived, the later of the 信息表 (when the transfer-out step completed) and
    the balance (the day the clerk records, today unless given; never in the future, never
    before the 联系函 reached the transfer-out agency, which moves the balance only after it)."""
    today = workdays.local_date(now)
    arrived_at = now
    entered = form.get("medical_balance_arrived_on")
    if entered is not None:
        try:
            day = date.fromisoformat(str(entered))
        except ValueError:
            raise _refuse("/medical_balance_arrived_on", "到账日期不是有效日期") from None
        earliest = before.get("medical_contact_letter_received_at")
        first = workdays.local_date(parse_instant(str(earliest))) if earliest else None
        if day > today:
            raise _refuse("/medical_balance_arrived_on", "到账日期不能晚于今日")
        if first is not None and day < first:
            raise _refuse(
                "/medical_balance_arrived_on",
                f"到账日期不能早于转出地收到《联系函》之日 {first.isoformat()}",
            )
        if day < today:
            arrived_at = datetime.combine(day, time(0), workdays.TZ)
    table_at = parse_instant(str(before["medical_info_table_received_at"]))
    return {
        "medical_balance_received_at": arrived_at.isoformat(),
        "medical_info_received_at": max(table_at, arrived_at).isoformat(),
    }


def medical_transfer_in(
    before: dict[str, Any], form: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """规程 第七条1、2: the amount credited is the balance on the 信息表 (as transfer-out recorded or
    corrected it), and it must have arrived in full; a difference can only be sent back for
    correction (「个人账户金额有误的……转出地经办机构应予以配合更正」), never completed."""
    # Set by info_sent from the version with the balance-arrival step on; earlier versions
    # never set it, so their recorded completions replay unchanged.
    if "medical_info_table_received_at" not in before:
        return {}
    if form.get("medical_in_decision") != "completed":
        return {}
    transferred = before.get("medical_account_handling") == "transferred"
    expected = (
        parse_money(str(before.get("medical_account_balance", "0"))) if transferred else Decimal(0)
    )
    if transferred:
        arrived = parse_money(str(before.get("medical_balance_arrived_amount", "0")))
        if arrived != expected:
            raise _refuse(
                "/medical_in_decision",
                f"到账金额 {format_money(arrived)} 元与《信息表》列明的划转余额 "
                f"{format_money(expected)} 元不一致，不能办结；请选择“凭证、信息表或个人账户金额有误，"
                "请转出地更正”（规程 第七条）",
            )
    credited = parse_money(str(form.get("medical_credited_amount", "")))
    if credited != expected:
        reason = (
            f"计入个人账户金额应为《信息表》列明并已到账的个人账户余额 {format_money(expected)} 元"
            if transferred
            else "转出地未划转个人账户余额（一次性发还本人或无余额），计入个人账户金额应为 0.00 元"
        )
        raise _refuse("/medical_credited_amount", f"{reason}（规程 第七条）")
    return {}


def unemployment_funds(
    before: dict[str, Any], form: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Funds = 1.5 × the unpaid benefit (2021 通知 第二条（一）), in Decimal to the fen: the
    clerk's figure must be exactly that, neither more nor less."""
    section = before["application"].get("unemployment") or {}
    expected, relationship_only = unemployment_transfer_funds(
        parse_money(section.get("monthly_benefit", "0")),
        int(section.get("benefit_months_approved", 0)),
        int(section.get("benefit_months_paid", 0)),
        int(
            before.get(
                "unemployment_contribution_months",
                section.get("contribution_months_at_transfer_out", 0),
            )
        ),
    )
    try:
        entered = parse_money(str(form.get("unemployment_funds_amount", "")))
    except InvalidMoney:
        raise _refuse(
            "/unemployment_funds_amount", "金额格式不正确，应为如 1234.56 的金额（元）"
        ) from None
    if relationship_only or entered != expected:  # an overpayment is as wrong as a shortfall
        raise _refuse(
            "/unemployment_funds_amount",
            f"应划转金额为 {format_money(expected)} 元"
            "（未领失业保险金 × 1.5，2021年通知 第二条（一））",
        )
    return {"unemployment_funds_expected": str(expected)}


def unemployment_in_decision(
    before: dict[str, Any], form: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """A benefit recipient is paid at the new place from the month after approval (条例 第三十二条)."""
    section = before["application"].get("unemployment") or {}
    if not form.get("unemployment_in_accepted") or not section.get("receiving_benefit"):
        return {}
    today = workdays.local_date(now)
    following = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    expected = f"{following.year:04d}-{following.month:02d}"
    entered = form.get("unemployment_benefit_start_month")
    if entered not in (None, expected):
        raise _refuse(
            "/unemployment_benefit_start_month", f"待遇应自准予接续的次月 {expected} 起发放"
        )
    derived: dict[str, Any] = {"unemployment_benefit_start_month": expected}
    if is_cross_province(
        before.get("transfer_out_region", ""), before.get("transfer_in_region", "")
    ):
        derived["unemployment_benefit_not_withheld"] = True  # 2021 通知: paid before funds arrive
    return derived


def unemployment_out_conclude(
    before: dict[str, Any], form: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The transfer-out agency concludes after an accepting 复函 and terminates after a refusal
    (浙江2017 第六条（四）): its outcome follows the transfer-in decision."""
    accepted = before.get("unemployment_in_accepted")
    expected = "concluded" if accepted else "terminated"
    if accepted is not None and form.get("unemployment_out_outcome") != expected:
        reason = "转入地已同意接续，应办结转出" if accepted else "转入地不予接续，应终止转移"
        raise _refuse("/unemployment_out_outcome", reason)
    return {}
