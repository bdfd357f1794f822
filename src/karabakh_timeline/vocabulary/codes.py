"""The registry of issue codes: every problem the tools report has one entry here.

README's table of codes is generated from this registry and a test keeps the two in step.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

READ = "read"  # the package or a file cannot be read at all: exit 3
FILE = "file"  # bytes, CSV structure and header of one table
CELL = "cell"  # one cell against its field's type and constraints
TABLE = "table"  # keys across rows and tables
RULE = "rule"  # timeline rules that Table Schema cannot express
USAGE = "usage"  # the command cannot do what it was asked on this input: exit 2
INTERNAL = "internal"  # a bug in the tool, not a problem of the input: exit 4
DIFF = "diff"  # found by comparing two versions of the package (karabakh-timeline diff)

# Profiles: which packages a code applies to. Spec codes (the Data Package, Table Schema and CSV
# Dialect specifications) apply to every package; timeline codes are this dataset's house rules,
# reported only when a package declares the timeline profile (policy.profile) or --profile timeline.
SPEC = "spec"
TIMELINE = "timeline"
PROFILES = (TIMELINE, "none")  # what a package may declare and --profile may choose ("none": spec checks only)


@dataclass(frozen=True)
class Code:
    """One issue code: its name, level, default severity and what it means."""

    name: str
    level: str
    severity: str
    title: str
    template: str = ""  # the one message for this code, with {placeholders}; "" when each site words its own
    profile: str = SPEC  # SPEC, or TIMELINE for a house rule of this dataset

    def message(self, **values: object) -> str:
        """The message for this code, filled in (KeyError when a placeholder has no value: a bug)."""
        if not self.template:
            raise ValueError(f"code {self.name} has no message template")
        return self.template.format(**values)


_CODES = [
    # Reading the package (exit 3).
    Code("package-not-found", READ, "error", "No datapackage.json at the given path."),
    Code("package-invalid-json", READ, "error", "datapackage.json or a schema file is not valid JSON (or not UTF-8)."),
    Code("package-invalid", READ, "error", "The descriptor is not a tabular data package this tool can read (missing resources, path or schema)."),
    Code("schema-invalid", READ, "error", "A Table Schema is malformed: unknown field type, constraint or key."),
    Code("path-unsafe", READ, "error", "A resource or schema path is absolute, contains '..', or resolves (through a symlink) outside the package directory."),
    Code("file-missing", READ, "error", "A resource's file does not exist or is not a regular file."),
    Code("file-unreadable", READ, "error", "A resource's file exists but cannot be opened."),
    Code("unsupported-feature", READ, "error", "A resource uses a feature out of scope (xlsx, ods, JSON resources, other compressions, "
         "multi-file resources, inline data that is not rows, a remote path: a URL is never fetched): one issue naming it; nothing of "
         "that resource is read."),
    Code("revision-not-found", READ, "error", "diff: an argument is neither an existing path nor a git revision of the current repository (or it starts with '-')."),
    Code("zip-too-large", READ, "error", "diff: the files a release zip's package uses unpack to more than 4 GiB, or one compresses more "
         "than 200 to 1 (a zip bomb, not CSV)."),
    Code("zip-invalid", READ, "error", "diff: a release zip that cannot be opened or extracted."),
    Code("package-bundled", USAGE, "error", "format was pointed (or, without PATH outside a package, fell back) at the bundled, installed "
         "dataset, which commands never write to."),
    Code("internal-error", INTERNAL, "error", "An unexpected exception inside a command (a bug): one line on stderr and exit 4; "
         "--debug or KT_DEBUG=1 prints the traceback.", "{detail} (a bug: please report it; --debug or KT_DEBUG=1 shows the traceback)"),
    # File structure.
    Code("empty-file", FILE, "error", "The CSV file has no bytes at all, not even a header."),
    Code("encoding-error", FILE, "error", "Bytes that are not valid UTF-8."),
    Code("encoding-mismatch", FILE, "error", "The bytes are not in the encoding the resource declares (e.g. declared ascii, really UTF-8); "
         "the file was read as UTF-8.", "the file is declared {declared} but is not: {detail}"),
    Code("integrity-mismatch", FILE, "error", "The file's size or hash is not the bytes or hash its resource declares.",
         "{what} is {found} but the resource declares {declared}"),
    Code("byte-order-mark", FILE, "error", "The file starts with a UTF-8 byte-order mark (canonical files have none)."),
    Code("line-ending", FILE, "error", "The file uses CR or CRLF line endings (canonical files use LF)."),
    Code("nul-byte", FILE, "error", "A NUL byte in the file."),
    Code("parse-error", FILE, "error", "The CSV cannot be parsed from here on (e.g. a quote that is never closed)."),
    Code("header-too-wide", FILE, "error", "The header has more than 16,384 columns (a spreadsheet's limit): the file is not read further, "
         "so that a million columns cannot mean a million issues."),
    Code("duplicate-header", FILE, "error", "A column name appears twice in the header."),
    Code("missing-column", FILE, "error", "A field of the schema has no column in the header."),
    Code("extra-column", FILE, "error", "A header column that the schema does not define."),
    Code("header-order", FILE, "error", "The header's columns are not in the schema's order."),
    Code("missing-cell", FILE, "error", "A row has fewer cells than the header."),
    Code("extra-cell", FILE, "error", "A row has more cells than the header."),
    Code("blank-row", FILE, "error", "A row whose cells are all empty."),
    Code("file-linked", FILE, "error", "format: a data file that is a symlink or has other hard links; replacing it would cut the link, so "
         "format refuses."),
    Code("file-changed", FILE, "error", "format: the file changed on disk (size, mtime or hash) after it was read; it is not overwritten."),
    # Cells.
    Code("type-error", CELL, "error", "The value cannot be read as the field's type (integer, number, date...).", "{value!r} is not {expected}"),
    Code("missing-value", CELL, "error", "A required field is empty.", "a required value is missing"),
    Code("enum-value", CELL, "error", "The value is not one of the field's allowed values.",
         "{value!r} is not one of the allowed values ({allowed})"),
    Code("pattern-mismatch", CELL, "error", "The value does not match the field's pattern.", "{value!r} does not match the pattern {pattern}"),
    Code("text-length", CELL, "error", "The value is shorter than minLength or longer than maxLength (characters of a string, items of a "
         "list or array, keys of an object).", "{value!r} length out of bounds (min {low}, max {high} {unit})"),
    Code("json-schema-mismatch", CELL, "error", "An object or array value that does not conform to its field's jsonSchema constraint "
         "(Table Schema v2; checked by the jsonschema library, remote $refs never fetched).",
         "{value!r} does not conform to the field's jsonSchema: {detail}"),
    Code("out-of-range", CELL, "error", "The number or date is below minimum or above maximum.", "{value!r} outside the allowed range ({low} to {high})"),
    Code("duplicate-value", CELL, "error", "A value of a unique field appears in more than one row (reported on every later row, "
         "naming the line of the first).",
         "{value!r} already appears on line {first}"),
    Code("country-code", CELL, "error", "Not an ISO 3166-1 alpha-3 country code."),
    Code("language-tag", CELL, "error", "Not a valid BCP-47 language tag."),
    Code("edtf-invalid", CELL, "error", "date_edtf is not a valid EDTF string."),
    # Keys.
    Code("duplicate-key", TABLE, "error", "Two rows share a primary key (reported on every later row, naming the line of the first).", "{value!r} the primary key already appears on line {first}"),
    Code("foreign-key", TABLE, "error", "A reference to a row that does not exist in the referenced table.",
         "{value!r} not found in the referenced table ({target})"),
    Code("references-unchecked", TABLE, "warning", "Foreign keys into a table whose file failed to parse were not checked (its rows "
         "after the error are lost, so every reference to them would be reported).",
         "foreign keys into {targets} were not checked: that file failed to parse"),
    # Timeline rules.
    Code("date-order", RULE, "error", "date_end is before date_start."),
    Code("date-precision", RULE, "error", "The dates do not fit date_precision (month precision must span the whole month, year the whole year)."),
    Code("edtf-mismatch", RULE, "error", "The bounds of date_edtf disagree with date_start and date_end."),
    Code("future-date", RULE, "error", "A date after today."),
    Code("event-unsourced", RULE, "error", "An event with no row in event_sources."),
    Code("event-without-actor", RULE, "warning", "An event with no row in event_actors."),
    Code("retired-id-reused", RULE, "error", "An ID listed in retired_ids is in use again."),
    Code("unsafe-text", RULE, "error", "Leading, trailing or double spaces, control characters, or a leading =, +, -, @ that a spreadsheet would run as a formula."),
    Code("url-scheme", RULE, "error", "A URL that is not http or https."),
    Code("url-invalid", RULE, "error", "An http(s) URL that an RFC 3986 parser (rfc3986) refuses: a space or another character that must be "
         "percent-encoded, no host, a malformed host, port, path, query or fragment."),
    Code("fatalities-order", RULE, "error", "Fatality figures out of order: low <= best <= high must hold."),
    Code("role-period", RULE, "warning", "A statement dated outside every office its speaker held (when the speaker has roles)."),
    Code("speaker-without-role", RULE, "warning", "A person who makes a statement has no office recorded in actor_roles."),
    Code("self-relation", RULE, "error", "An event related to itself."),
    Code("rule-requirement-missing", RULE, "warning", "A table a rule checks is present but lacks a field the rule needs, so the rule did not run "
         "(a package without the table at all is not warned about).", "rule {rule} needs {table}.{field}, which is missing: the rule did not run"),
    # Trust model (README, "Trust model").
    Code("verification-unsupported", RULE, "error", "A confirmed event without independent corroboration: two distinct original publishers (not reference, aggregator or blog; not published before the event) with one third-party, or one from each side."),
    Code("verification-understated", RULE, "warning", "A single_source or party_claim event whose sources already give independent corroboration."),
    Code("dispute-unrecorded", RULE, "warning", "A disputed event with no linked statement that contests it (deny, reject, accuse, claim) and no note saying who disputes what."),
    Code("source-weak-only", RULE, "error", "An event or statement whose only sources are aggregators or blogs without a known original publisher."),
    Code("verbatim-language", RULE, "error", "A verbatim statement whose original_language is unknown or differs from language (an English rendering of other words is a translation)."),
    Code("url-publisher-mismatch", RULE, "warning", "A source URL whose host is not one of its publisher's (or original publisher's) domains."),
    Code("url-host", RULE, "error", "A URL whose host cannot be a real publishing address: a trailing dot, an IP address, no dot, or a host a publisher lists in bad_hosts."),
    Code("source-before-event", RULE, "warning", "A source published before the start of the event it is linked to."),
    Code("duplicate-source", RULE, "error", "Two sources with the same URL, or the same story of the same original publisher (same title)."),
    Code("publisher-duplicate", RULE, "error", "Two publishers share a domain or a name (aliases included): one outlet, one row."),
    # Comparing two versions.
    Code("unrecorded-removal", DIFF, "error", "A row's ID disappeared from NEW without an entry in NEW's retired_ids."),
]

# The house rules: canonical bytes (UTF-8 without BOM, LF, header in schema order), and every rule of
# check/rules (level RULE), the codes those rules report at cell level, and the diff's retirement rule.
_TIMELINE_CODES = frozenset({"byte-order-mark", "line-ending", "header-order", "country-code", "language-tag", "edtf-invalid",
                             "unrecorded-removal"})
CODES: dict[str, Code] = {
    c.name: replace(c, profile=TIMELINE) if c.level == RULE or c.name in _TIMELINE_CODES else c for c in _CODES
}


def code(name: str) -> Code:
    """Return the registered code called name (KeyError for an unknown code: a bug, not data)."""
    return CODES[name]


def in_profile(name: str, profile: str) -> bool:
    """True when code name is reported under profile (TIMELINE reports every code; any other profile the spec codes only)."""
    return profile == TIMELINE or CODES[name].profile == SPEC


def is_usage(name: str) -> bool:
    """True for the codes that mean "the command cannot be honoured on this input" (level usage: exit 2)."""
    return CODES[name].level == USAGE


def cannot_read(name: str) -> bool:
    """True for the codes that mean "the input cannot be read at all" (level read: exit 3)."""
    return CODES[name].level == READ
