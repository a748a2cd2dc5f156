"""Exit statuses of the ``newscrawl`` command and the errors that lead to them.

README.md ("The newscrawl command") documents the statuses; a script or cron job tests
them, so they are named once, here.
"""

from __future__ import annotations

EXIT_OK = 0
#: An input, an output, the store or Redis failed; one line says what.
EXIT_FAILED = 1
#: The command line is wrong (argparse uses the same status for its own errors).
EXIT_USAGE = 2
#: Standard output was closed by its reader: 128 + SIGPIPE, what a shell reports for a
#: tool that a closed pipe stopped, so ``set -o pipefail`` scripts see the usual status.
EXIT_BROKEN_PIPE = 141


class CommandError(Exception):
    """A failure the user can act on: printed as one line, exit status 1."""


class UsageError(CommandError):
    """A wrong command line: one line, exit status 2."""
