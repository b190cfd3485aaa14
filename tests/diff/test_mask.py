"""Masking: Secret fields as change markers, registered values raw and base64, everywhere."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sbkube_ci.diff import mask
from sbkube_ci.diff.mask import Masker
from tests.diff.leaks import base64_leaks, whole_base64_forms
from tests.diff.objects import b64, config_map, deployment, secret

SECRET = "s3cr3t-P@ss:word/+="


def test_literal_and_every_whole_base64_form_are_masked() -> None:
    masker = Masker([SECRET])
    for form in (SECRET, *whole_base64_forms(SECRET), b64(SECRET + "\n")):
        assert masker.mask(f"before {form} after") == "before *** after"


@pytest.mark.parametrize("prefix", ["", "u", "us", "user:", "a-longer-prefix:"])
def test_secret_inside_a_longer_base64_string_is_masked_at_any_alignment(prefix: str) -> None:
    config = json.dumps({"auths": {"ghcr.io": {"auth": b64(prefix + SECRET), "x": 1}}})
    inside = (prefix + SECRET + "@registry.example.com").encode()
    encoded = base64.b64encode(inside).decode()
    masker = Masker([SECRET])
    for text in (config, encoded, base64.urlsafe_b64encode(inside).decode()):
        assert base64_leaks(text, SECRET) or SECRET in text  # the oracle sees the leak
        masked = masker.mask(text)
        assert SECRET not in masked
        assert not base64_leaks(masked, SECRET)


def test_short_and_blank_values_are_not_masked_as_literals() -> None:
    masker = Masker(["abc", "    ", " ab "])
    assert masker.mask("abc def    ab") == "abc def    ab"
    assert not masker.has_values


def test_short_values_are_still_masked_inside_secrets() -> None:
    old, new = Masker().mask_pair(secret("s", data={"pin": "12"}), secret("s", data={"pin": "34"}))
    assert old["data"] == {"pin": mask.PREVIOUS}
    assert new["data"] == {"pin": mask.CHANGED}


def test_longest_value_wins_when_one_contains_another() -> None:
    assert Masker(["pass", "password123"]).mask("x password123 pass") == "x *** ***"


def test_secret_fields_say_how_each_key_changed() -> None:
    old = secret("db", data={"user": "shop", "pw": "a-1234", "gone": "x"}, string_data={"t": "1"})
    new = secret("db", data={"user": "shop", "pw": "b-5678", "new": "y"}, string_data={"t": "2"})
    old_masked, new_masked = Masker().mask_pair(old, new)
    assert old_masked["data"] == {"user": mask.UNCHANGED, "pw": mask.PREVIOUS, "gone": mask.REMOVED}
    assert new_masked["data"] == {"user": mask.UNCHANGED, "pw": mask.CHANGED, "new": mask.ADDED}
    assert (old_masked["stringData"], new_masked["stringData"]) == (
        {"t": mask.PREVIOUS},
        {"t": mask.CHANGED},
    )
    assert old["data"]["pw"] == b64("a-1234")  # inputs are not modified


def test_two_different_registered_secrets_still_show_as_changed() -> None:
    masker = Masker(["first-secret", "second-secret"])
    old, new = masker.mask_pair(
        secret("s", string_data={"k": "first-secret"}),
        secret("s", string_data={"k": "second-secret"}),
    )
    assert (old["stringData"]["k"], new["stringData"]["k"]) == (mask.PREVIOUS, mask.CHANGED)


def test_created_and_deleted_secrets_are_added_and_removed() -> None:
    masker = Masker()
    _, created = masker.mask_pair(None, secret("s", data={"a": "1"}))
    deleted, _ = masker.mask_pair(secret("s", data={"a": "1"}), None)
    assert created["data"] == {"a": mask.ADDED}
    assert deleted["data"] == {"a": mask.REMOVED}


def test_mask_env_masks_env_entries_and_config_map_keys_but_not_other_names() -> None:
    masker = Masker(mask_env=["DB_PASSWORD"])
    dep = deployment(env={"DB_PASSWORD": "pw", "LOG_LEVEL": "debug"})
    env = dep["spec"]["template"]["spec"]["containers"][0]["env"]
    env.append({"name": "DB_PASSWORD", "value": "duplicate"})
    cm = config_map("c", DB_PASSWORD="pw", mode="x")
    masked_dep, masked_cm = masker.mask_object(dep), masker.mask_object(cm)
    values = [e["value"] for e in masked_dep["spec"]["template"]["spec"]["containers"][0]["env"]]
    assert values == [mask.HIDDEN, "debug", mask.HIDDEN]
    assert masked_cm["data"] == {"DB_PASSWORD": mask.HIDDEN, "mode": "x"}


def test_env_entries_compare_by_container_and_name() -> None:
    masker = Masker(mask_env=["TOKEN"])
    old = deployment(env={"TOKEN": "a"})
    new = deployment(env={"A": "1", "TOKEN": "a"})
    new["spec"]["template"]["spec"]["containers"].append(
        {"name": "sidecar", "env": [{"name": "TOKEN", "value": "b"}]}
    )
    _, masked = masker.mask_pair(old, new)
    containers = masked["spec"]["template"]["spec"]["containers"]
    assert containers[0]["env"][1] == {"name": "TOKEN", "value": mask.UNCHANGED}
    assert containers[1]["env"][0] == {"name": "TOKEN", "value": mask.ADDED}


def test_mask_object_masks_values_in_keys_and_nested_strings() -> None:
    masker = Masker([SECRET])
    obj = config_map("c", note=f"url=https://u:{SECRET}@host")
    obj["metadata"]["annotations"] = {SECRET: "x", "auth": b64(f"user:{SECRET}")}
    masked = masker.mask_object(obj)
    text = json.dumps(masked)
    assert SECRET not in text
    assert not base64_leaks(text, SECRET)
    assert masked["data"]["note"] == "url=https://u:***@host"


def test_from_settings_masks_the_current_values_of_mask_env_variables() -> None:
    masker = Masker.from_settings(["DB_PASSWORD", "UNSET"], {"DB_PASSWORD": "hunter2hunter2"})
    assert masker.mask("pw=hunter2hunter2") == "pw=***"
    assert masker.mask_env == frozenset({"DB_PASSWORD", "UNSET"})


def test_values_that_are_not_utf8_are_still_masked() -> None:
    raw = b"pw-\xff\xfe-secret"
    value = raw.decode("utf-8", errors="surrogateescape")  # as os.environ gives it
    masker = Masker([value, "lone-\ud800-surrogate"])
    assert masker.mask(f"a {value} b") == "a *** b"
    assert masker.mask(base64.b64encode(raw).decode()) == "***"
    assert masker.mask("x lone-\ud800-surrogate") == "x ***"


@settings(max_examples=200, deadline=None)
@given(
    needles=st.lists(st.text("ab", min_size=4, max_size=9), min_size=1, max_size=6),
    text=st.text("abc", max_size=300),
)
def test_small_and_large_texts_leave_no_needle(needles: list[str], text: str) -> None:
    masker = Masker(needles)
    small = masker.mask(text)
    large = masker.mask(text + "c" * 70_000)  # the span path for large texts
    for needle in needles:
        assert needle not in small
        assert needle not in large
    assert ("***" in small) == any(n in text for n in needles)
    if not any(n in text for n in needles):
        assert small == text
        assert large == text + "c" * 70_000
