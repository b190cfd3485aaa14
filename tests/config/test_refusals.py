"""Attacks through sbkube.yaml values: refused by ``validate`` at FILE:LINE, nothing run or read.

Each case is a value an attacker controlling a pull request could write: a flag where helm,
git or kubectl expect an operand, a Git transport helper, a path or symlink out of the project.
``validate`` must refuse it with exactly one line naming the file, line and field; the stages
must then start no process at all (checked with a recording wrapper in front of every tool).
"""

from __future__ import annotations

import os
import re
import stat
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from sbkube_ci import cli as cli_module
from sbkube_ci.config.loader import check_document, read_document
from tests.support.projects import write_files

TOOLS = Path(sys.executable).parent
CHART = {
    "charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    "charts/app/templates/cm.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: {{ .Values.a | quote }}}\n"
    ),
}


def _config(body: str) -> str:
    return "apiVersion: sbkube/v1\n" + textwrap.dedent(body).lstrip("\n")


def _errors(root: Path) -> list[str]:
    doc, base_dir, _ = read_document(root)
    _, problems = check_document(doc, base_dir)
    return [str(p) for p in problems if p.severity == "error"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write_files(root, CHART)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.yaml").write_text("a: stolen-runner-secret\n")
    return root


# (sbkube.yaml body, expected "line:col: field" prefix, words the message must hold)
INJECTIONS = [
    (
        """
        apps:
          web: {type: helm, chart: ./charts/app, release_name: --post-renderer=/bin/sh}
        """,
        "3 apps.web.release_name",
        "starts with '-'",
    ),
    (
        """
        apps:
          web: {type: helm, chart: ./charts/app, release_name: Web_App}
        """,
        "3 apps.web.release_name",
        "not valid for Helm",
    ),
    (
        """
        apps:
          web: {type: helm, chart: ./charts/app, namespace: --kubeconfig=/tmp/x}
        """,
        "3 apps.web.namespace",
        "not a valid Kubernetes name",
    ),
    (
        """
        settings:
          helm_repos: {stable: "https://charts.example.com"}
        apps:
          web: {type: helm, chart: stable/app, version: "--untar-dir=/etc"}
        """,
        "5 apps.web.version",
        "starts with '-'",
    ),
    (
        """
        settings:
          helm_repos: {stable: "https://charts.example.com"}
        apps:
          web: {type: helm, chart: "stable/-app"}
        """,
        "5 apps.web.chart",
        "starts with '-'",
    ),
    (
        """
        apps:
          web: {type: helm, chart: "oci://-oProxyCommand=x/charts/app"}
        """,
        "3 apps.web.chart",
        "starts with '-'",
    ),
    (
        """
        apps:
          web: {type: helm, chart: "git::ext::sh -c touch% /tmp/pwned//chart"}
        """,
        "3 apps.web.chart",
        "transport helpers",
    ),
    (
        """
        settings:
          git_repos:
            platform: "ssh://-oProxyCommand=touch%20/tmp/pwned/repo.git"
        apps:
          web: {type: git, repo: platform}
        """,
        "4 settings.git_repos.platform",
        "cannot start with '-'",
    ),
    (
        """
        settings:
          git_repos: {platform: "https://git.example.com/p.git"}
        apps:
          web: {type: git, repo: platform, ref: --upload-pack=touch /tmp/pwned}
        """,
        "5 apps.web.ref",
        "starts with '-'",
    ),
    (
        """
        apps:
          web: {type: git, repo: "-oProxyCommand=touch /tmp/pwned"}
        """,
        "3 apps.web.repo",
        "not declared in settings.git_repos",
    ),
    (
        """
        state:
          backend: git
          git: {remote: --upload-pack=touch /tmp/pwned}
        """,
        "4 state.git.remote",
        "starts with '-'",
    ),
    (
        """
        state:
          backend: git
          git: {remote: "ext::sh -c touch% /tmp/pwned"}
        """,
        "4 state.git.remote",
        "transport helpers",
    ),
    (
        """
        clusters:
          prod: {context: --token=stolen}
        """,
        "3 clusters.prod.context",
        "starts with '-'",
    ),
    (
        """
        settings:
          kubeconfig_context: "-v=9"
        """,
        "3 settings.kubeconfig_context",
        "starts with '-'",
    ),
    (
        """
        clusters:
          prod: {kube_version: "--post-renderer=/bin/sh", api_versions: ["-x"]}
        """,
        "3 clusters.prod.kube_version",
        "starts with '-'",
    ),
    (
        """
        apps:
          k: {type: kustomize, path: --enable-alpha-plugins}
        """,
        "3 apps.k.path",
        "starts with '-'",
    ),
    (
        """
        settings:
          helm_repos: {stable: "file:///etc"}
        """,
        "3 settings.helm_repos.stable",
        "http(s)://",
    ),
    (
        """
        apps:
          d: {type: http, url: "file:///etc/passwd", dest: d.yaml}
        """,
        "3 apps.d.url",
        "must be an http(s):// URL",
    ),
    (
        """
        settings:
          oci_registries: {ghcr: "--insecure"}
        """,
        "3 settings.oci_registries.ghcr",
        "starts with '-'",
    ),
]


@pytest.mark.parametrize(("body", "where", "words"), INJECTIONS)
def test_a_flag_or_command_in_a_value_is_refused_at_its_line(
    project: Path, body: str, where: str, words: str
) -> None:
    write_files(project, {"sbkube.yaml": _config(body)})
    errors = [e for e in _errors(project) if "does not exist" not in e]
    assert errors, "the value was accepted"
    line, field = where.split()
    first = errors[0]
    assert re.match(rf"^.*/sbkube\.yaml:{line}:\d+: {re.escape(field)}: ", first), errors
    assert words in first
    assert "\n" not in first


PATH_ESCAPES = [
    ("values: [../outside/secret.yaml]", "apps.web.values[0]", "outside the project"),
    ("values: [/etc/passwd]", "apps.web.values[0]", "outside the project"),
    ("values: [~/.ssh/id_rsa]", "apps.web.values[0]", "outside the project"),
    ("values: ['../outside/*.yaml']", "apps.web.values[0]", "outside the project"),
    ("values: ['values/*/../../../outside/secret.yaml']", "apps.web.values[0]", "'..'"),
    ("overrides: [../../../outside/secret.yaml]", "apps.web.overrides[0]", "without '..'"),
    ("removes: [/etc]", "apps.web.removes[0]", "without '..'"),
]


@pytest.mark.parametrize(("field", "where", "words"), PATH_ESCAPES)
def test_a_path_out_of_the_project_is_refused_at_its_line(
    project: Path, field: str, where: str, words: str
) -> None:
    (project / "values").mkdir()
    write_files(
        project,
        {
            "sbkube.yaml": _config(
                f"apps:\n  web:\n    type: helm\n    chart: ./charts/app\n    {field}\n"
            )
        },
    )
    errors = _errors(project)
    assert len(errors) == 1, errors
    assert "sbkube.yaml:6:" in errors[0]
    assert f": {where}: " in errors[0]
    assert words in errors[0]


def test_a_symlinked_values_file_pointing_outside_is_refused(project: Path) -> None:
    (project / "values.yaml").symlink_to(project.parent / "outside" / "secret.yaml")
    write_files(
        project,
        {
            "sbkube.yaml": _config(
                "apps:\n  web: {type: helm, chart: ./charts/app, values: [values.yaml]}\n"
            )
        },
    )
    [error] = _errors(project)
    assert ": apps.web.values[0]: values.yaml is outside the project directory" in error


def test_a_symlink_inside_a_local_chart_pointing_outside_is_refused(project: Path) -> None:
    link = project / "charts" / "app" / "templates" / "stolen.yaml"
    link.symlink_to(project.parent / "outside" / "secret.yaml")
    write_files(
        project, {"sbkube.yaml": _config("apps:\n  web: {type: helm, chart: ./charts/app}\n")}
    )
    [error] = _errors(project)
    assert (
        "sbkube.yaml:3:28: apps.web.chart: ./charts/app holds a symlink templates/stolen.yaml"
        in (error)
    )
    assert "points outside the project directory" in error


def test_a_symlinked_manifest_directory_and_kustomize_dir_are_refused(project: Path) -> None:
    (project / "manifests").mkdir()
    (project / "manifests" / "leak.yaml").symlink_to(project.parent / "outside" / "secret.yaml")
    (project / "kust").symlink_to(project.parent / "outside", target_is_directory=True)
    write_files(
        project,
        {
            "sbkube.yaml": _config(
                "apps:\n  m: {type: yaml, manifests: [manifests]}\n"
                "  k: {type: kustomize, path: kust}\n"
            )
        },
    )
    errors = _errors(project)
    assert len(errors) == 2, errors
    assert any("apps.k.path: kust is outside the project directory" in e for e in errors)
    assert any("apps.m.manifests[0]: manifests holds a symlink leak.yaml" in e for e in errors)


def test_a_symlink_that_stays_inside_the_project_is_fine(project: Path) -> None:
    (project / "shared.yaml").write_text("a: 1\n")
    (project / "charts" / "app" / "values.yaml").symlink_to(project / "shared.yaml")
    write_files(
        project, {"sbkube.yaml": _config("apps:\n  web: {type: helm, chart: ./charts/app}\n")}
    )
    assert _errors(project) == []


@pytest.mark.parametrize("name", ["../../outside", "a/b", ".hidden", "-x"])
def test_a_cluster_name_that_would_be_a_path_is_refused(project: Path, name: str) -> None:
    write_files(project, {"sbkube.yaml": _config(f'clusters:\n  "{name}": {{context: x}}\n')})
    [error] = _errors(project)
    assert f"sbkube.yaml:3:3: clusters.{name}: cluster name" in error


def test_local_state_outside_the_project_is_refused(project: Path) -> None:
    write_files(project, {"sbkube.yaml": _config("state: {local: {path: ../outside/state}}\n")})
    [error] = _errors(project)
    assert "sbkube.yaml:2:23: state.local.path: ../outside/state is outside the project" in error


def test_ordinary_values_are_accepted(project: Path) -> None:
    write_files(
        project,
        {
            "sbkube.yaml": _config(
                """
        settings:
          kubeconfig_context: arn:aws:eks:eu-west-1:123456789012:cluster/prod
          helm_repos: {stable: "https://charts.example.com/stable"}
          oci_registries: {local: "localhost:5000/charts", v6: "[::1]:5000/charts"}
          git_repos:
            platform: {url: "git@github.com:acme/platform.git", branch: release/1.2}
        clusters:
          prod-eu_1.a: {context: gke_acme_europe-west1_prod, kube_version: v1.30.2,
                        api_versions: [monitoring.coreos.com/v1/ServiceMonitor]}
        state: {backend: git, git: {remote: origin, branch: sbkube-state}}
        apps:
          web: {type: helm, chart: ./charts/app, release_name: web.v2, version: ">=0.1 <1"}
          repo: {type: helm, chart: stable/nginx-ingress, version: "~4.1"}
          oci: {type: helm, chart: "oci://localhost:5000/charts/app", version: 1.2.3}
          git: {type: helm, chart: "git::platform//charts/app", version: v1.2.3}
          giturl: {type: helm, chart: "git::https://git.example.com/c.git//charts/app"}
          plat: {type: git, repo: "https://git.example.com/p.git", ref: main, path: deploy/prod}
        """
            )
        },
    )
    assert _errors(project) == []


class _Recorder:
    """Every tool sbkube-ci may start, wrapped to log its call, then run the real one."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.log = tmp_path / "tool-calls.log"
        bin_dir = tmp_path / "recording-bin"
        bin_dir.mkdir()
        for tool in ("helm", "git", "kubectl"):
            real = TOOLS / tool if (TOOLS / tool).exists() else Path("/usr/bin") / tool
            wrapper = bin_dir / tool
            wrapper.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{self.log}"\nexec "{real}" "$@"\n')
            wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{TOOLS}{os.pathsep}{os.environ['PATH']}")

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.mark.parametrize("command", ["prepare", "template", "deploy"])
def test_an_injected_post_renderer_runs_nothing(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    marker = tmp_path / "pwned"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\ncat\n")
    script.chmod(0o755)
    recorder = _Recorder(tmp_path, monkeypatch)
    write_files(
        project,
        {
            "sbkube.yaml": _config(
                "apps:\n  web: {type: helm, chart: ./charts/app, "
                f"release_name: --post-renderer={script}}}\n"
            )
        },
    )

    result = CliRunner().invoke(cli_module.cli, [command, "-C", str(project)])

    assert result.exit_code == 1, result.output
    assert "apps.web.release_name: refused: it starts with '-'" in result.output
    assert not marker.exists()
    assert recorder.calls() == []


def _git_repo_errors(project: Path, url: str) -> list[str]:
    """The errors of an sbkube.yaml declaring git repository ``c`` at ``url`` (line 4, col 8)."""
    write_files(project, {"sbkube.yaml": _config(f'settings:\n  git_repos:\n    c: "{url}"\n')})
    return _errors(project)


@pytest.mark.parametrize(
    "url",
    [
        "https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/acme/charts.git",
        "https://glpat-xyzzy123@gitlab.example.com/acme/charts.git",
        "https://8f14e45fceea167a5a36dedd4bea2543ff0a@git.example.com/acme/charts.git",
    ],
)
def test_a_token_as_the_user_of_a_url_is_refused_like_a_password(project: Path, url: str) -> None:
    [error] = _git_repo_errors(project, url)
    assert "sbkube.yaml:4:8: settings.git_repos.c: the URL contains a token as its user" in error
    token = url.split("//")[1].split("@", maxsplit=1)[0]
    assert token not in error


@pytest.mark.parametrize(
    "url",
    [
        "https://x-access-token@github.com/acme/charts.git",
        "ssh://git@github.com/acme/charts.git",
        "https://${GIT_TOKEN}@github.com/acme/charts.git",
        "https://deployer-bot-account@git.example.com/acme/charts.git",
    ],
)
def test_a_user_name_in_a_url_is_fine(project: Path, url: str) -> None:
    assert _git_repo_errors(project, url) == []


def test_a_committed_work_dir_symlink_makes_every_command_refuse(project: Path) -> None:
    """``.sbkube/rendered -> outside``: a stale render would be deleted over there."""
    outside = project.parent / "outside"
    (outside / "default").mkdir()
    victim = outside / "default" / "old-app.yaml"
    victim.write_text("kept: true\n")
    (project / ".sbkube").mkdir()
    (project / ".sbkube" / "rendered").symlink_to(outside, target_is_directory=True)
    write_files(
        project, {"sbkube.yaml": _config("apps:\n  web: {type: helm, chart: ./charts/app}\n")}
    )

    result = CliRunner().invoke(cli_module.cli, ["template", "-C", str(project)])

    assert result.exit_code == 1, result.output
    [line] = result.output.strip().splitlines()
    assert line.endswith(
        "/.sbkube/rendered is a symlink that points outside .sbkube/; sbkube-ci writes and "
        "deletes there, remove the link"
    )
    assert victim.read_text() == "kept: true\n"
    assert sorted(p.name for p in outside.iterdir()) == ["default", "secret.yaml"]


def test_set_values_that_reference_variables_get_no_plain_text_warning(project: Path) -> None:
    write_files(
        project,
        {
            "sbkube.yaml": _config(
                """
        apps:
          web:
            type: helm
            chart: ./charts/app
            set_values:
              auth.password: ${REDIS_PASSWORD}
              database.url: "postgres://app:${DB_PASSWORD}@db:5432/app"
        """
            )
        },
    )
    doc, base_dir, _ = read_document(project)
    _, problems = check_document(doc, base_dir)
    assert problems == []
