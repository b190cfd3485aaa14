"""The YAML writer: whatever it writes, YAML reads back as the same data."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sbkube_ci.render.emit import dump_document

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            *["yes", "No", "on", "y", "n", "~", "null", "1.5", "0x1F", "1:20", "2024-01-01"],
            *["=", "<<", "a: b", "a #b", "- x", "*x", "&x", "!x", "%x", "@x", "`x", "x:", " x"],
            *["x ", "\tx", "line\nline\n", "line\nline", "a\n\nb\n", "\n", "x\n\n", "a\r\nb"],
            *["  lead\nx\n", "tab\tinside\n", "trailing \nspace\n", "é\u2028x", "\x85"],
            *["#!/bin/sh\nexit 0\n", "\x1f\U00010000", "\x7f\ufeff"],
        ]
    )
)
keys = st.text(max_size=12) | st.integers(min_value=0, max_value=99)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, values, max_size=6))
def test_round_trip(data: dict[Any, Any]) -> None:
    assert yaml.safe_load(dump_document(data)) == data


def test_readable_forms() -> None:
    text = dump_document(
        {
            "data": {"script": "#!/bin/sh\necho hi\n", "flag": "true", "image": "nginx:1.27"},
            "list": [{"name": "a", "value": "1"}],
        }
    )
    assert text == (
        "data:\n"
        '  flag: "true"\n'
        "  image: nginx:1.27\n"
        "  script: |\n"
        "    #!/bin/sh\n"
        "    echo hi\n"
        "list:\n"
        "- name: a\n"
        '  value: "1"\n'
    )


def test_other_types_fall_back_to_pyyaml() -> None:
    data = {"when": __import__("datetime").date(2024, 1, 1), "x": float("inf")}
    assert yaml.safe_load(dump_document(data)) == data
