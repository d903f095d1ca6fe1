"""Project exceptions: a stable code, a message a clerk can read, and the HTTP status to use."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FieldError",
    "AppError",
    "NotFound",
    "Forbidden",
    "Conflict",
    "ValidationFailed",
    "WorkflowFailed",
]


@dataclass(frozen=True, order=True)
class FieldError:
    field: str  # JSON pointer (RFC 6901) into the input, "" for the whole body
    message: str  # Chinese, for the applicant or the clerk

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}

    as_dict = to_dict


class AppError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotFound(AppError):
    code = "not_found"
    status = 404


class Forbidden(AppError):
    code = "forbidden"
    status = 403


class Conflict(AppError):
    """Someone else changed the case or took the task first; reload and look again."""

    code = "conflict"
    status = 409


class ValidationFailed(AppError):
    code = "invalid"
    status = 422

    def __init__(self, message: str, errors: list[FieldError]) -> None:
        super().__init__(message)
        self.errors = errors


class WorkflowFailed(AppError):
    """The diagram could not continue (a modelling error); nothing was saved."""

    code = "workflow_error"
    status = 422
