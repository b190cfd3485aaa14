"""The exit codes the command line documents (docs/cli.md, "Output and exit codes")."""

from __future__ import annotations

from typing import Final

#: success (validate: no errors; warnings may have been printed)
OK: Final = 0
#: an expected error: a configuration problem, a missing file, a failed tool, a wrong option
ERROR: Final = 1
#: changes present (plan) or drift (status)
CHANGES: Final = 2
#: a bug: one line, the traceback only with --debug
INTERNAL: Final = 3
#: Ctrl-C
INTERRUPTED: Final = 130
