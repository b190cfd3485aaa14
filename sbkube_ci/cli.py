"""The command line: thin; parses options, calls ``commands.*``, maps errors to exit codes.

Each command imports its ``commands`` module when it runs, so a command pays only for the
libraries it uses (the Kubernetes client alone takes about half a second to import).

Exit codes: 0 ok, 1 error, 2 changes present (plan) or drift (status), 3 internal error,
130 interrupted. Every option can also come from the environment: the common ones as
``SBKUBE_CHDIR``, ``SBKUBE_FILE``, ``SBKUBE_FORMAT``, ``SBKUBE_DEBUG``; the others as
``SBKUBE_<COMMAND>_<OPTION>`` (click's ``auto_envvar_prefix``).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from sbkube_ci import __version__
from sbkube_ci.ci.inputs import get_input
from sbkube_ci.cli_help import add_examples, complete_apps, complete_clusters
from sbkube_ci.errors import ConfigProblems, SbkubeError
from sbkube_ci.progress import Progress, progress_for
from sbkube_ci.terminal import COLOR_MODES, color_enabled

F = TypeVar("F", bound=Callable[..., Any])


def common_options(func: F) -> F:
    """-C/--chdir, -f/--file and --format, accepted by every subcommand."""
    func = click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        envvar="SBKUBE_FORMAT",
        show_default=True,
        help="Output for humans or machines.",
    )(func)
    return location_options(func)


def location_options(func: F) -> F:
    """-C/--chdir and -f/--file: where the project is (for commands with their own --format)."""
    func = click.option(
        "-f",
        "--file",
        type=click.Path(path_type=Path),
        envvar="SBKUBE_FILE",
        help="Config file (default: DIR/sbkube.yaml, else legacy config.yaml + sources.yaml).",
    )(func)
    return click.option(
        "-C",
        "--chdir",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path(),
        envvar="SBKUBE_CHDIR",
        help="Work in DIR (where sbkube.yaml lives).",
    )(func)


class _Cli(click.Group):
    """The root group; its ``main`` maps every outcome to the documented exit codes.

    Done here rather than in a wrapper function so that click's test runner exercises it too.
    """

    def main(  # type: ignore[override]
        self, args: list[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> NoReturn:
        argv = list(sys.argv[1:] if args is None else args)
        extra.pop("standalone_mode", None)
        try:
            code = super().main(argv, "sbkube-ci", standalone_mode=False, **extra)
        except SystemExit:
            raise
        except BaseException as exc:  # every outcome gets its exit code, bugs too
            code = _handle(exc, debug=_debug_requested(argv))
        sys.exit(code if isinstance(code, int) else 0)


def _debug_requested(argv: list[str]) -> bool:
    # the flag's environment form, and the GitHub Action / GitLab template input
    flags = (os.environ.get(name, "").strip().lower() for name in ("SBKUBE_DEBUG", "INPUT_DEBUG"))
    return "--debug" in argv or any(flag in {"1", "true", "yes", "on"} for flag in flags)


def _click_error(exc: click.ClickException) -> int:
    if isinstance(exc, click.exceptions.NoArgsIsHelpError) and exc.ctx:
        click.echo(exc.ctx.get_help())
        return 0
    hint = ""
    if isinstance(exc, click.UsageError) and exc.ctx:
        hint = f"; see {exc.ctx.command_path} --help"
    click.echo(f"error: {exc.format_message().rstrip('.')}{hint}", err=True)
    return 1


def _handle(exc: BaseException, *, debug: bool) -> int:
    """Print ``exc`` as the CLI contract says and return the exit code."""
    if isinstance(exc, KeyboardInterrupt | click.exceptions.Abort):
        click.echo("interrupted", err=True)
        return 130
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    if isinstance(exc, click.ClickException):
        return _click_error(exc)
    if debug:
        traceback.print_exception(exc)
    if isinstance(exc, SbkubeError):
        _print_error(exc)
        return exc.exit_code
    first_line = (str(exc).strip().splitlines() or [""])[0]
    click.echo(
        f"internal error: {type(exc).__name__}: {first_line}; rerun with --debug for the traceback",
        err=True,
    )
    return 3


@click.group(
    cls=_Cli,
    context_settings={"auto_envvar_prefix": "SBKUBE", "help_option_names": ["-h", "--help"]},
)
@click.option("--debug", is_flag=True, envvar="SBKUBE_DEBUG", help="Show tracebacks.")
@click.option(
    "--color",
    type=click.Choice(COLOR_MODES),
    default="auto",
    envvar="SBKUBE_COLOR",
    show_default=True,
    help="Colour diffs and progress: auto colours a terminal unless NO_COLOR is set.",
)
@click.version_option(__version__, prog_name="sbkube-ci")
@click.pass_context
def cli(ctx: click.Context, debug: bool, color: str) -> None:
    """sbkube-ci: prepare, build, template and deploy SBKube apps from CI."""
    ctx.obj = {"debug": debug, "color": color}


def terminal_ui() -> tuple[bool, Progress]:
    """Colour on stdout, and the progress reporter on stderr, for the running command."""
    ctx = click.get_current_context(silent=True)
    mode = str((ctx.find_root().obj or {}).get("color", "auto")) if ctx else "auto"
    color = color_enabled(mode, sys.stdout)
    return color, progress_for(sys.stderr, color=color_enabled(mode, sys.stderr))


@cli.command()
@common_options
@click.option(
    "--online",
    is_flag=True,
    help="Also check the state store itself (S3 bucket versioning, Git remote reachable).",
)
def validate(chdir: Path, file: Path | None, output_format: str, online: bool) -> None:
    """Check sbkube.yaml: schema, names, dependencies, repositories and files."""
    from sbkube_ci.commands import validate as validate_command

    sys.exit(validate_command.validate(chdir, file, output_format, online=online))


@cli.command()
@common_options
@click.option("--dry-run", is_flag=True, help="Print the changes as a diff; write nothing.")
def migrate(chdir: Path, file: Path | None, output_format: str, dry_run: bool) -> None:
    """Rewrite legacy sources.yaml + config.yaml, or SBKube's older shapes, as sbkube.yaml."""
    from sbkube_ci.commands import migrate as migrate_command

    sys.exit(migrate_command.migrate(chdir, file, dry_run=dry_run, output_format=output_format))


