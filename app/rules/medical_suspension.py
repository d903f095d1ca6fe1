"""Suspending medical insurance at the transfer-out place: the 3-month registration date."""

from __future__ import annotations

from datetime import date

from app.kernel.workdays import add_months

# 人社部发〔2009〕191号 第六条: 无接收单位的，个人应在中止原基本医疗保险关系后的3个月内到新就业地
# 社会（医疗）保险经办机构办理登记手续.
REGISTRATION_MONTHS = 3


def registration_deadline(suspended_on: date) -> date:
    """Last day to register at the new place when there is no receiving employer (seed 003
    第六条): the suspension day (Asia/Shanghai) plus 3 months as the law counts months
    (民法典 第二百零二条: the corresponding day, or the month's last day; workdays.add_months)."""
    return add_months(suspended_on, REGISTRATION_MONTHS)
