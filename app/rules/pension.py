"""Pension transfer rules: the temporary account for older movers (national rule)."""

from __future__ import annotations

from datetime import date

from app.rules.id_number import IdInfo, age_on
from app.rules.regions import same_pooling_region

# 国办发〔2009〕66号 第六条 (national rule, not in the seeds): men aged 50+ and women aged 40+
# moving to a place that is not their 户籍 place get a temporary contribution account there;
# the relationship stays where it was.
TEMPORARY_ACCOUNT_AGE = {"male": 50, "female": 40}


def temporary_account_required(
    person: IdInfo, hukou_region: str, transfer_in_region: str, on: date
) -> bool:
    """国办发〔2009〕66号 第六条: a temporary account instead of a transfer of the relationship."""
    old_enough = age_on(person.birth_date, on) >= TEMPORARY_ACCOUNT_AGE[person.gender]
    return old_enough and not same_pooling_region(hukou_region, transfer_in_region)
