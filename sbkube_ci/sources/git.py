"""Git sources: ``type: git`` apps, and helm charts inside Git (``chart: git::<repo>//<path>``).

A ref (branch, tag, commit; for charts the app's ``version``) is resolved to a commit SHA with
``git ls-remote``; the commit is fetched shallowly into a scratch repository and exported with
``git archive`` into the content store keyed by the SHA, through the same member checks as
chart archives (a symlink out of the tree is refused). Credentials reach git through an askpass
helper reading the environment: never argv, never ``.git/config``, never logs.
"""

from __future__ import annotations

import re
import shutil
import stat
from pathlib import Path
from urllib.parse import urlsplit

from sbkube_ci import _proc
from sbkube_ci._files import write_atomic
from sbkube_ci._urls import safe_url
from sbkube_ci.cache import ContentStore
from sbkube_ci.config.apps import App, GitApp, HelmApp, split_git_chart
from sbkube_ci.config.kinds import git_ref_problem, git_url_problem
from sbkube_ci.config.types import resolve_secret
from sbkube_ci.errors import SourceError
from sbkube_ci.sources._charts import staging_dir
from sbkube_ci.sources.archive import extract_tgz
from sbkube_ci.sources.base import Pin, Request, SourceContext

KIND = "git"
CHART_PREFIX = "git::"
_SHA = re.compile(r"^[0-9a-f]{40}$")
# git prompts "Username for 'https://host[:port]': " (and "Password for
# 'https://user@host[:port]': "): the credentials are given only to the configured host, not
# to a host that a redirect of the first request led git to.
_ASKPASS = """#!/bin/sh
case "$1" in
  *"//$SBKUBE_GIT_HOST'"*|*"@$SBKUBE_GIT_HOST'"*) ;;
  *) exit 1 ;;
esac
case "$1" in
  Username*) printf '%s\\n' "$SBKUBE_GIT_USERNAME" ;;
  *) printf '%s\\n' "$SBKUBE_GIT_PASSWORD" ;;
esac
"""
_ALLOWED_PROTOCOLS = "file:git:http:https:ssh"


