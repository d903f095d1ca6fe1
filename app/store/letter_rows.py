"""The transfer each letter-opened case of this deployment works on (a transfer-out agency's
run, opened by a letter from the deployment that accepted the bundle)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, insert
from sqlalchemy.orm import Mapped, mapped_column

from .db import Tx, connection_of
from .models import Base


class TransferCase(Base):
    """A case opened by a letter from another deployment, and the transfer it belongs to."""

    __tablename__ = "transfer_case"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    transfer_key: Mapped[str] = mapped_column(String(100), index=True)


def link_transfer(tx: Tx, transfer_key: str, case_id: int) -> None:
    connection_of(tx).execute(
        insert(TransferCase).values(transfer_key=transfer_key, case_id=case_id)
    )
