"""Findings as data: a coded problem with a severity, a message and a JSON path.

The verification report contract (DESIGN.md section 5) is built from these. Checks in the core
return lists of problems instead of raising, so a caller always gets every finding at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding. ``code`` is flat snake_case and stable once released (docs/error-codes.md)."""

    code: str
    message: str
    severity: Severity = Severity.ERROR
    path: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "path": self.path,
            "details": dict(self.details),
        }


class BadgeError(Exception):
    """Base of the core's exceptions; each carries a stable ``code`` and a path when known."""

    code: str = "badge_error"

    def __init__(self, message: str, *, code: str | None = None, path: str = "") -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.path = path

    def to_problem(self, severity: Severity = Severity.ERROR) -> Problem:
        return Problem(code=self.code, message=str(self), severity=severity, path=self.path)
