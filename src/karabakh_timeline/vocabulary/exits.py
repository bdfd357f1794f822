"""Exit codes: one meaning each, for every command (README, "Exit codes")."""
from __future__ import annotations

EXIT_OK = 0  # valid, no differences, done
EXIT_INVALID = 1  # invalid data, differences found, refused
EXIT_USAGE = 2  # the arguments cannot be honoured
EXIT_UNREADABLE = 3  # the package, a file or a revision cannot be read
EXIT_INTERNAL = 4  # a bug: an unexpected exception, reported as internal-error in one line

# What each exit code means, for README's generated table (scripts/update_readme.py).
MEANINGS = {
    EXIT_OK: "valid (no errors; with `--strict`, no warnings either); no differences; done",
    EXIT_INVALID: "invalid data (an issue of level file, cell, table or rule); differences found (diff); files that would change or "
                  "were refused (format)",
    EXIT_USAGE: "usage error: an unknown option, a bad `--format` or `--max-issues`, a command that cannot be honoured on this input "
                "(an unwritable or non-UTF-8 `--out`, the bundled dataset given to `format`, an odd `SOURCE_DATE_EPOCH`); issues of "
                "level usage",
    EXIT_UNREADABLE: "cannot read the package: missing or broken `datapackage.json` or schema, a resource path outside the package "
                     "(absolute, `..`, a symlink leading out), a path with a NUL, a lone surrogate or over-long names, a symlink loop, "
                     "a missing or unreadable file, a revision or zip that cannot be read, a feature out of scope "
                     "(`unsupported-feature`: xlsx, ods, JSON resources, a remote path — a URL is never fetched...); issues of level read",
    EXIT_INTERNAL: "internal error: a bug in the tool, never a verdict on the data. One line on stderr, `Error: internal-error: …`; "
                   "`--debug` (before the command) or `KT_DEBUG=1` prints the traceback too. Please report it",
}
