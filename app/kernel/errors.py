"""Project exceptions: a stable code, a message a clerk can read, and the HTTP status to use."""

from __future__ import annotations

from app.rules.application_schema import FieldError

__all__ = [
    "FieldError",
    "AppError",
    "NotFound",
    "Forbidden",
    "Conflict",
    "ValidationFailed",
    "WorkflowFailed",
]


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
