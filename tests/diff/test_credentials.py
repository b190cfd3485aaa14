"""The values handed to the CI's log masking: every credential, and of a kubeconfig its secrets."""

from __future__ import annotations

import yaml

from sbkube_ci.diff.credentials import kubeconfig_secrets, secret_values

KUBECONFIG = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [{"name": "prod", "cluster": {"server": "https://203.0.113.10:6443"}}],
    "users": [
        {"name": "a", "user": {"token": "tok-1f2e"}},
        {"name": "b", "user": {"username": "admin", "password": "pw-93ab"}},
        {"name": "c", "user": {"client-certificate-data": "Y2VydA==", "client-key-data": "a2V5"}},
        {"name": "d", "user": {"auth-provider": {"config": {"refresh-token": "rt-77"}}}},
    ],
    "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "a"}}],
    "current-context": "prod",
}


def test_a_kubeconfig_gives_its_secret_fields_only() -> None:
    found = kubeconfig_secrets(yaml.safe_dump(KUBECONFIG))
    assert sorted(found) == ["Y2VydA==", "a2V5", "pw-93ab", "rt-77", "tok-1f2e"]


def test_content_that_is_no_kubeconfig_is_masked_line_by_line() -> None:
    assert kubeconfig_secrets("not: [valid\nsecond line\n") == ["not: [valid", "second line"]


def test_secret_values_read_the_raw_document_before_it_is_checked() -> None:
    data = {
        "clusters": {"prod": {"kubeconfig_env": "${KC}"}},
        "settings": {"helm_repos": {"r": {"url": "https://x", "password": "${REPO_PW}"}}},
        "diff": {"mask_env": ["DB_PASSWORD"]},
        "apps": {"web": {"set_values": {"url": "postgres://u:${DB_URL_PW}@db/app"}}},
    }
    environ = {
        "KC": yaml.safe_dump(KUBECONFIG),
        "REPO_PW": "repo-pw",
        "DB_PASSWORD": "db-pw",
        "DB_URL_PW": "url-pw",
        "UNRELATED": "not-a-secret",
    }
    found = secret_values(data, environ)
    assert {"repo-pw", "db-pw", "url-pw", "tok-1f2e", "a2V5"} <= set(found)
    assert not [v for v in found if "apiVersion" in v or "203.0.113.10" in v]
    assert "not-a-secret" not in found
