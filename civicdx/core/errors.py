"""One application error type for every mistake a user can cause.

Each error carries a stable ``code`` (for API clients and tests), a Japanese message (the product speaks
Japanese first) and optional structured ``details`` such as a list of row-level problems.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A user-caused error: stable code, Japanese message, optional details; maps to an HTTP status."""

    status = 400

    def __init__(self, code: str, message: str, *, details: Any = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            data["details"] = self.details
        return data


class PermissionDeniedError(ApplicationError):
    status = 403

    def __init__(self, message: str = "この操作を行う権限がありません。", *, code: str = "permission_denied"):
        super().__init__(code, message)


class NotFoundError(ApplicationError):
    status = 404

    def __init__(self, message: str = "対象が見つかりません。", *, code: str = "not_found"):
        super().__init__(code, message)
