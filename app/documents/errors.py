"""Errors of the documents package: data missing for a document, or an unknown document kind."""

from __future__ import annotations

from app.kernel.errors import AppError, NotFound


class DocumentDataError(AppError):
    """A field a document needs is missing or unusable; `field` is its dotted path in the data.

    `message_zh` is written for the clerk who has to supply the data, e.g.
    DocumentDataError("household_head.name", "缺少户主姓名").
    """

    code = "document_data"
    status = 422

    def __init__(self, field: str, message_zh: str) -> None:
        super().__init__(f"生成文书所需数据有误（{field}）：{message_zh}")
        self.field = field
        self.message_zh = message_zh


class UnknownDocumentKind(NotFound):
    """No document of that kind exists (see DOCUMENT_KINDS)."""

    code = "unknown_document"

    def __init__(self, kind: str) -> None:
        super().__init__(f"没有这种文书：{kind}")
        self.kind = kind
