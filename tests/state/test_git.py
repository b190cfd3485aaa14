"""The Git backend on a shallow CI checkout: the user's clone is untouched, pushes never force."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from sbkube_ci.config.loader import load_project
from sbkube_ci.errors import StateError
from sbkube_ci.state import AppState, HistoryChange, StateDocument, open_backend
from sbkube_ci.state.git import GitStore
from sbkube_ci.state.identity import Identity
from tests.fixtures.git_server import GitServer, git

CONFIG = """\
apiVersion: sbkube/v1
apps: {}
state:
  backend: git
  git: {remote: origin, author_name: deploy-bot, author_email: bot@example.invalid}
"""


def _deploy(doc: StateDocument) -> StateDocument:
    doc.apps["api"] = AppState(revision=42, commit="abc1234")
    return doc


@pytest.fixture
def checkout(git_server: GitServer, tmp_path: Path) -> Path:
    """A shallow clone of a repo whose sbkube.yaml keeps state on the sbkube-state branch."""
    git_server.create("shop", {"sbkube.yaml": CONFIG, ".gitignore": ".sbkube/\n"})
    git_server.commit("shop", {"README.md": "two\n"}, message="second")
    work = tmp_path / "checkout"
    git("clone", "-q", "--depth", "1", git_server.url("shop"), str(work))
    return work


def log_sha(repo: Path, index: int) -> str:
    return git("log", "--format=%H", "sbkube-state", cwd=repo).splitlines()[index]


def _snapshot(repo: Path) -> tuple[str, str, str]:
    return (
        git("for-each-ref", cwd=repo),
        git("rev-parse", "HEAD", cwd=repo),
        git("status", "--porcelain", "--ignored=no", cwd=repo),
    )


def test_shallow_checkout_stays_untouched(checkout: Path, git_server: GitServer) -> None:
    before = _snapshot(checkout)
    backend = open_backend(load_project(checkout), identity=Identity("alice", "pid 1", ""))
    record = backend.new_record(
        "deploy", "prod", apps=[HistoryChange(app="api", old_revision=41, new_revision=42)],
        commit="abc1234def0",
    )  # fmt: skip
    backend.update("prod", _deploy, record=record)
    backend.release_lock(backend.acquire_lock("prod", wait=0))
    assert _snapshot(checkout) == before
    assert git("rev-parse", "--is-shallow-repository", cwd=checkout) == "true"
    remote = git_server.root / "shop.git"
    log = git("log", "--format=%an <%ae>|%s", "sbkube-state", cwd=remote).splitlines()
    assert log[-1] == "deploy-bot <bot@example.invalid>|sbkube-ci: deploy prod api r42 (abc1234)"
    assert log[0].endswith("|sbkube-ci: release lock prod for alice (pid 1)")
    files = git("ls-tree", "-r", "--name-only", "sbkube-state", cwd=remote).splitlines()
    assert files[1:] == ["prod/lock.json", "prod/state.json"]
    assert files[0].startswith("prod/history/")
    assert files[0].endswith(f"-{record.id}.json")
    in_one_commit = git("show", "--name-only", "--format=", log_sha(remote, -1), cwd=remote)
    assert sorted(in_one_commit.splitlines()) == [files[0], "prod/state.json"]
    assert git("rev-list", "--count", "main", cwd=remote) == "2"  # the user's branch: as it was


def test_file_url_remote(git_server: GitServer, tmp_path: Path) -> None:
    git_server.create("plain")
    store = GitStore(git_server.file_url("plain"), tmp_path / "cache")
    version = store.put("prod/state.json", b"{}\n", expect=None, message="first")
    again = GitStore(git_server.file_url("plain"), tmp_path / "other-cache").get("prod/state.json")
    assert again is not None
    assert (again.data, again.version) == (b"{}\n", version)


def test_unknown_remote_name_is_a_clear_error(checkout: Path) -> None:
    (checkout / "sbkube.yaml").write_text(CONFIG.replace("remote: origin", "remote: upstream"))
    with pytest.raises(StateError, match="'upstream' is not a remote"):
        open_backend(load_project(checkout))


def _recording_git(tmp_path: Path) -> Path:
    """A ``git`` first on PATH that logs its argv, then runs the real git."""
    real = next(
        Path(d) / "git"
        for d in os.environ["PATH"].split(os.pathsep)
        if (Path(d) / "git").is_file() and os.access(Path(d) / "git", os.X_OK)
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "git"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/argv.log\nexec {real} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    return bin_dir


def test_token_goes_in_a_header_never_argv_or_disk(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "tok-5ecret-value"
    expected = "Basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()
    httpserver.expect_request(
        "/shop.git/info/refs", headers={"Authorization": expected}
    ).respond_with_data("denied for the test", status=403)
    monkeypatch.setenv("PATH", f"{_recording_git(tmp_path)}{os.pathsep}{os.environ['PATH']}")
    cache = tmp_path / "cache"
    store = GitStore(httpserver.url_for("/shop.git"), cache, token=token)
    with pytest.raises(StateError) as info:
        store.get("prod/state.json")
    assert token not in str(info.value)
    assert len(httpserver.log) >= 1
    assert all(req.headers.get("Authorization") == expected for req, _ in httpserver.log)
    assert token not in (tmp_path / "argv.log").read_text()
    for path in cache.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path
            assert base64.b64encode(f"x-access-token:{token}".encode()) not in path.read_bytes()


def test_a_token_in_the_remote_url_stays_out_of_messages(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    # GitLab's checkout sets origin to https://gitlab-ci-token:<token>@host/group/project.git
    token = "glcbt-5ecret-in-url"
    httpserver.expect_request("/shop.git/info/refs").respond_with_data("no", status=403)
    url = httpserver.url_for("/shop.git").replace("://", f"://gitlab-ci-token:{token}@")
    store = GitStore(url, tmp_path / "cache")
    assert token not in store.description
    assert store.description == httpserver.url_for("/shop.git") + "@" + store.branch
    with pytest.raises(StateError, match="git fetch failed") as info:
        store.get("prod/state.json")
    assert token not in str(info.value)


def test_a_refused_push_quotes_all_of_gits_stderr_redacted_on_one_line(
    git_server: GitServer, tmp_path: Path
) -> None:
    token = "tok-echoed-by-the-server"
    git_server.create("guarded", {"README.md": "state branch is protected\n"})
    hook = git_server.root / "guarded.git" / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\n"
        "echo 'GL-HOOK-ERR: the branch sbkube-state is protected' >&2\n"
        f"echo 'GL-HOOK-ERR: your token {token} may not push to it' >&2\n"
        "echo 'GL-HOOK-ERR: ask a maintainer' >&2\n"
        "exit 1\n"
    )
    hook.chmod(0o755)
    store = GitStore(git_server.url("guarded"), tmp_path / "cache", token=token)

    with pytest.raises(StateError) as info:
        store.put("prod/state.json", b"{}", expect=None, message="first")

    message = str(info.value)
    assert "\n" not in message
    assert "the branch sbkube-state is protected" in message  # not only git's last line
    assert "ask a maintainer" in message
    assert token not in message
    assert "***" in message


def test_a_missing_repository_names_the_cause_not_only_the_hint(tmp_path: Path) -> None:
    store = GitStore(str(tmp_path / "no-such-repo.git"), tmp_path / "cache")
    with pytest.raises(StateError) as info:
        store.get("prod/state.json")
    message = str(info.value)
    assert "\n" not in message
    assert "does not appear to be a git repository" in message
    assert "the repository exists" in message