@cli.command()
@common_options
def schema(chdir: Path, file: Path | None, output_format: str) -> None:
    """Print the JSON Schema of sbkube.yaml (for editors)."""
    from sbkube_ci.commands import schema as schema_command

    sys.exit(schema_command.schema())


@cli.command()
@location_options
def ci(chdir: Path, file: Path | None) -> None:
    """Container entrypoint of the GitHub Action / GitLab template; reads INPUT_* variables.

    -C and -f stand in for the working-directory and config inputs when those are not set,
    so the entrypoint can be tried from a shell.
    """
    environ = dict(os.environ)
    if not get_input(environ, "working-directory") and chdir != Path():
        environ["INPUT_WORKING_DIRECTORY"] = str(chdir)
    if not get_input(environ, "config") and file is not None:
        environ["INPUT_CONFIG"] = str(file)
    from sbkube_ci.commands import ci as ci_command

    sys.exit(ci_command.run_ci(environ))


@cli.group()
def notify() -> None:
    """Chat and webhook notifications (Slack, Discord, generic webhook)."""


@notify.command("test")
@common_options
@click.option(
    "--notifier", metavar="NAME", help="Only this notifier (a key under notify:); default: all."
)
def notify_test(chdir: Path, file: Path | None, output_format: str, notifier: str | None) -> None:
    """Send a sample message to check the set-up; exit 1 if a delivery fails."""
    from sbkube_ci.commands import notify as notify_command

    sys.exit(notify_command.send_sample(chdir, file, notifier, output_format))


