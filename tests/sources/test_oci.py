"""Charts in a real OCI registry (docker-registry), pushed with ``helm push``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from sbkube_ci.commands.prepare import prepare
from sbkube_ci.errors import SourceError
from sbkube_ci.sources import prepare_app
from tests.fixtures.chart_repo import package_chart
from tests.fixtures.oci_registry import OciRegistry
from tests.sources.conftest import MakeContext


def _push(registry: OciRegistry, tmp_path: Path, name: str, *versions: str) -> dict[str, str]:
    return {
        v: registry.push(package_chart(tmp_path / "build", name, v, tmp_path / "pkg"))
        for v in versions
    }


def test_tag_range_resolves_to_manifest_digest(
    oci_registry: OciRegistry,
    make_ctx: MakeContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    digests = _push(oci_registry, tmp_path, "api", "1.0.0", "1.1.0", "2.0.0")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    chart = f"oci://{oci_registry.host}/charts/api"
    ctx = make_ctx({"api": {"type": "helm", "chart": chart, "version": "^1.0"}})
    prepared = prepare_app("api", ctx.project.config.apps["api"], ctx)
    assert prepared.pin.kind == "oci"
    assert prepared.pin.version == "1.1.0"
    assert prepared.pin.digest == digests["1.1.0"]
    assert yaml.safe_load((prepared.path / "Chart.yaml").read_text())["version"] == "1.1.0"
    assert list(home.iterdir()) == []  # helm used sbkube-ci's dirs, never the user's


def test_registry_key_and_exact_version(
    oci_registry: OciRegistry, make_ctx: MakeContext, tmp_path: Path
) -> None:
    digests = _push(oci_registry, tmp_path, "api", "1.0.0", "1.1.0")
    settings = {"oci_registries": {"internal": {"registry": f"oci://{oci_registry.host}/charts"}}}
    ctx = make_ctx({"api": {"type": "helm", "chart": "internal/api", "version": "1.0.0"}}, settings)
    pin = prepare_app("api", ctx.project.config.apps["api"], ctx).pin
    assert (pin.version, pin.digest) == ("1.0.0", digests["1.0.0"])
    assert pin.source == f"oci://{oci_registry.host}/charts/api"


def test_missing_version_lists_nearest(
    oci_registry: OciRegistry, make_ctx: MakeContext, tmp_path: Path
) -> None:
    _push(oci_registry, tmp_path, "api", "1.0.0", "1.1.0")
    chart = f"oci://{oci_registry.host}/charts/api"
    ctx = make_ctx({"api": {"type": "helm", "chart": chart, "version": "3.0.0"}})
    with pytest.raises(SourceError, match=r"^apps\.api: .* has no version '3\.0\.0'; nearest "):
        prepare_app("api", ctx.project.config.apps["api"], ctx)


def test_missing_chart(oci_registry: OciRegistry, make_ctx: MakeContext) -> None:
    chart = f"oci://{oci_registry.host}/charts/nothing"
    ctx = make_ctx({"x": {"type": "helm", "chart": chart}})
    with pytest.raises(SourceError, match=r"^apps\.x: chart oci://.*/charts/nothing not found"):
        prepare_app("x", ctx.project.config.apps["x"], ctx)


def test_htpasswd_registry_login_uses_stdin_and_own_config(
    oci_registry_auth: OciRegistry,
    make_ctx: MakeContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    digests = _push(oci_registry_auth, tmp_path, "secure", "0.3.0")
    settings = {
        "oci_registries": {
            "priv": {
                "registry": f"{oci_registry_auth.host}/charts",
                "username": "ci",
                "password": "${OCI_PW}",
            }
        }
    }
    monkeypatch.setenv("OCI_PW", "s3cret-pw")
    ctx = make_ctx({"secure": {"type": "helm", "chart": "priv/secure"}}, settings)
    prepared = prepare_app("secure", ctx.project.config.apps["secure"], ctx)
    assert prepared.pin.digest == digests["0.3.0"]
    registry_config = ctx.work_dir / "helm" / "config" / "registry" / "config.json"
    assert oci_registry_auth.host in json.loads(registry_config.read_text())["auths"]

    monkeypatch.setenv("OCI_PW", "not-the-password")
    ctx = make_ctx({"secure": {"type": "helm", "chart": "priv/secure"}}, settings)
    with pytest.raises(SourceError, match=r"^apps\.secure: .*HTTP 401") as err:
        prepare_app("secure", ctx.project.config.apps["secure"], ctx)
    assert "not-the-password" not in str(err.value)


def test_locked_oci_chart_needs_no_registry_when_cached(
    oci_registry: OciRegistry, make_ctx: MakeContext, tmp_path: Path
) -> None:
    digests = _push(oci_registry, tmp_path, "api", "1.0.0")
    apps = {"api": {"type": "helm", "chart": f"oci://{oci_registry.host}/charts/api"}}
    ctx = make_ctx(apps)
    first = prepare(ctx.project, ctx=ctx)
    assert first.prepared["api"].pin.digest == digests["1.0.0"]
    oci_registry.stop()
    again = prepare(ctx.project, frozen=True, ctx=make_ctx(apps))
    assert again.resolved == []
    assert again.prepared["api"].path == first.prepared["api"].path

    shutil.rmtree(ctx.cache_dir)  # cold cache and the registry gone: one line naming the app
    with pytest.raises(SourceError, match=r"^apps\.api: helm pull oci://.*@sha256:[0-9a-f]+: exit"):
        prepare(ctx.project, frozen=True, ctx=make_ctx(apps))
