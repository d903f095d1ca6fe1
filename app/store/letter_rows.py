"""Which case of this deployment handles a transfer it received by letter (transfer key ->
case), so that the transfer's later letters reach that case."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from .db import Tx, connection_of
from .models import Base


class TransferCase(Base):
    """A transfer-out case opened by a contact letter from another deployment."""

    __tablename__ = "transfer_case"

    transfer_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), unique=True)


def case_of_transfer(tx: Tx, transfer_key: str) -> int | None:
    found = connection_of(tx).execute(
        select(TransferCase.case_id).where(TransferCase.transfer_key == transfer_key)
    )
    return found.scalar_one_or_none()


def link_transfer(tx: Tx, transfer_key: str, case_id: int) -> None:
    """Record the case of a transfer; a second case for one transfer breaks the primary key."""
    connection_of(tx).execute(
        insert(TransferCase).values(transfer_key=transfer_key, case_id=case_id)
    )
