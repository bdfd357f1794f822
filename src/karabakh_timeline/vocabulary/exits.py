"""Exit codes: one meaning each, for every command (README, "Exit codes")."""
from __future__ import annotations

EXIT_OK = 0  # valid, no differences, done
EXIT_INVALID = 1  # invalid data, differences found, refused
EXIT_USAGE = 2  # the arguments cannot be honoured
EXIT_UNREADABLE = 3  # the package, a file or a revision cannot be read
EXIT_INTERNAL = 4  # a bug: an unexpected exception, reported as internal-error in one line
