"""The acceptance decision (受理, seed 000): accepted, correction_required (一次性告知) or refused (不予受理)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal

from app.rules.application_schema import FieldError, validate_application
from app.rules.id_number import IdInfo, InvalidIdNumber, age_on, parse_id_number
from app.rules.regions import same_pooling_region

ACCEPTED: Final = "accepted"
CORRECTION_REQUIRED: Final = "correction_required"
REFUSED: Final = "refused"
DecisionKind = Literal["accepted", "correction_required", "refused"]

ZHEJIANG_PROVINCE = "33"  # first two digits of a region code (contracts §3)
# seed 000 禁止性要求(二): first insured in Zhejiang on or after this day ...
LATE_FIRST_INSURED_FROM = date(2010, 1, 1)
# ... and, on that day, at least this old (周岁; the birthday itself counts).
LATE_FIRST_INSURED_AGE = {"male": 50, "female": 40}


@dataclass(frozen=True)
class Decision:
    decision: DecisionKind
    reasons: list[str] = field(default_factory=list)  # refusal reason codes, contracts §4
    missing_materials: list[str] = field(default_factory=list)  # "missing:..." codes
    errors: list[FieldError] = field(default_factory=list)  # only with invalid_application

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "reasons": list(self.reasons),
            "missing_materials": list(self.missing_materials),
            "errors": [e.to_dict() for e in self.errors],
        }


@dataclass(frozen=True)
class Facts:
    """A schema-valid application plus what is known about the person from elsewhere."""

    application: dict[str, Any]
    person: IdInfo | None  # None when the ID number is not valid
    system_has_id_data: bool
    system_has_hukou_data: bool

    @property
    def applicant(self) -> dict[str, Any]:
        return self.application["applicant"]

    @property
    def status(self) -> dict[str, Any]:
        return self.application["status"]

    def applies_for(self, insurance: str) -> bool:
        return insurance in self.application["insurances"]

    @property
    def medical(self) -> dict[str, Any]:
        return self.application.get("medical") or {}

    @property
    def unemployment(self) -> dict[str, Any]:
        return self.application.get("unemployment") or {}

    @property
    def is_benefit_recipient(self) -> bool:
        """Draws unemployment benefit (领取失业保险金人员), as stated in the unemployment section."""
        return self.unemployment.get("receiving_benefit") is True

    @property
    def at_window(self) -> bool:
        return self.application["channel"] == "window"

    def has_material(self, code: str) -> bool:
        return code in self.application["materials"]


# ---------------------------------------------------------------------------------------
# Refusal rules (不予受理). Each returns True when the application must be refused for
# that reason. They are all evaluated, and every reason that applies is reported, in the
# order of the table in contracts §4.
# ---------------------------------------------------------------------------------------


def invalid_id_number(f: Facts) -> bool:
    # contracts §3/§4: the ID number is the person's identifier (seed 003 第十条) and must be
    # a valid GB 11643 number; gender and birth date for 禁止性要求(二) are read from it.
    return f.person is None


def no_insurance_selected(f: Facts) -> bool:
    # seed 000 受理条件(一): the bundle transfers enterprise pension, medical and/or
    # unemployment insurance; at least one must be applied for.
    return len(f.application["insurances"]) == 0


def same_region(f: Facts) -> bool:
    # 社会保险法 第十九条、第三十二条、第五十二条: relationships move when a person changes
    # pooling region (跨统筹地区); out and in in one pooling region leave nothing to transfer.
    # One pooling region = one city (app/rules/regions.py): 330602 and 330603 are one place.
    return same_pooling_region(
        f.application["transfer_out_region"], f.application["transfer_in_region"]
    )


def retired(f: Facts) -> bool:
    # seed 000 禁止性要求(一): 退休人员不予办理
    return f.status["retired"] is True


def still_insured_at_transfer_out(f: Facts) -> bool:
    # seed 000 禁止性要求(一): 在转出地处于参保状态的在职人员不予办理
    # Reading: the clause names 在职人员 (people in employment). An unemployed person
    # drawing benefit is still in insured status at the old place (the unemployment fund
    # pays their medical premiums) and is exactly who 受理条件(二) lets move back to the
    # 户籍 place, so the flag only refuses when employment is "employed".
    return f.status["insured_at_transfer_out"] is True and f.status["employment"] == "employed"


def late_first_insured_out_of_province(f: Facts) -> bool:
    # seed 000 禁止性要求(二): 2010年1月1日以后首次在浙江省参保，且参保时男性年满50周岁和
    # 女性年满40周岁的外省户籍人员不予办理。
    # Reading (contracts §4): this is the pension temporary-account rule (国办发〔2009〕66号
    # 第六条: men 50+ / women 40+ away from their 户籍 place keep a temporary pension account,
    # nothing moves), so it refuses only when pension is applied for. Medical insurance may
    # not be barred for 户籍 reasons (seed 003 第二条), and unemployment has its own conditions.
    if not f.applies_for("pension"):
        return False
    # 外省户籍 = the applicant's hukou_region is not in Zhejiang (does not start with "33").
    # 年满50周岁 on the first-insured date: the 50th (40th) birthday itself counts (age_on).
    if f.person is None:  # cannot tell age or gender; already refused as invalid_id_number
        return False
    if f.applicant["hukou_region"].startswith(ZHEJIANG_PROVINCE):
        return False
    first_insured = date.fromisoformat(f.status["first_insured_in_zhejiang"])
    if first_insured < LATE_FIRST_INSURED_FROM:
        return False
    return age_on(f.person.birth_date, first_insured) >= LATE_FIRST_INSURED_AGE[f.person.gender]


def medical_unsettled_expenses(f: Facts) -> bool:
    # seed 000 禁止性要求(三): 医疗费未结清 — medical transfer only
    return f.applies_for("medical") and f.medical["unsettled_expenses"] is True


def medical_account_not_credited(f: Facts) -> bool:
    # seed 000 禁止性要求(三): 医保个人账户未划账 — medical transfer only
    return f.applies_for("medical") and f.medical["account_credited"] is False


def medical_account_overdrawn(f: Facts) -> bool:
    # seed 000 禁止性要求(三): 个人账户实际结余资金透支 — medical transfer only
    # (also seed 001, 温州市全民基本医疗保险办法 第五十四条(六): 透支的应当结清)
    return f.applies_for("medical") and f.medical["account_overdrawn"] is True


def unemployed_not_returning_to_hukou(f: Facts) -> bool:
    # seed 000 受理条件(二): 需要转移到同一统筹地的参保人员或转回户籍地领取失业保险金的失业人员.
    # Reading: an unemployed person who draws unemployment benefit fits the bundle only
    # through the second branch, i.e. by moving back to the 户籍 place to draw it there
    # (also seed 002: 浙江省失业保险条例 第三十二条; 浙江2017 第九条（二）「要求回户籍地领取」;
    # 2021 notice 第一条(二)). "Back to the 户籍 place" needs both the request (the applicant's
    # benefit_at_hukou) and the move: the transfer-in region lies in the pooling region of the
    # 户籍 (app/rules/regions.py, so 户籍 330603 and transfer-in 330602 are one place). The
    # condition is about moving the unemployment relationship, so it refuses only when
    # unemployment is applied for; a pension or medical transfer of the same person is decided
    # on its own conditions. Unemployed people who draw no benefit are not refused by this
    # rule: the first branch (参保人员) covers them.
    if not f.applies_for("unemployment"):
        return False
    if f.status["employment"] != "unemployed" or not f.is_benefit_recipient:
        return False
    returning = f.unemployment.get("benefit_at_hukou") is True and same_pooling_region(
        f.applicant["hukou_region"], f.application["transfer_in_region"]
    )
    return not returning


REFUSAL_RULES: tuple[tuple[str, Callable[[Facts], bool]], ...] = (
    ("invalid_id_number", invalid_id_number),
    ("no_insurance_selected", no_insurance_selected),
    ("same_region", same_region),
    ("retired", retired),
    ("still_insured_at_transfer_out", still_insured_at_transfer_out),
    ("late_first_insured_out_of_province", late_first_insured_out_of_province),
    ("medical_unsettled_expenses", medical_unsettled_expenses),
    ("medical_account_not_credited", medical_account_not_credited),
    ("medical_account_overdrawn", medical_account_overdrawn),
    ("unemployed_not_returning_to_hukou", unemployed_not_returning_to_hukou),
)
REFUSAL_REASONS: tuple[str, ...] = ("invalid_application", *(code for code, _ in REFUSAL_RULES))


# ---------------------------------------------------------------------------------------
# Missing materials (一次性告知). seed 000 十二、申请材料目录 and 十四、受理:
# "网上办理，无需申请材料" — online applications need no materials at all, the system
# fetches the ID and 户籍 data itself. So every rule below applies at the window only.
# Online, even a benefit recipient whose 户籍 differs from the ID gets no
# missing:hukou_certificate: the seed lists the 户籍证明 as "系统自动获取"; if the data
# turns out to be missing, that is found in 审核 (review), not at acceptance.
# Reported in the order of the seed's materials list.
# ---------------------------------------------------------------------------------------


def missing_id_card(f: Facts) -> bool:
    # seed 000 申请材料(1) 社会保障卡或居民身份证: 系统自动获取，如数据不全则需申请者提交
    return f.at_window and not f.system_has_id_data and not f.has_material("id_card")


def missing_application_form(f: Facts) -> bool:
    # seed 000 申请材料(2) 《社会保险关系转移接续“一件事”联办申请表》: 必要
    return f.at_window and not f.has_material("application_form")


def missing_stamped_id_copy(f: Facts) -> bool:
    # seed 000 申请材料(3) 社会保障卡或身份证复印件一份（加盖公章，单位代办提交）
    return (
        f.at_window and f.application["agent"] is not None and not f.has_material("stamped_id_copy")
    )


def missing_hukou_certificate(f: Facts) -> bool:
    # seed 000 申请材料(4) 户籍证明（户籍地与居民身份证信息不一致的领取失业保险金人员需提供）;
    # "系统自动获取，如数据不全则需申请者提交": not asked for when the system has the data.
    # 居民身份证信息 = the region code in the ID number (its first 6 digits). Not a pooling-region
    # comparison: the clause asks whether the two records agree, so the codes are compared as is.
    return (
        f.at_window
        and f.is_benefit_recipient
        and f.person is not None
        and f.applicant["hukou_region"] != f.person.region_code
        and not f.system_has_hukou_data
        and not f.has_material("hukou_certificate")
    )


MATERIAL_RULES: tuple[tuple[str, Callable[[Facts], bool]], ...] = (
    ("missing:id_card", missing_id_card),
    ("missing:application_form", missing_application_form),
    ("missing:stamped_id_copy", missing_stamped_id_copy),
    ("missing:hukou_certificate", missing_hukou_certificate),
)
MISSING_MATERIAL_CODES: tuple[str, ...] = tuple(code for code, _ in MATERIAL_RULES)


def decide(
    application: object,
    *,
    today: date,
    system_has_id_data: bool = True,
    system_has_hukou_data: bool = False,
) -> Decision:
    """The acceptance decision for one application (contracts §4). Never raises on JSON input.

    `today` is the day of the decision (ID birth dates and first-insured dates may not lie
    after it). `system_has_id_data` / `system_has_hukou_data`: whether the system could
    fetch the person's ID / 户籍 data, so that the paper is not needed at the window.
    """
    # contracts §4 invalid_application: anything that is not an application is refused
    # with the list of field errors, and no other rule is evaluated.
    errors = validate_application(application, today=today)
    if errors:
        return Decision(REFUSED, ["invalid_application"], [], errors)
    assert isinstance(application, dict)  # guaranteed by the schema

    try:
        person: IdInfo | None = parse_id_number(application["applicant"]["id_number"], today)
    except InvalidIdNumber:
        person = None
    facts = Facts(application, person, system_has_id_data, system_has_hukou_data)

    reasons = [code for code, rule in REFUSAL_RULES if rule(facts)]
    if reasons:
        return Decision(REFUSED, reasons)

    # seed 000 十四、受理: 材料不齐全的一次性告知需要补正的材料 — all of them at once.
    missing = [code for code, rule in MATERIAL_RULES if rule(facts)]
    if missing:
        return Decision(CORRECTION_REQUIRED, missing_materials=missing)
    return Decision(ACCEPTED)


REASON_TEXT_ZH: dict[str, str] = {
    "invalid_application": "申请内容不符合《社会保险关系转移接续“一件事”联办申请表》的格式要求，"
    "请按字段错误清单更正后重新申请（服务指南 十四、受理：申请材料齐全、符合法定形式的予以受理）。",
    "invalid_id_number": "身份证号码不是有效的18位公民身份号码（GB 11643），无法确认申请人身份。",
    "no_insurance_selected": "未选择需要转移接续的险种。本事项办理企业职工基本养老保险、医疗保险、"
    "失业保险关系的转移接续（服务指南 十、受理条件（一））。",
    "same_region": "转出地与转入地为同一统筹地区，无需办理社会保险关系转移接续"
    "（《社会保险法》第十九条、第三十二条、第五十二条：跨统筹地区就业的，关系随本人转移）。",
    "retired": "退休人员不予办理（服务指南 十一、禁止性要求（一））。",
    "still_insured_at_transfer_out": "在转出地处于参保状态的在职人员不予办理，"
    "请先在转出地办理中止参保手续（服务指南 十一、禁止性要求（一））。",
    "late_first_insured_out_of_province": "2010年1月1日以后首次在浙江省参保，且参保时男性年满50周岁、"
    "女性年满40周岁的外省户籍人员不予办理企业职工基本养老保险关系转移（服务指南 十一、禁止性要求（二））；"
    "医疗保险、失业保险关系可单独申请转移。",
    "medical_unsettled_expenses": "存在医疗费未结清情形，基本医疗保险关系转移接续不予办理"
    "（服务指南 十一、禁止性要求（三））。",
    "medical_account_not_credited": "医保个人账户未划账，基本医疗保险关系转移接续不予办理"
    "（服务指南 十一、禁止性要求（三））。",
    "medical_account_overdrawn": "医保个人账户实际结余资金透支，基本医疗保险关系转移接续不予办理，"
    "请先结清透支的医疗费（服务指南 十一、禁止性要求（三））。",
    "unemployed_not_returning_to_hukou": "领取失业保险金的失业人员，只有转回户籍地（转入地与户籍地属同一"
    "统筹地区）领取失业保险金的，方可办理失业保险关系转移（服务指南 十、受理条件（二）；"
    "《浙江省失业保险条例》第三十二条）。",
    "missing:id_card": "请提交社会保障卡或居民身份证：系统未能获取完整的身份数据"
    "（服务指南 十二、申请材料目录 第1项）。",
    "missing:application_form": "请提交《社会保险关系转移接续“一件事”联办申请表》"
    "（服务指南 十二、申请材料目录 第2项，必要）。",
    "missing:stamped_id_copy": "单位代办的，请提交加盖单位公章的社会保障卡或身份证复印件一份"
    "（服务指南 十二、申请材料目录 第3项）。",
    "missing:hukou_certificate": "户籍地与居民身份证信息不一致的领取失业保险金人员，请提交户籍证明"
    "（服务指南 十二、申请材料目录 第4项）。",
}

# seed 000 二十、(三): 做出不予转入决定的，应当说明理由，并告知申请人救济途径.
# The periods are national rules, not in the seeds: 《行政复议法》第二十条 (60 days) and
# 《行政诉讼法》第四十六条 (6 months).
REMEDIES_ZH = (
    "申请人对本决定不服的，可以自知道或者应当知道本决定之日起六十日内依法申请行政复议，"
    "也可以自知道或者应当知道本决定之日起六个月内依法向人民法院提起行政诉讼。"
)


def explain(decision: Decision) -> list[str]:
    """The Chinese sentences to show for a decision: reasons or materials, then remedies."""
    lines = [REASON_TEXT_ZH[code] for code in decision.reasons]
    lines += [REASON_TEXT_ZH[code] for code in decision.missing_materials]
    if decision.decision == REFUSED:
        lines.append(REMEDIES_ZH)
    return lines
