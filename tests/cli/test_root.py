"""The root group: commands listed in the order of a user's day, and a fast --help."""

from __future__ import annotations

import subprocess
import sys

from sbkube_ci.cli import exit_codes
from tests.cli.helpers import ROOT, invoke

DAY = [
    "validate", "migrate", "schema", "prepare", "build", "template", "plan", "deploy",
    "rollback", "status", "history", "lock", "state", "cache", "notify", "ci",
]  # fmt: skip


def test_help_lists_the_commands_in_the_order_of_a_users_day() -> None:
    code, out, _ = invoke("--help")
    assert code == exit_codes.OK
    listed = out.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed if line.strip()] == DAY


def test_subcommands_are_listed_in_their_order_too() -> None:
    _, out, _ = invoke("lock", "--help")
    listed = out.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed if line.strip()] == ["status", "acquire", "release"]


def test_help_imports_no_command_module() -> None:
    """A command imports its ``commands`` module (and the Kubernetes client) when it runs."""
    script = (
        "import sys\n"
        "from sbkube_ci.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('sbkube_ci.commands', 'kubernetes')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "[]"
