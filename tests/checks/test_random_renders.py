"""Random fields: comparing renders, reading charts, finding the values that pin a field."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

from sbkube_ci.checks.random_renders import (
    RandomField,
    TemplateReader,
    random_fields,
    uses_randomness,
    values_to_pin,
)


def secret(password: str) -> dict[str, object]:
    meta = {"name": "db", "namespace": "shop"}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "data": {"pw": password}}


def test_only_fields_that_differ_between_renders_are_random() -> None:
    first = [secret("a"), {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}]
    second = [secret("b"), {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}]
    (found,) = random_fields(first, second)
    assert (found.title, found.dotted, found.path) == ("Secret shop/db", "data.pw", ("data", "pw"))


def _pack(archive: Path, files: dict[str, str]) -> None:
    with tarfile.open(archive, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_templates_of_subcharts_are_read_with_their_values_prefix(tmp_path: Path) -> None:
    chart = tmp_path / "app"
    (chart / "templates").mkdir(parents=True)
    (chart / "templates" / "cm.yaml").write_text("data: {{ .Values.x }}\n")
    (chart / "charts" / "auth" / "templates").mkdir(parents=True)
    (chart / "charts" / "auth" / "templates" / "secret.yaml").write_text(
        "data:\n  {{- if .Values.password }}\n  pw: {{ .Values.password }}\n  {{- else }}\n"
        "  pw: {{ randAlphaNum 8 }}\n  {{- end }}\n"
    )
    (chart / "files").mkdir()
    (chart / "files" / "not-a-template.yaml").write_text("{{ now }}\n")
    _pack(chart / "charts" / "redis-19.1.0.tgz", {"redis/templates/x.yaml": "{{ uuidv4 }}\n"})

    templates = TemplateReader().templates(chart)

    assert sorted((t.path, t.values_prefix, t.random) for t in templates) == [
        ("charts/auth/templates/secret.yaml", "auth.", True),
        ("charts/redis/templates/x.yaml", "redis.", True),
        ("templates/cm.yaml", "", False),
    ]
    field = RandomField("v1", "Secret", "", "s", "Secret s", ("data", "pw"))
    assert values_to_pin(field, templates) == (["auth.password"], "")
    assert uses_randomness([t for t in templates if t.path.startswith("templates/")]) is False


def test_hard_linked_charts_are_read_once(tmp_path: Path) -> None:
    one, two = tmp_path / "one" / "templates", tmp_path / "two" / "templates"
    one.mkdir(parents=True)
    two.mkdir(parents=True)
    (one / "a.yaml").write_text("{{ randAlpha 3 }}\n")
    os.link(one / "a.yaml", two / "a.yaml")
    reader = TemplateReader()
    first = reader.templates(one.parent)
    (one / "a.yaml").chmod(0)  # a second read would fail
    try:
        assert reader.templates(two.parent) == first
    finally:
        (one / "a.yaml").chmod(0o644)