class GitTarget:
    """Where one app's Git content comes from: URL, ref, path inside the repository."""

    def __init__(self, name: str, app: App, ctx: SourceContext) -> None:
        self.app_name = name
        self.where = f"apps.{name}"
        repos = ctx.project.config.settings.git_repos
        if isinstance(app, HelmApp):
            repo, path = split_git_chart(app.chart)
            if not path:
                raise SourceError(f"{self.where}.chart: write git::<repo>//<path/to/chart>")
            ref = app.version
        elif isinstance(app, GitApp):
            repo, path, ref = app.repo, app.path, app.ref or app.branch
        else:
            raise SourceError(f"{self.where}: type {app.type} has no Git source")
        self.key = repo if repo in repos else None
        settings = repos.get(repo)
        self.url = settings.url if settings else repo
        self.ref = ref or (settings.branch if settings else None) or "HEAD"
        self.path = path.strip("/") or "."
        self.settings = settings
        if self.key is None and not re.match(r"^([a-z][a-z0-9+.-]*://|[^/:]+@[^/:]+:|/)", repo):
            raise SourceError(
                f"{self.where}: Git repository {repo!r} is not in settings.git_repos and not a "
                "URL; declare it there or write https://..., ssh://..., git://... or file://..."
            )
        self._check()

    def _check(self) -> None:
        # validate refuses these at their line; checked again for values from elsewhere.
        if why := git_url_problem(self.url):
            raise SourceError(f"{self.where}: Git URL {safe_url(self.url)!r} is refused: {why}")
        if why := git_ref_problem(self.ref):
            raise SourceError(f"{self.where}: Git ref {self.ref!r} is refused: {why}")
        if any(part == ".." for part in self.path.split("/")) or self.path.startswith("/"):
            raise SourceError(f"{self.where}: path {self.path!r} must stay inside the repository")

    @property
    def source(self) -> str:
        return f"{safe_url(self.url)}//{self.path}"

    def env(self, ctx: SourceContext) -> tuple[dict[str, str], list[str]]:
        """Environment for git (credentials via askpass/ssh key files) and the secrets in it."""
        env = {
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ALLOW_PROTOCOL": _ALLOWED_PROTOCOLS,
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        secrets: list[str] = []
        repo = self.settings
        if repo is None:
            return env, secrets
        field = f"settings.git_repos.{self.key}"
        if repo.username or repo.password:
            password = resolve_secret(repo.password, f"{field}.password") or ""
            helper = ctx.private_dir("git") / "askpass.sh"
            if not helper.exists() or helper.read_text() != _ASKPASS:
                _write_private(helper, _ASKPASS, executable=True)
            env |= {
                "GIT_ASKPASS": str(helper),
                "SBKUBE_GIT_HOST": urlsplit(self.url).netloc.rpartition("@")[2],
                "SBKUBE_GIT_USERNAME": repo.username or "git",
                "SBKUBE_GIT_PASSWORD": password,
            }
            secrets.append(password)
        if repo.ssh_key:
            key = resolve_secret(repo.ssh_key, f"{field}.ssh_key") or ""
            key_file = ctx.private_dir("git") / f"ssh-key-{self.key}"
            _write_private(key_file, key.rstrip("\n") + "\n")
            env["GIT_SSH_COMMAND"] = f"ssh -i {key_file} -o IdentitiesOnly=yes -o BatchMode=yes"
            secrets.append(key)
        return env, secrets

    def git(self, ctx: SourceContext, *args: str, cwd: Path | None = None) -> str:
        env, secrets = self.env(ctx)
        result = _proc.run(
            ["git", *args],
            cwd=cwd,
            env=env,
            secrets=secrets,
            timeout=ctx.timeout,
            error=SourceError,
            what=f"{self.where}: git {next(a for a in args if not a.startswith('-'))} "
            f"{safe_url(self.url)}",
        )
        return result.stdout


def _write_private(path: Path, content: str, *, executable: bool = False) -> None:
    write_atomic(path, content, mode=stat.S_IRWXU if executable else stat.S_IRUSR | stat.S_IWUSR)


def _pick(lines: str, ref: str) -> str | None:
    refs: dict[str, str] = {}
    for line in lines.splitlines():
        sha, _, name = line.partition("\t")
        refs[name] = sha
    for name in (f"refs/tags/{ref}^{{}}", f"refs/tags/{ref}", f"refs/heads/{ref}", ref):
        if name in refs:
            return refs[name]
    return None


class GitSource:
    """Content of a Git repository at one commit."""

    def handles(self, app: App) -> bool:
        if isinstance(app, HelmApp):
            return app.chart.startswith(CHART_PREFIX)
        return isinstance(app, GitApp)

    def request(self, name: str, app: App, ctx: SourceContext) -> Request:
        target = GitTarget(name, app, ctx)
        return Request(KIND, target.source, target.ref)

    def resolve(self, name: str, app: App, ctx: SourceContext) -> Pin:
        target = GitTarget(name, app, ctx)
        sha = target.ref if _SHA.match(target.ref) else None
        if sha is None:
            listing = target.git(ctx, "ls-remote", "--", target.url, target.ref)
            sha = _pick(listing, target.ref)
        if sha is None:
            raise SourceError(
                f"{target.where}: ref {target.ref!r} not found in {safe_url(target.url)}; "
                "name an existing branch, tag or commit"
            )
        return Pin(KIND, target.source, sha, version=target.ref, constraint=target.ref)

    def fetch(self, name: str, app: App, pin: Pin, ctx: SourceContext) -> Path:
        target = GitTarget(name, app, ctx)
        if not _SHA.match(pin.digest):  # sbkube.lock comes with the pull request too
            raise SourceError(
                f"{target.where}: sbkube.lock pins {pin.digest!r}, not a commit SHA; "
                f"run sbkube-ci prepare --update {name}"
            )
        entry = ContentStore(ctx.cache_dir, KIND).put(
            pin.digest, lambda tmp: self._export(target, pin.digest, ctx, tmp)
        )
        path = (entry / target.path).resolve()
        if not path.is_relative_to(entry.resolve()) or not path.exists():
            raise SourceError(
                f"{target.where}: {target.path} does not exist in {target.source} at {pin.digest}"
            )
        if isinstance(app, HelmApp) and not (path / "Chart.yaml").is_file():
            raise SourceError(f"{target.where}.chart: {target.source} has no Chart.yaml")
        return path

    def _export(self, target: GitTarget, sha: str, ctx: SourceContext, dest: Path) -> None:
        scratch = staging_dir(ctx)
        try:
            target.git(ctx, "init", "-q", "--bare", str(scratch / "repo.git"))
            git_dir = f"--git-dir={scratch / 'repo.git'}"
            try:  # servers allow fetching a reachable commit by SHA (protocol v2)
                target.git(ctx, git_dir, "fetch", "-q", "--depth", "1", "--", target.url, sha)
            except SourceError:  # older servers: fetch the ref's history and find the commit
                ref = "HEAD" if _SHA.match(target.ref) else target.ref
                target.git(ctx, git_dir, "fetch", "-q", "--", target.url, ref)
            archive = scratch / "tree.tar"
            target.git(ctx, git_dir, "archive", "--format=tar", "-o", str(archive), sha)
            # A repository may be far bigger than a chart: allow more, but still a bound.
            extract_tgz(
                archive,
                dest,
                what=f"{target.where}: {target.source}@{sha[:12]}",
                max_members=200_000,
                max_bytes=2 * 2**30,
            )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
