"""Safe YAML reading: hostile and broken files get one clear error, never a hang."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sbkube_ci._yaml import MAX_BYTES, KubeLoader, load_all_documents, read_file, read_text
from sbkube_ci.errors import YamlError
from sbkube_ci.render.normalize import Chunk, load_objects, normalize_rendered

pytestmark = pytest.mark.timeout(20)  # a hang is a failure, not a stuck run

BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def _error(text: str) -> str:
    with pytest.raises(YamlError) as caught:
        read_text(text, "sbkube.yaml")
    return str(caught.value)


def test_billion_laughs_is_refused() -> None:
    assert _error(BILLION_LAUGHS) == (
        "sbkube.yaml:1:57: aliases expand to more than 100000 values; "
        "refusing what looks like a billion-laughs document"
    )


def test_billion_laughs_through_merge_keys_is_refused() -> None:
    levels = ["l0: &l0 {a: 1, b: 2}"]
    for n in range(1, 10):
        refs = ", ".join([f"*l{n - 1}"] * 10)
        levels.append(f"l{n}: &l{n} {{<<: [{refs}]}}")
    message = _error("\n".join(levels) + "\n")
    assert message.endswith("refusing what looks like a billion-laughs document")


def test_many_values_without_aliases_are_not_a_bomb() -> None:
    doc = read_text("a: [" + ",".join(["1"] * 110_000) + "]\n", "f.yaml")
    assert len(doc.data["a"]) == 110_000


def test_ten_mib_of_tiny_values_is_refused_before_composing() -> None:
    text = "a:\n" + "- 1\n" * 2_600_000  # 9.9 MiB, 2.6 million values
    assert _error(text) == (
        "sbkube.yaml:249999:3: more than 250000 values; too large for a configuration file, "
        "split it or move data into values files"
    )


def test_file_over_10_mib_is_refused_without_parsing(tmp_path: Path) -> None:
    path = tmp_path / "sbkube.yaml"
    path.write_bytes(b"a: " + b"x" * (MAX_BYTES + 1 - 3))
    assert path.stat().st_size == MAX_BYTES + 1
    with pytest.raises(YamlError) as caught:
        read_file(path, display="sbkube.yaml")
    assert str(caught.value) == (
        "sbkube.yaml: file is larger than the 10 MiB limit for a configuration file; "
        "split it or remove generated content"
    )


def test_file_of_exactly_10_mib_is_read(tmp_path: Path) -> None:
    path = tmp_path / "sbkube.yaml"
    path.write_bytes(b"a: " + b"x" * (MAX_BYTES - 3))
    assert len(read_file(path).data["a"]) == MAX_BYTES - 3


def test_empty_file() -> None:
    assert _error("") == ("sbkube.yaml: file is empty; expected a mapping with apiVersion and apps")
    assert _error("# only a comment\n") == (
        "sbkube.yaml: file is empty; expected a mapping with apiVersion and apps"
    )


def test_list_at_top_level() -> None:
    assert _error("- a\n- b\n") == (
        "sbkube.yaml:1:1: the top level must be a mapping of keys, found a list"
    )


def test_scalar_at_top_level() -> None:
    assert _error("just text\n") == (
        "sbkube.yaml:1:1: the top level must be a mapping of keys, found a string"
    )


def test_invalid_syntax() -> None:
    assert _error("apps:\n  web: [a, b\n") == (
        "sbkube.yaml:3:1: invalid YAML: did not find expected ',' or ']'; "
        "a [ list ] is not closed; add the ']'"
    )


def test_duplicate_keys() -> None:
    assert _error("apps:\n  web: 1\n  web: 2\n") == (
        "sbkube.yaml:3:3: duplicate key 'web'; YAML keeps only the last one, remove the other"
    )


def test_deep_nesting_in_flow_style() -> None:
    assert _error("a: " + "[" * 300 + "]" * 300 + "\n") == (
        "sbkube.yaml:1:204: nesting is deeper than 200 levels; this cannot be a configuration file"
    )


def test_very_deep_nesting_stops_in_the_parser() -> None:
    message = _error("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert message == (
        "sbkube.yaml:1:1003: nesting is too deep to be a configuration file "
        "(exceeded maximum nesting depth)"
    )


def test_deep_nesting_in_block_style() -> None:
    text = "".join(f"{'  ' * i}k{i}:\n" for i in range(250)) + "  " * 250 + "v\n"
    assert _error(text).startswith("sbkube.yaml:")
    assert "nesting is" in _error(text)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "sbkube.yaml"
    path.write_bytes(b"a: \xff\n")
    with pytest.raises(YamlError) as caught:
        read_file(path, display="sbkube.yaml")
    assert str(caught.value) == "sbkube.yaml: not UTF-8 text (invalid start byte at byte 3)"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(YamlError) as caught:
        read_file(tmp_path / "nope.yaml", display="nope.yaml")
    assert str(caught.value) == "nope.yaml: file not found; check the path (-C DIR, -f FILE)"


def test_keys_stay_strings_even_when_yaml_1_1_says_bool() -> None:
    doc = read_text("on: [deploy]\nyes: 1\n'no': 2\n3: x\n", "f.yaml")
    assert doc.data == {"on": ["deploy"], "yes": 1, "no": 2, "3": "x"}


def test_merge_keys_follow_yaml_semantics() -> None:
    text = (
        "base: &base {a: 1, b: 2}\nother: &other {b: 3, c: 4}\nm:\n  <<: [*base, *other]\n  a: 10\n"
    )
    doc = read_text(text, "f.yaml")
    # Own keys override merged ones; the first merged mapping wins over later ones.
    assert doc.data["m"] == {"b": 2, "c": 4, "a": 10}
    assert str(doc.locate(("m", "a"))) == "f.yaml:5:6"  # the own key, not the anchor
    assert str(doc.locate(("m", "c"))) == "f.yaml:2:25"  # where the merged value was written


def test_merge_of_a_scalar_is_refused() -> None:
    assert _error("m:\n  <<: 5\n") == (
        "sbkube.yaml:2:7: a << merge key needs a mapping or a list of mappings "
        "(usually an alias such as *defaults)"
    )


def test_locations_of_keys_and_values() -> None:
    doc = read_text("apps:\n  web:\n    type: noop\n", "f.yaml")
    assert str(doc.locate(("apps", "web"), key=True)) == "f.yaml:2:3"
    assert str(doc.locate(("apps", "web", "type"))) == "f.yaml:3:11"
    assert str(doc.locate(("apps", "web", "absent", 3))) == "f.yaml:3:5"


def test_multi_document_manifests() -> None:
    text = "a: 1\n---\n---\nb: [1, 2]\n"
    assert list(load_all_documents(text, "m.yaml")) == [{"a": 1}, {"b": [1, 2]}]
    with pytest.raises(YamlError, match="billion-laughs"):
        list(load_all_documents(BILLION_LAUGHS, "m.yaml"))


def test_control_character() -> None:
    assert _error("a: \x00b\n") == (
        "sbkube.yaml: invalid YAML: character #x0000 at offset 3 is not allowed in YAML text; "
        "remove it"
    )


def test_tab_indentation() -> None:
    assert _error("a:\n\tb: 1\n") == (
        "sbkube.yaml:2:1: invalid YAML: a tab; YAML indents with spaces only"
    )


def test_recursive_alias() -> None:
    assert _error("a: &x\n  b: *x\n") == (
        "sbkube.yaml:1:4: an alias refers to a mapping or list that contains it; "
        "a configuration cannot be recursive"
    )


def test_two_documents() -> None:
    assert _error("---\na: 1\n---\nb: 2\n") == (
        "sbkube.yaml:3:1: more than one YAML document (---); a configuration is one document "
        "(but found another document)"
    )


def test_unknown_tag() -> None:
    assert _error("a: !Ref x\n") == (
        "sbkube.yaml:1:4: could not determine a constructor for the tag '!Ref'"
    )


def test_byte_order_mark_is_accepted() -> None:
    assert read_text("\ufeffapiVersion: sbkube/v1\n", "f.yaml").data == {"apiVersion": "sbkube/v1"}


def test_an_alias_used_twice_is_not_recursive() -> None:
    doc = read_text("x: &x {a: 1}\ny: [*x, *x]\n", "f.yaml")
    assert doc.data["y"] == [{"a": 1}, {"a": 1}]
    assert doc.data["y"][0] is not doc.data["y"][1]  # each use is its own copy


# Scalars as the API server reads them (sigs.k8s.io/yaml over go-yaml v2).
KUBE_SCALARS = """\
equals: =
enum: ['!=', =, =~, '!~']
date: 2024-01-02
stamp: 2001-12-14t21:59:43.10-05:00
clock: 1:30
negative_clock: -1:30:00
float_clock: 190:20:30.15
octal: 0755
binary: !!binary aGVsbG8=
binary_not_text: !!binary //79
float: 1.5
bool: yes
go_bool: y
go_bool_no: N
quoted_y: 'y'
int: 12
null_value: ~
"""
KUBE_EXPECTED = {
    "equals": "=",
    "enum": ["!=", "=", "=~", "!~"],
    "date": "2024-01-02",
    "stamp": "2001-12-14t21:59:43.10-05:00",
    "clock": "1:30",
    "negative_clock": "-1:30:00",
    "float_clock": "190:20:30.15",
    "octal": 493,
    "binary": "hello",
    "binary_not_text": "//79",
    "float": 1.5,
    "bool": True,
    "go_bool": True,
    "go_bool_no": False,
    "quoted_y": "y",
    "int": 12,
    "null_value": None,
}


def test_manifests_load_with_kubernetes_scalar_types() -> None:
    assert list(load_all_documents(KUBE_SCALARS, "crd.yaml")) == [KUBE_EXPECTED]
    assert list(yaml.load_all(KUBE_SCALARS, Loader=KubeLoader)) == [KUBE_EXPECTED]


def test_config_files_read_the_value_type_too() -> None:
    assert read_text("apiVersion: sbkube/v1\nop: =\n", "sbkube.yaml").data["op"] == "="


def test_kubernetes_scalars_survive_normalizing_and_reloading() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n" + "".join(
        f"  {line}\n" for line in KUBE_SCALARS.splitlines()
    )
    normalized = normalize_rendered([Chunk("cm.yaml", text)], "default", "test")
    assert normalized.objects[0]["data"] == KUBE_EXPECTED
    assert load_objects(normalized.text) == normalized.objects


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("apps:\n  web:\n    type: yaml\n   manifests: []\n", "this line is indented differently"),
        ("apps:\n  web:\n    type: yaml\n      x: 1\n", "check this line's indentation"),
        ("apps:\n  web: {a: 1\n", "a { mapping } is not closed; add the '}'"),
        ("apps:\n  web: @x\n", "put the value in quotes"),
    ],
)
def test_syntax_errors_come_with_plain_words(text: str, words: str) -> None:
    message = _error(text)
    assert message.startswith("sbkube.yaml:")
    assert words in message


def test_manifest_keys_that_yaml_reads_as_other_types_become_text_as_in_kubernetes() -> None:
    """sigs.k8s.io/yaml formats keys that are not strings: ``y:`` -> "true", ``8080:`` -> "8080"."""
    text = "data:\n  y: a\n  n: b\n  on: c\n  8080: d\n  1.5: e\n  ~: f\n  x: {<<: {z: g}}\n"
    loaded = yaml.load(text, Loader=KubeLoader)  # noqa: S506 - KubeLoader is a safe loader
    assert loaded == {
        "data": {
            "true": "c",
            "false": "b",
            "8080": "d",
            "1.5": "e",
            "null": "f",
            "x": {"z": "g"},
        }
    }
