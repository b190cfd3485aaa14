"""Normalization: one stable text for equal objects, whatever the input looked like."""

from __future__ import annotations

import textwrap

import pytest

from sbkube_ci.errors import RenderError
from sbkube_ci.render.digest import render_digest
from sbkube_ci.render.normalize import Chunk, load_objects, normalize_rendered, split_helm_output

HELM_OUTPUT = textwrap.dedent(
    """\
    ---
    # Source: web/templates/service.yaml
    # a template comment
    kind: Service
    apiVersion: v1
    metadata: {name: web}
    spec: {ports: [{port: 80}]}
    ---
    # Source: web/templates/empty.yaml
    ---
    # Source: web/templates/list.yaml
    apiVersion: v1
    kind: List
    items:
      - {apiVersion: v1, kind: ConfigMap, metadata: {name: b-config}}
      - {apiVersion: v1, kind: ConfigMap, metadata: {name: a-config, namespace: other}}
    ---
    # Source: web/templates/rbac.yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: web-reader}
    ---
    # Source: web/crds/crd.yaml
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: widgets.example.com}
    spec:
      scope: Cluster
      names: {kind: Widget}
    ---
    # Source: web/templates/widget.yaml
    apiVersion: example.com/v1
    kind: Widget
    metadata: {name: w}
    ---
    # Source: web/templates/ns.yaml
    apiVersion: v1
    kind: Namespace
    metadata: {name: shop, creationTimestamp: null}
    ---
    # Source: web/templates/hook.yaml
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: migrate
      annotations: {"helm.sh/hook": pre-install, "helm.sh/hook-weight": "1"}
    """
)


def _kinds_and_names(text: str) -> list[tuple[str, str, str]]:
    return [
        (o["kind"], o["metadata"].get("namespace", "-"), o["metadata"]["name"])
        for o in load_objects(text)
    ]


def test_helm_output_is_flattened_ordered_and_namespaced() -> None:
    result = normalize_rendered(split_helm_output(HELM_OUTPUT, "web"), "shop", "apps.web")
    assert _kinds_and_names(result.text) == [
        ("Namespace", "-", "shop"),
        ("CustomResourceDefinition", "-", "widgets.example.com"),
        ("ConfigMap", "other", "a-config"),
        ("ConfigMap", "shop", "b-config"),
        ("ClusterRole", "-", "web-reader"),
        ("Service", "shop", "web"),
        ("Job", "shop", "migrate"),
        ("Widget", "-", "w"),  # cluster-scoped: its CRD says so
    ]
    assert "#" not in result.text  # comments are gone
    assert result.text.startswith("---\napiVersion: v1\nkind: Namespace\n")
    assert "creationTimestamp" not in result.text
    job = next(o for o in result.objects if o["kind"] == "Job")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install"
    assert result.digest == render_digest(result.text)
    assert load_objects(result.text) == result.objects


def test_equal_objects_give_equal_text_whatever_the_key_order() -> None:
    flow = "kind: ConfigMap\napiVersion: v1\nmetadata: {name: x}\ndata: {b: 1, a: 2}"
    block = "apiVersion: v1\ndata:\n  a: 2\n  b: 1\nkind: ConfigMap\nmetadata:\n  name: x\n"
    one = normalize_rendered([Chunk("a.yaml", flow)], "ns", "apps.a")
    two = normalize_rendered([Chunk("b.yaml", block)], "ns", "apps.a")
    assert one.text == two.text
    assert one.text.index("  a: 2") < one.text.index("  b: 1")


def test_multi_document_files_and_empty_documents() -> None:
    secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n...\n"
    text = f"---\n---\n# only a comment\n---\n{secret}"
    result = normalize_rendered([Chunk("m.yaml", text)], "ns", "apps.m")
    assert [o["kind"] for o in result.objects] == ["Secret"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("apiVersion: v1\nmetadata: {name: x}\n", "a rendered object has no kind"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "ConfigMap has no metadata.name"),
        ("- just\n- a list\n", "a rendered document is a list"),
        ("kind: [unclosed\n", "rendered invalid YAML"),
    ],
)
def test_bad_documents_name_the_app_and_the_template(document: str, message: str) -> None:
    output = f"---\n# Source: web/templates/bad.yaml\n{document}"
    with pytest.raises(RenderError) as caught:
        normalize_rendered(split_helm_output(output, "web"), "ns", "apps.web on cluster prod")
    assert str(caught.value).startswith("apps.web on cluster prod: web/templates/bad.yaml: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_alias_bombs_are_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    with pytest.raises(RenderError, match="billion-laughs"):
        normalize_rendered([Chunk("bomb.yaml", bomb)], "ns", "apps.bomb")
