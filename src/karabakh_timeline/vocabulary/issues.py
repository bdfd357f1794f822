"""Issues and the validation report: the only result of validation (rendered by check.render)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from karabakh_timeline.vocabulary.codes import READ, code
from karabakh_timeline.vocabulary.exits import EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE

_VALUE_LIMIT = 200  # long cells (a 10 MB summary) are cut in reports, never in data


@dataclass(frozen=True)
class Issue:
    """One problem in the data: where it is, what it is, and the offending value."""

    code: str
    message: str
    table: str | None = None
    line: int | None = None
    field: str | None = None
    value: str | None = None
    severity: str = ""

    def __post_init__(self) -> None:
        if not self.severity:
            object.__setattr__(self, "severity", code(self.code).severity)
        if self.value is not None:
            text = str(self.value)
            if len(text) > _VALUE_LIMIT:
                text = text[:_VALUE_LIMIT] + f"… ({len(text)} characters)"
            object.__setattr__(self, "value", text)

    def sort_key(self) -> tuple[Any, ...]:
        """Order issues by table, line, field and code, so every report reads the same way."""
        return (self.table or "", self.line or 0, self.field or "", self.code, self.value or "")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping with every key present (null when unknown)."""
        return asdict(self)


@dataclass
class Report:
    """Everything validation found in one package, plus what it looked at."""

    package: str
    issues: list[Issue] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)  # table -> data rows read
    files: dict[str, str] = field(default_factory=dict)  # table -> CSV path as the user would name it
    profile: str = "none"  # the validation profile applied (policy.profile): timeline or none

    def __post_init__(self) -> None:
        self.issues.sort(key=Issue.sort_key)

    @property
    def errors(self) -> list[Issue]:
        """Issues of severity error."""
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """Issues of severity warning."""
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def unreadable(self) -> bool:
        """True when part of the package could not be read at all."""
        return any(code(i.code).level == READ for i in self.issues)

    def valid(self, strict: bool = False) -> bool:
        """True when there are no errors (and, with strict, no warnings)."""
        return not self.errors and not (strict and self.warnings)

    def exit_code(self, strict: bool = False) -> int:
        """0 valid, 1 invalid, 3 when the package or one of its files could not be read."""
        if self.unreadable:
            return EXIT_UNREADABLE
        return EXIT_OK if self.valid(strict) else EXIT_INVALID

    def to_dict(self, strict: bool = False) -> dict[str, Any]:
        """The documented JSON form of the report."""
        return {
            "package": self.package,
            "valid": self.valid(strict),
            "strict": strict,
            "profile": self.profile,
            "summary": {
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "tables": len(self.tables),
                "rows": sum(self.tables.values()),
            },
            "tables": dict(sorted(self.tables.items())),
            "issues": [i.to_dict() for i in self.issues],
        }
