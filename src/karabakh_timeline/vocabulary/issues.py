"""Issues and the validation report: the only result of validation (rendered by check.render)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from karabakh_timeline.vocabulary.codes import READ, code
from karabakh_timeline.vocabulary.exits import EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE

_VALUE_LIMIT = 200  # long cells (a 10 MB summary) are cut in reports, never in data
_MESSAGE_LIMIT = 1000  # a message quoting a 50 MB cell is cut too
_FIELD_LIMIT = 200  # a header name a megabyte long
MAX_ISSUES = 1000  # issues shown per code and table by default (--max-issues); the summary keeps the true counts


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


def encodable(text: str) -> str:
    """text with lone surrogates (from a file name that is not UTF-8) escaped, so that it can be printed as UTF-8."""
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


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
            object.__setattr__(self, "value", encodable(_cut(str(self.value), _VALUE_LIMIT)))
        object.__setattr__(self, "message", encodable(_cut(self.message, _MESSAGE_LIMIT)))
        if self.field is not None:
            object.__setattr__(self, "field", encodable(_cut(self.field, _FIELD_LIMIT)))

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

    omitted: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (code, table, severity) -> issues not kept

    def __post_init__(self) -> None:
        self.package = encodable(self.package)
        self.files = {k: encodable(v) for k, v in self.files.items()}
        self.issues.sort(key=Issue.sort_key)

    def cap(self, limit: int = MAX_ISSUES) -> Report:
        """Keep the first limit issues of each code in each table (0: all); the others are counted in omitted."""
        if limit <= 0:
            return self
        seen: dict[tuple[str, str], int] = {}
        kept = []
        for issue in self.issues:
            key = (issue.code, issue.table or "")
            seen[key] = seen.get(key, 0) + 1
            if seen[key] <= limit:
                kept.append(issue)
            else:
                where = (issue.code, issue.table or "", issue.severity)
                self.omitted[where] = self.omitted.get(where, 0) + 1
        self.issues = kept
        return self

    def _total(self, severity: str) -> int:
        return sum(1 for i in self.issues if i.severity == severity) + sum(n for (_, _, s), n in self.omitted.items() if s == severity)

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
                "errors": self._total("error"),
                "warnings": self._total("warning"),
                "tables": len(self.tables),
                "rows": sum(self.tables.values()),
                "shown": len(self.issues),
            },
            "tables": dict(sorted(self.tables.items())),
            "issues": [i.to_dict() for i in self.issues],
            "omitted": [{"code": c, "table": t or None, "severity": s, "count": n} for (c, t, s), n in sorted(self.omitted.items())],
        }

    @property
    def totals(self) -> tuple[int, int]:
        """The true numbers of errors and warnings, omitted ones included."""
        return self._total("error"), self._total("warning")