@cli.command()
@common_options
@click.option(
    "--app", "apps", shell_complete=complete_apps, multiple=True, help="Only this app (repeatable)."
)
@click.option(
    "--frozen/--no-frozen",
    default=None,
    help="Fail instead of changing sbkube.lock (default: on when CI=true).",
)
@click.option(
    "--update",
    multiple=True,
    is_flag=False,
    flag_value="*",
    metavar="[APP]",
    help="Re-resolve APP (repeatable), or every app when given without a name.",
)
@click.option("--keep-going", is_flag=True, help="Prepare the other apps after a failure.")
def prepare(
    *,
    chdir: Path,
    file: Path | None,
    output_format: str,
    apps: tuple[str, ...],
    frozen: bool | None,
    update: tuple[str, ...],
    keep_going: bool,
) -> None:
    """Resolve and fetch every app's source into the cache; write sbkube.lock."""
    from sbkube_ci.commands import prepare as prepare_command

    _, progress = terminal_ui()
    sys.exit(
        prepare_command.run(
            chdir,
            file,
            apps=apps,
            frozen=frozen,
            update=update,
            keep_going=keep_going,
            output_format=output_format,
            progress=progress,
        )
    )


@cli.command()
@common_options
@click.option(
    "--cluster",
    "clusters",
    shell_complete=complete_clusters,
    multiple=True,
    help="Only this cluster (repeatable).",
)
@click.option(
    "--app", "apps", shell_complete=complete_apps, multiple=True, help="Only this app (repeatable)."
)
@click.option("--live", is_flag=True, help="Diff against the cluster (server-side dry run).")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write plan.json (plan.md goes beside it); default .sbkube/plan.json.",
)
def plan(
    *,
    chdir: Path,
    file: Path | None,
    output_format: str,
    clusters: tuple[str, ...],
    apps: tuple[str, ...],
    live: bool,
    out: Path | None,
) -> None:
    """Show what a deploy would change, per cluster and app; exit 2 when something changes."""
    from sbkube_ci.commands import plan as plan_command

    color, progress = terminal_ui()
    try:
        code = plan_command.plan(
            chdir,
            file,
            clusters=clusters,
            apps=apps,
            live=live,
            out=out,
            output_format=output_format,
            color=color,
            progress=progress,
        )
    finally:
        progress.close()
    sys.exit(code)


def cluster_option(func: F) -> F:
    return click.option(
        "--cluster",
        shell_complete=complete_clusters,
        help="Cluster name from sbkube.yaml (default: the only one).",
    )(func)


@cli.command()
@location_options
@click.option("--cluster", shell_complete=complete_clusters, help="Only this cluster.")
@click.option("--app", shell_complete=complete_apps, help="Only deployments that touched this app.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "text", "json", "markdown"]),
    default="table",
    envvar="SBKUBE_FORMAT",
    show_default=True,
    help="table (text is the same), json or markdown.",
)
def history(
    chdir: Path,
    file: Path | None,
    *,
    cluster: str | None,
    app: str | None,
    limit: int,
    output_format: str,
) -> None:
    """Show deployments, rollbacks and lock take-overs, newest first."""
    from sbkube_ci.commands import history as history_command

    sys.exit(
        history_command.history(
            chdir, file, cluster=cluster, app=app, limit=limit, output_format=output_format
        )
    )


@cli.group()
def lock() -> None:
    """Inspect, take and release the per-cluster deploy lock."""


@lock.command("status")
@common_options
@cluster_option
def lock_status(chdir: Path, file: Path | None, output_format: str, cluster: str | None) -> None:
    """Who holds the cluster lock, and until when."""
    from sbkube_ci.commands import lock as lock_command

    sys.exit(lock_command.status(chdir, file, cluster, output_format))


@lock.command("acquire")
@common_options
@cluster_option
@click.option("--reason", default="", help="Shown to whoever waits for the lock.")
@click.option(
    "--wait", help="How long to wait for a held lock (0: fail at once; default lock.wait)."
)
@click.option("--lease", help="How long the lock lasts unless released (default lock.lease).")
def lock_acquire(
    chdir: Path,
    file: Path | None,
    *,
    output_format: str,
    cluster: str | None,
    reason: str,
    wait: str | None,
    lease: str | None,
) -> None:
    """Take the cluster lock; it stays held until `lock release` or the lease ends."""
    from sbkube_ci.commands import lock as lock_command

    _, progress = terminal_ui()
    try:
        code = lock_command.acquire(
            chdir,
            file,
            cluster,
            reason=reason,
            wait=wait,
            lease=lease,
            output_format=output_format,
            progress=progress,
        )
    finally:
        progress.close()
    sys.exit(code)


