"""The Git backend: state on a branch (default ``sbkube-state``), written with CAS pushes.

The user's checkout is never touched: the backend keeps a private bare repository under
``.sbkube/state-git/`` (shallow, only the state branch), builds each commit with plumbing
(hash-object, a private ``GIT_INDEX_FILE``, write-tree, commit-tree) and pushes
``<sha>:refs/heads/<branch>`` without force. A push the server rejects (someone else committed
first) is retried on the fresh tip, but only if the key being written still has the blob the
caller read: that is the per-key compare-and-swap. A token from ``token_env`` is sent as an
``http.extraHeader`` through ``GIT_CONFIG_*`` environment variables, never argv or disk.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from sbkube_ci import _proc
from sbkube_ci._retry import RetryPolicy
from sbkube_ci._urls import safe_url, url_secrets
from sbkube_ci.config.kinds import git_remote_problem
from sbkube_ci.config.loader import Project
from sbkube_ci.config.sections import GitState
from sbkube_ci.errors import StateError
from sbkube_ci.state.base import CAS_RETRY, Conflict, Versioned
from sbkube_ci.workdir import WorkDir

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_TIP = "refs/heads/tip"
_TIMEOUT = 120.0
_ANY_EXIT = tuple(range(-64, 256))
_LOST_RACE = re.compile(r"\[rejected\]|failed to update ref|cannot lock ref|incorrect old value")


class GitStore:
    def __init__(
        self,
        url: str,
        cache_dir: Path,
        settings: GitState | None = None,
        *,
        token: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.url = url
        self.settings = settings or GitState()
        self.branch = self.settings.branch
        self.cache_dir = cache_dir
        self.description = f"{safe_url(url)}@{self.branch}"
        self.retry = retry or CAS_RETRY
        self._token = token
        self._thread_lock = threading.Lock()
        self._staged: dict[str, str] = {}  # key -> blob, committed with the next write

    @classmethod
    def from_project(cls, project: Project) -> GitStore:
        settings = project.config.state.git
        url = _remote_url(settings.remote, project.base_dir)
        key = hashlib.sha256(f"{url}\n{settings.branch}".encode()).hexdigest()[:16]
        cache = WorkDir(project.base_dir).state_git(key)
        token = None
        if settings.token_env:
            token = os.environ.get(settings.token_env)
            if not token:
                raise StateError(
                    f"state.git.token_env: environment variable {settings.token_env} is not "
                    "set; expose the token to this job (GitHub: env: GITHUB_TOKEN)"
                )
        return cls(url, cache, settings, token=token)

    # -- reads ------------------------------------------------------------------------------

    def get(self, key: str) -> Versioned | None:
        return self.get_many([key])[key]

    def get_many(self, keys: list[str]) -> dict[str, Versioned | None]:
        with self._exclusive():
            tip = self._fetch()
            blobs = self._tree(tip) if tip else {}
            found: dict[str, Versioned | None] = {}
            for key in keys:
                blob = blobs.get(key)
                found[key] = Versioned(self._read_blob(blob), blob) if blob else None
            return found

    def list_keys(self, prefix: str) -> list[str]:
        with self._exclusive():
            tip = self._fetch()
            return sorted(k for k in (self._tree(tip) if tip else {}) if k.startswith(prefix))

    # -- writes -----------------------------------------------------------------------------

    def stage(self, key: str, data: bytes) -> str:
        """Create ``key`` with the next ``put`` instead of a commit of its own.

        For content-addressed keys (snapshots) that only matter once a later write refers to
        them: both land in one commit, so a crash in between loses nothing that is referred to.
        """
        with self._exclusive():
            blob = self._hash_object(data)
            self._staged[key] = blob
            return blob

    def put(
        self,
        key: str,
        data: bytes,
        *,
        expect: str | None,
        message: str,
        new_keys: Mapping[str, bytes] | None = None,
    ) -> str:
        with self._exclusive():
            written = {k: self._hash_object(v) for k, v in {key: data, **(new_keys or {})}.items()}
            staged = dict(self._staged)
            for attempt in range(self.retry.attempts):
                # First try on the tip we last saw (the push is the CAS); refetch after a loss.
                tip = self._known_tip() if attempt == 0 else self._fetch()
                tree = self._tree(tip) if tip else {}
                if tree.get(key) != expect:
                    raise Conflict(f"{self.description}:{key}: changed since it was read")
                # A staged key is content-addressed: one already stored under its name holds
                # the same content, even where its bytes differ (sealed Secret values are
                # encrypted afresh each time), so it is kept, as put(expect=None) would.
                blobs = {
                    **{k: b for k, b in staged.items() if k != key and k not in tree},
                    **written,
                }
                for new_key, blob in blobs.items():
                    if new_key != key and tree.get(new_key, blob) != blob:
                        raise StateError(
                            f"{self.description}:{new_key}: exists with other content; "
                            "not overwritten"
                        )
                commit = self._commit(tip, blobs, message)
                if self._push(commit):
                    self._git("update-ref", _TIP, commit)
                    for staged_key in staged:
                        self._staged.pop(staged_key, None)
                    return blobs[key]
                self.retry.pause(attempt)
        raise StateError(
            f"{self.description}: gave up after {self.retry.attempts} rejected pushes; "
            "too many concurrent writers, retry the job"
        )

    def warnings(self, *, online: bool) -> list[str]:
        if not online:
            return []
        result = self._git("ls-remote", "--", self.url, ok_codes=(0, 128), cwd=Path.cwd())
        if result.returncode != 0:
            return [f"state.git.remote: cannot reach {self.description}: {self._stderr(result)}"]
        return []

    # -- plumbing ---------------------------------------------------------------------------

    def _fetch(self) -> str | None:
        """Fetch the branch tip (depth 1) into the private repo; None if it does not exist."""
        refspec = f"+refs/heads/{self.branch}:{_TIP}"
        args = ["fetch", "-q", "--depth", "1", "--no-tags", "--", self.url, refspec]
        result = self._git(*args, ok_codes=(0, 128))
        if result.returncode == 0:
            return self._git("rev-parse", _TIP).stdout.strip()
        if "couldn't find remote ref" in result.stderr:
            return None
        raise StateError(
            f"{self.description}: git fetch failed: {self._stderr(result)}; check "
            "state.git.remote and the token in state.git.token_env"
        )

    def _tree(self, tip: str) -> dict[str, str]:
        """Path -> blob id of every file at ``tip``."""
        out = self._git("ls-tree", "-r", "-z", "--full-tree", tip).stdout
        entries: dict[str, str] = {}
        for line in filter(None, out.split("\0")):
            meta, _, path = line.partition("\t")
            entries[path] = meta.split()[2]
        return entries

    def _read_blob(self, blob: str) -> bytes:
        # unpack-file writes the blob to a temp file: binary content never passes a text pipe.
        name = self._git("unpack-file", blob).stdout.strip()
        path = self.cache_dir / name
        try:
            return path.read_bytes()
        finally:
            path.unlink(missing_ok=True)

    def _hash_object(self, data: bytes) -> str:
        fd, tmp = tempfile.mkstemp(dir=self.cache_dir, prefix="blob-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            return self._git("hash-object", "-w", tmp).stdout.strip()
        finally:
            Path(tmp).unlink(missing_ok=True)

    def _known_tip(self) -> str | None:
        result = self._git("rev-parse", "--verify", "-q", _TIP, ok_codes=(0, 1))
        return result.stdout.strip() if result.returncode == 0 else self._fetch()

    def _commit(self, tip: str | None, blobs: Mapping[str, str], message: str) -> str:
        fd, index = tempfile.mkstemp(dir=self.cache_dir, prefix="index-")
        os.close(fd)
        os.unlink(index)  # git wants to create the index itself
        env = {"GIT_INDEX_FILE": index}
        try:
            self._git("read-tree", *([tip] if tip else ["--empty"]), env=env)
            for key, blob in blobs.items():
                info = f"100644,{blob},{key}"
                self._git("update-index", "--add", "--cacheinfo", info, env=env)
            tree = self._git("write-tree", env=env).stdout.strip()
        finally:
            Path(index).unlink(missing_ok=True)
        parents = ["-p", tip] if tip else []
        commit = self._git("commit-tree", tree, *parents, "-m", message).stdout.strip()
        if not _SHA.match(commit):  # an empty sha would turn the push into a branch deletion
            raise StateError(f"{self.description}: git commit-tree returned {commit!r}")
        return commit

    def _push(self, commit: str) -> bool:
        """Push without force; False when the server rejected it (someone pushed first)."""
        refspec = f"{commit}:refs/heads/{self.branch}"
        result = self._git("push", "--porcelain", "-q", "--", self.url, refspec, ok_codes=(0, 1))
        if result.returncode == 0:
            return True
        # "[rejected]" (fetch first, non-fast-forward), or a ref another push held or moved,
        # is a lost race; any other "[remote rejected]" is the server saying no (a hook,
        # branch protection): retrying cannot help.
        if any(
            line.startswith("!") and _LOST_RACE.search(line) for line in result.stdout.splitlines()
        ):
            return False
        raise StateError(
            f"{self.description}: git push failed: {self._stderr(result)}; check push access "
            "and the state branch's protection rules"
        )

    def _git(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        ok_codes: tuple[int, ...] = (0,),
        cwd: Path | None = None,
    ) -> _proc.Result:
        result = _proc.run(
            ["git", *args],
            cwd=cwd or self.cache_dir,
            env={**self._env(), **(env or {})},
            timeout=_TIMEOUT,
            ok_codes=_ANY_EXIT,  # checked below, to quote all of git's stderr
            secrets=self._secrets(),
            error=StateError,
        )
        if result.returncode not in ok_codes:
            command = _proc.printable(["git", *args], self._secrets())
            raise StateError(
                f"{self.description}: {command}: exit {result.returncode}: {self._stderr(result)}"
            )
        return result

    def _env(self) -> dict[str, str]:
        s = self.settings
        env = {
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ALLOW_PROTOCOL": "file:git:http:https:ssh",  # no ext::/fd:: helpers
            "GIT_AUTHOR_NAME": s.author_name,
            "GIT_AUTHOR_EMAIL": s.author_email,
            "GIT_COMMITTER_NAME": s.author_name,
            "GIT_COMMITTER_EMAIL": s.author_email,
        }
        if self._token:
            index = int(os.environ.get("GIT_CONFIG_COUNT", "0") or 0)
            env["GIT_CONFIG_COUNT"] = str(index + 1)
            env[f"GIT_CONFIG_KEY_{index}"] = "http.extraHeader"
            env[f"GIT_CONFIG_VALUE_{index}"] = f"Authorization: Basic {self._basic()}"
        return env

    def _basic(self) -> str:
        return base64.b64encode(f"{self.settings.token_user}:{self._token}".encode()).decode()

    def _secrets(self) -> list[str]:
        # A remote looked up in a CI checkout may carry a token in the URL (GitLab's origin).
        return url_secrets(self.url) + ([self._token, self._basic()] if self._token else [])

    def _stderr(self, result: _proc.Result) -> str:
        """All of git's stderr on one line (its first line often says what is wrong, the last
        only "check your access rights"), with every secret redacted."""
        lines = [line.strip() for line in (result.stderr or result.stdout).splitlines()]
        text = " | ".join(line for line in lines if line) or "no output"
        return _proc.redact(text, self._secrets())

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One operation at a time on the private repo (threads and processes of this host)."""
        self.cache_dir.parent.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(f"{self.cache_dir}.lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                if not (self.cache_dir / "HEAD").exists():
                    init = ["git", "init", "-q", "--bare", str(self.cache_dir)]
                    _proc.run(init, error=StateError)
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _remote_url(remote: str, base_dir: Path) -> str:
    """``remote`` as a URL: a URL or path as given, a remote name looked up in the checkout."""
    if why := git_remote_problem(remote):  # validate reports it at its line; this is the guard
        raise StateError(f"state.git.remote: {safe_url(remote)!r} is refused: {why}")
    if "://" in remote or "@" in remote or remote.startswith(("/", ".")):
        return str((base_dir / remote).resolve()) if remote.startswith(".") else remote
    result = _proc.run(
        ["git", "remote", "get-url", remote], cwd=base_dir, ok_codes=(0, 2, 128), error=StateError
    )
    if result.returncode != 0:
        raise StateError(
            f"state.git.remote: {remote!r} is not a remote of the repository at {base_dir}; "
            "name an existing remote or give a Git URL"
        )
    url = result.stdout.strip()
    if why := git_remote_problem(url):
        raise StateError(f"state.git.remote: remote {remote} is {safe_url(url)!r}, refused: {why}")
    return url
