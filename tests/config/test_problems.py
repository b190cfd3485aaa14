"""pydantic errors as located, plain problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sbkube_ci._yaml import read_text
from sbkube_ci.config.loader import check_document
from sbkube_ci.config.models import Config
from sbkube_ci.config.problems import dotted, from_validation_error


def _problems(text: str) -> list[str]:
    doc = read_text(text, "f.yaml")
    allowed: dict[int, list[str]] = {}
    try:
        Config.model_validate(doc.data, context={"allowed_keys": allowed})
    except ValidationError as exc:
        found = from_validation_error(doc, exc, prefix=(), raw=doc.data, allowed=allowed)
        return [str(p) for p in found]
    return []


def test_dotted() -> None:
    path: tuple[Any, ...] = ("apps", "web", "depends_on", 0)
    assert dotted(path) == "apps.web.depends_on[0]"
    assert dotted(()) == "(top level)"


def test_union_of_url_and_mapping_reports_the_mapping_member_only() -> None:
    text = "apiVersion: sbkube/v1\nsettings:\n  helm_repos:\n    r: {url: x, passwd: y}\n"
    assert _problems(text) == [
        "f.yaml:4:17: settings.helm_repos.r.passwd: unknown key; did you mean 'password'? "
        "allowed keys: ca_file, "
        "cert_file, insecure_skip_tls_verify, key_file, pass_credentials, password, url, username"
    ]


def test_app_keys_named_like_union_tags_are_kept() -> None:
    # A key that happens to equal the app type is a real (unknown) key, not a tag.
    text = "apiVersion: sbkube/v1\napps:\n  web:\n    type: noop\n    noop: 1\n"
    doc = read_text(text, "f.yaml")
    _, problems = check_document(doc, base_dir=Path())
    assert [str(p) for p in problems] == [
        "f.yaml:5:5: apps.web.noop: unknown key; allowed keys: annotations, depends_on, "
        "description, enabled, hooks, labels, namespace, notes, type"
    ]


def test_notifier_short_form_errors_have_no_tag_in_the_path() -> None:
    text = "apiVersion: sbkube/v1\nnotify:\n  slack:\n    webhook_url_env: A\n    token_env: B\n"
    assert _problems(text) == [
        "f.yaml:4:5: notify.slack: set exactly one of webhook_url_env or token_env (with channel)"
    ]


def test_missing_key_points_at_the_parent_key() -> None:
    text = "apiVersion: sbkube/v1\ndiff:\n  ignore:\n    - kind: Deployment\n"
    assert _problems(text) == [
        "f.yaml:4:7: diff.ignore[0].path: required key is missing; add it under diff.ignore[0]"
    ]


def test_an_unknown_key_far_from_any_known_one_gets_no_guess() -> None:
    text = "apiVersion: sbkube/v1\nsettings:\n  helm_repos:\n    r: {url: x, zzz: y}\n"
    [line] = _problems(text)
    assert "did you mean" not in line
    assert line.endswith(
        "zzz: unknown key; allowed keys: ca_file, cert_file, "
        "insecure_skip_tls_verify, key_file, pass_credentials, password, url, username"
    )