@lock.command("release")
@location_options
@cluster_option
@click.option("--force", is_flag=True, help="Break someone else's lock (recorded in history).")
@click.option("--reason", default="", help="Why the lock is broken (recorded in history).")
def lock_release(
    chdir: Path, file: Path | None, cluster: str | None, force: bool, reason: str
) -> None:
    """Release the lock this job took, or break any lock with --force."""
    from sbkube_ci.commands import lock as lock_command

    sys.exit(lock_command.release(chdir, file, cluster, force=force, reason=reason))


@cli.group()
def state() -> None:
    """Read the deploy state kept by the state backend, or move it to another backend."""


@state.command("show")
@common_options
@cluster_option
def state_show(chdir: Path, file: Path | None, output_format: str, cluster: str | None) -> None:
    """Print what is deployed on each cluster (or one, with --cluster)."""
    from sbkube_ci.commands import state as state_command

    sys.exit(state_command.show(chdir, file, cluster, output_format))


@state.command("seal")
@common_options
@cluster_option
def state_seal(chdir: Path, file: Path | None, output_format: str, cluster: str | None) -> None:
    """Re-store snapshots that hold Secret values in clear, or are sealed for an old key."""
    from sbkube_ci.commands import state as state_command

    sys.exit(state_command.seal(chdir, file, cluster, output_format))


@state.command("migrate")
@location_options
@click.option(
    "--to",
    "target",
    type=click.Choice(["git", "s3", "local"]),
    required=True,
    help="The backend to copy to; its settings are state.<backend> in sbkube.yaml.",
)
def state_migrate(chdir: Path, file: Path | None, target: str) -> None:
    """Copy state, history and snapshots to another backend (then switch state.backend)."""
    from sbkube_ci.commands import state_migrate as migrate_command

    sys.exit(migrate_command.migrate(chdir, file, target))


def selection_options(func: F) -> F:
    """--app, --cluster, --keep-going and --max-workers, shared by build and template."""
    func = click.option(
        "--max-workers",
        type=click.IntRange(1, 256),
        default=None,
        help="Parallel renders (default: settings.max_workers, else the CPU count).",
    )(func)
    func = click.option(
        "--keep-going",
        is_flag=True,
        help="Render the other apps after a failure (the exit code is still 1).",
    )(func)
    func = click.option(
        "--cluster",
        "clusters",
        shell_complete=complete_clusters,
        multiple=True,
        help="Only this cluster (repeatable; default: every cluster).",
    )(func)
    return click.option(
        "--app",
        "apps",
        shell_complete=complete_apps,
        multiple=True,
        help="Only this app (repeatable; default: every app).",
    )(func)


@cli.command()
@common_options
@selection_options
def build(
    *,
    chdir: Path,
    file: Path | None,
    output_format: str,
    apps: tuple[str, ...],
    clusters: tuple[str, ...],
    keep_going: bool,
    max_workers: int | None,
) -> None:
    """Copy charts to .sbkube/build/ with overrides, removes and merged values."""
    from sbkube_ci.commands import build as build_command

    sys.exit(
        build_command.build(
            chdir,
            file,
            output_format,
            apps=apps,
            clusters=clusters,
            keep_going=keep_going,
            max_workers=max_workers,
        )
    )


@cli.command()
@common_options
@selection_options
@click.option(
    "--changed-since",
    metavar="GIT_REF",
    default=None,
    help="Only apps whose inputs changed since GIT_REF, and the apps depending on them.",
)
def template(
    *,
    chdir: Path,
    file: Path | None,
    output_format: str,
    apps: tuple[str, ...],
    clusters: tuple[str, ...],
    keep_going: bool,
    max_workers: int | None,
    changed_since: str | None,
) -> None:
    """Render apps to .sbkube/rendered/<cluster>/<app>.yaml (cached by input digest)."""
    from sbkube_ci.commands import template as template_command

    _, progress = terminal_ui()
    sys.exit(
        template_command.template(
            chdir,
            file,
            output_format,
            clusters=clusters,
            apps=apps,
            changed_since=changed_since,
            keep_going=keep_going,
            max_workers=max_workers,
            progress=progress,
        )
    )


