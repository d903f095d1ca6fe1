"""What the documents print for codes: Chinese labels, default limits, number words."""

from __future__ import annotations

INSURANCE_ZH = {
    "pension": "企业职工基本养老保险",
    "medical": "基本医疗保险",
    "unemployment": "失业保险",
}
# The short names staff pages, letters and the documents' list use.
INSURANCE_SHORT_ZH = {"pension": "养老保险", "medical": "医疗保险", "unemployment": "失业保险"}
HUKOU_TYPE_ZH = {"urban": "城镇户籍", "rural": "农村户籍"}
# 医疗保障类型 as seed 003 第二条 names the three schemes, plus the merged resident scheme.
MEDICAL_SCHEME_ZH = {
    "employee": "城镇职工基本医疗保险",
    "urban_resident": "城镇居民基本医疗保险",
    "resident": "城乡居民基本医疗保险",
    "ncms": "新型农村合作医疗",
}
# The bundle transfers enterprise-employee insurance (seed 000 十、受理条件(一)).
DEFAULT_MEDICAL_SCHEME = "employee"
CHANNEL_ZH = {"online": "浙江政务服务网", "window": "服务窗口"}
DELIVERY_ZH = {"on_site": "当场送达", "electronic": "电子文件网上送达", "express": "邮寄送达"}
# seed 000 十二、申请材料目录, names as printed there.
MATERIAL_NAME_ZH = {
    "missing:id_card": "社会保障卡或居民身份证",
    "missing:application_form": "《社会保险关系转移接续“一件事”联办申请表》",
    "missing:stamped_id_copy": "社会保障卡或身份证复印件一份（加盖公章，单位代办提交）",
    "missing:hukou_certificate": "户籍证明（户籍地与居民身份证信息不一致的领取失业保险金人员需提供）",
}
OUTCOME_ZH = {
    "completed": "已办结",
    "refused": "不予转入",
    "ineligible": "不符合转移条件，未转移",
}
# Where the diagrams put the written reasons of an outcome that is not "completed".
OUTCOME_REASON_FIELDS = {
    ("pension", "refused"): "pension_refusal_reasons",
    ("pension", "ineligible"): "pension_ineligible_reasons",
    ("medical", "refused"): "medical_refusal_reasons",
    ("medical", "ineligible"): "medical_ineligible_reasons",
    ("unemployment", "refused"): "unemployment_refusal_reasons",
    ("unemployment", "ineligible"): "unemployment_out_refusal_reasons",
}
ACCOUNT_HANDLING_ZH = {
    "transferred": "随基本医疗保险关系划转",
    # seed 001: the new place has no outpatient pooling → refunded to the person in one sum
    "refunded": "一次性退还本人",
    "no_balance": "无余额",
}

# Default limits printed in letters and notices, in working days. Regions may differ
# (processes/limits.json); a caller passes "limit_days" / "committed_days" / "legal_days".
BUNDLE_COMMITTED_DAYS = 9  # seed 000 十六、承诺期限
BUNDLE_LEGAL_DAYS = 45  # seed 000 十六、法定期限
LETTER_LIMIT_DAYS = {
    "medical": 15,  # 人社厅发〔2016〕94号 规程 第六条: 收到《联系函》之日起15个工作日内
    "pension": 15,  # 国办发〔2009〕66号 第八条(三) (national rule): 接到联系函15个工作日内
    "unemployment": 5,  # 浙江省失业保险关系转移接续暂行办法(2017) 第六条(三)、第九条(三)
}

# Words of the default document numbers (机关代字 + word + 〔year〕 + sequence + 号).
NUMBER_WORD = {
    "correction_notice": "人社补告",
    "refusal_decision": "人社不受",
    "completion_notice": "人社办结",
    "acceptance_notice": "人社受",
    "delivery_receipt": "人社送",
    ("contact_letter", "medical"): "医保联",
    ("contact_letter", "pension"): "社保联",
    ("contact_letter", "unemployment"): "就业联",
    ("info_table", "medical"): "医保信",
    ("info_table", "pension"): "社保信",
    "reply_letter": "就业复",
}
