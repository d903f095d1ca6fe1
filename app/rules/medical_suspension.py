"""Suspending medical insurance at the transfer-out place: the 3-month registration date."""

from __future__ import annotations

import calendar
from datetime import date

# 人社部发〔2009〕191号 第六条: 无接收单位的，个人应在中止原基本医疗保险关系后的3个月内到新就业地
# 社会（医疗）保险经办机构办理登记手续.
REGISTRATION_MONTHS = 3


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later; a day the target month lacks becomes its
    last day (11-30 + 3 months = 02-28, or 02-29 in a leap year)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def registration_deadline(suspended_on: date) -> date:
    """Last day to register at the new place when there is no receiving employer (seed 003
    第六条): the suspension day (Asia/Shanghai) plus 3 calendar months."""
    return add_months(suspended_on, REGISTRATION_MONTHS)