@cli.command()
@common_options
@click.option(
    "--cluster",
    "clusters",
    shell_complete=complete_clusters,
    multiple=True,
    help="Only this cluster (repeatable).",
)
@click.option(
    "--app", "apps", shell_complete=complete_apps, multiple=True, help="Only this app (repeatable)."
)
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Apply exactly this reviewed plan (refused if the state or the render moved).",
)
@click.option("--dry-run", is_flag=True, help="Server-side dry run; nothing is stored.")
@click.option(
    "--max-clusters",
    type=click.IntRange(1, 64),
    default=2,
    show_default=True,
    help="Clusters deployed at the same time.",
)
@click.option(
    "--lock-held",
    is_flag=True,
    help="Deploy under the lock you took with `lock acquire` (left held for `lock release`).",
)
def deploy(
    *,
    chdir: Path,
    file: Path | None,
    output_format: str,
    clusters: tuple[str, ...],
    apps: tuple[str, ...],
    plan_path: Path | None,
    dry_run: bool,
    max_clusters: int,
    lock_held: bool,
) -> None:
    """Apply what changed (or the reviewed plan) under each cluster's lock, and record it."""
    from sbkube_ci.commands import deploy as deploy_command

    request = deploy_command.DeployRequest(
        clusters, apps, plan_path, dry_run, max_clusters, lock_held=lock_held
    )
    _, progress = terminal_ui()
    sys.exit(
        deploy_command.deploy(chdir, file, request, output_format=output_format, progress=progress)
    )


@cli.command()
@common_options
@click.argument("app", shell_complete=complete_apps)
@cluster_option
@click.option("--to", "to_revision", type=click.IntRange(min=1), help="Revision to return to.")
@click.option("--deployment", help="Return to what this deployment (history id) applied.")
@click.option("--list", "list_only", is_flag=True, help="List the revisions available.")
def rollback(
    *,
    chdir: Path,
    file: Path | None,
    output_format: str,
    app: str,
    cluster: str | None,
    to_revision: int | None,
    deployment: str | None,
    list_only: bool,
) -> None:
    """Re-apply an earlier revision of APP (default: the one before the current one)."""
    from sbkube_ci.commands import rollback as rollback_command

    target = rollback_command.Target(to_revision, deployment)
    sys.exit(
        rollback_command.rollback(
            chdir, file, app, cluster, target, list_only=list_only, output_format=output_format
        )
    )


@cli.command()
@common_options
@click.option(
    "--cluster",
    "clusters",
    shell_complete=complete_clusters,
    multiple=True,
    help="Only this cluster (repeatable).",
)
def status(
    *, chdir: Path, file: Path | None, output_format: str, clusters: tuple[str, ...]
) -> None:
    """Compare the live cluster with what was deployed; exit 2 when drift is found."""
    from sbkube_ci.commands import status as status_command

    sys.exit(status_command.status(chdir, file, clusters, output_format=output_format))


@cli.group()
def cache() -> None:
    """Manage the content-addressed cache (.sbkube/cache or $SBKUBE_CACHE_DIR)."""


@cache.command()
@common_options
@click.option("--max-age", default="30d", show_default=True, help="Remove entries unused longer.")
@click.option("--all", "everything", is_flag=True, help="Remove every entry.")
def prune(
    chdir: Path, file: Path | None, output_format: str, max_age: str, everything: bool
) -> None:
    """Remove cache entries not used recently (.sbkube/cache or $SBKUBE_CACHE_DIR)."""
    from sbkube_ci.commands import cache as cache_command

    sys.exit(
        cache_command.prune(
            chdir, file, max_age=max_age, everything=everything, output_format=output_format
        )
    )


def _print_error(exc: SbkubeError) -> None:
    if isinstance(exc, ConfigProblems):
        for line in exc.problems:
            click.echo(line, err=True)
        click.echo(f"{len(exc.problems)} error(s) in the configuration", err=True)
    else:
        click.echo(f"error: {exc}", err=True)


add_examples(cli)


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of the ``sbkube-ci`` console script."""
    cli.main(args=argv)
