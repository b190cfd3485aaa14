"""What a config value that reaches a command line may look like, one function per kind.

Each returns why the value is refused, or None. A value that starts with ``-`` would be read
as a flag by helm, git or kubectl (``--post-renderer=/bin/sh``, ``-oProxyCommand=...``), so
every kind refuses it; each kind then allows only what the tool documents for it. ``validate``
reports these at FILE:LINE (``refusals.py``); the sources check again before running a tool,
because a remote name or a ref can also come from outside the file.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

HELM_RELEASE_MAX = 53
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# helm's own rule (pkg/chartutil ValidateReleaseName), limited to 53 characters
_RELEASE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_CHART_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_HOST = r"([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?"
_OCI_REFERENCE = re.compile(rf"^{_HOST}(/[A-Za-z0-9._-]+)*/?$")
_CLUSTER_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
_REMOTE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
_KUBE_VERSION = re.compile(r"^v?[0-9]+(\.[0-9]+){1,2}([-+][0-9A-Za-z.+-]+)?$")
_API_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./-]*$")
_GIT_SCHEMES = frozenset({"https", "http", "ssh", "git", "file"})
_SCP_LIKE = re.compile(r"^[^/:@\s]+@[^/:\s]+:")
_TRANSPORT_HELPER = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")
_REF_FORBIDDEN = re.compile(r"[\s~^:?*\[\\]|\.\.|@\{")

FLAG_ADVICE = "it starts with '-' and a tool would read it as a command-line flag"


def _text_problem(value: str) -> str | None:
    if value.lstrip().startswith("-"):
        return FLAG_ADVICE
    if _CONTROL.search(value):
        return "it contains a control character (newline, tab, NUL); remove it"
    return None


def flag_problem(value: str) -> str | None:
    """Why ``value`` cannot be handed to a tool at all: a leading ``-`` or a control character."""
    return _text_problem(value)


def release_problem(release: str) -> str | None:
    if why := _text_problem(release):
        return why
    if len(release) > HELM_RELEASE_MAX:
        return (
            f"release name is {len(release)} characters, longer than Helm's "
            f"{HELM_RELEASE_MAX}; set a shorter release_name"
        )
    if not _RELEASE.match(release):
        return (
            f"release name {release!r} is not valid for Helm: use lower-case letters, digits, "
            "'-' and '.', starting and ending with a letter or digit"
        )
    return None


def chart_name_problem(chart: str) -> str | None:
    if why := _text_problem(chart):
        return why
    if not _CHART_NAME.match(chart):
        return f"chart name {chart!r} may hold only letters, digits, '.', '_' and '-'"
    return None


def version_problem(version: str) -> str | None:
    """A chart version or semver range (``1.2.3``, ``>=1 <2``)."""
    return _text_problem(version)


def git_ref_problem(ref: str) -> str | None:
    """A branch, tag or commit, as ``git check-ref-format`` would take it (and no flag)."""
    if why := _text_problem(ref):
        return why
    if _REF_FORBIDDEN.search(ref) or ref.endswith((".", "/", ".lock")) or not ref:
        return f"{ref!r} is not a Git ref name (no spaces, '..', '~^:?*[\\' or '@{{')"
    return None


def git_url_problem(url: str) -> str | None:
    """A Git URL: https, http, ssh, git or file URL, ``user@host:path``, or an absolute path."""
    if why := _text_problem(url):
        return why
    if _TRANSPORT_HELPER.match(url):
        return (
            "Git transport helpers (ext::, fd::, ...) run commands; use https://, ssh://, "
            "git:// or file://"
        )
    if " " in url:
        return "a Git URL has no spaces"
    if "://" in url:
        return _git_url_parts_problem(url)
    if _SCP_LIKE.match(url) or url.startswith("/"):
        return None
    return "must be a Git URL (https://, ssh://, git://, file://, user@host:path) or /path"


def _git_url_parts_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in _GIT_SCHEMES:
        return f"scheme {parts.scheme}:// is not allowed; use https://, ssh://, git:// or file://"
    user, _, host = parts.netloc.rpartition("@")
    if host.startswith("-") or user.startswith("-"):
        return f"the host or user of a Git URL cannot start with '-' ({FLAG_ADVICE})"
    return None


def git_remote_problem(remote: str) -> str | None:
    """``state.git.remote``: a remote name of the checkout, a Git URL or a path."""
    if why := _text_problem(remote):
        return why
    if "://" in remote or "@" in remote or remote.startswith("/") or "::" in remote:
        return git_url_problem(remote)
    if remote.startswith("."):
        return None  # a path relative to the project: the repository there
    if not _REMOTE_NAME.match(remote):
        return f"{remote!r} is not a remote name; name a remote (origin) or give a Git URL"
    return None


def helm_repo_url_problem(url: str) -> str | None:
    if why := http_url_problem(url):
        return f"{why} of a Helm chart repository" if why.startswith("must") else why
    return None


def http_url_problem(url: str) -> str | None:
    """An http(s) URL with a host: never file://, which would read the runner's files."""
    if why := _text_problem(url):
        return why
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("https", "http") or not parts.hostname:
        return "must be an http(s):// URL"
    return None


def oci_reference_problem(reference: str) -> str | None:
    """``host[:port]/path`` of an OCI registry or chart, with or without ``oci://``."""
    bare = reference.removeprefix("oci://")
    if why := _text_problem(bare):
        return why
    if not _OCI_REFERENCE.match(bare):
        return (
            "must be host[:port]/path (letters, digits, '.', '_', '-'), without tag or digest; "
            "put the version in version:"
        )
    return None


def context_problem(context: str) -> str | None:
    """A kubeconfig context name: anything kubectl takes, but no flag and no control chars."""
    return _text_problem(context)


def kube_version_problem(version: str) -> str | None:
    if why := _text_problem(version):
        return why
    if not _KUBE_VERSION.match(version):
        return f"{version!r} is not a Kubernetes version; write v1.30.0 or 1.30"
    return None


def api_version_problem(api_version: str) -> str | None:
    if why := _text_problem(api_version):
        return why
    if not _API_VERSION.match(api_version):
        return f"{api_version!r} is not an API version; write group/version or group/version/Kind"
    return None


def cluster_name_problem(name: str) -> str | None:
    """Cluster names become file names (``.sbkube/rendered/<cluster>/``): no path parts."""
    if len(name) > 63:
        return f"cluster name is {len(name)} characters; at most 63"
    if not _CLUSTER_NAME.match(name):
        return (
            f"cluster name {name!r} may hold only letters, digits, '.', '_' and '-', starting "
            "and ending with a letter or digit (it names files and directories)"
        )
    return None
